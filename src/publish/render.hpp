// The three forms of `mxtls publish`'s output, for operators' tools: zone-file
// lines, RFC 2136 input for nsupdate(1), and JSON (docs/publish-json.md).
// Explanations are ';' comments in the first two (both formats ignore them).
#pragma once

#include <string>

#include <nlohmann/json.hpp>

#include "publish/publish.hpp"

namespace mxtls::publish {

enum class Format { zone, nsupdate, json };

struct NsupdateTarget {
  std::string server;  // "ADDRESS [PORT]" for the `server` line, or empty
  std::string zone;    // the zone the names are in, or empty: one update per name
};

std::string render_zone(const Plan& plan);
std::string render_nsupdate(const Plan& plan, const NsupdateTarget& target);
nlohmann::json to_json(const Plan& plan);

// `mxtls publish --verify`: each difference with its fix (ok lines too when
// `verbose`), then a summary line; JSON with the same findings.
std::string render_verify_text(const std::string& domain, const Findings& findings, bool verbose);
nlohmann::json verify_to_json(const std::string& domain, const Findings& findings);
// As check: 0 no difference, 1 warnings, 2 errors.
int verify_exit_status(const Findings& findings);

// "_25._tcp.mx.example. 3600 IN TLSA 3 1 1 ab12..."
std::string zone_line(const Record& record);

}  // namespace mxtls::publish
