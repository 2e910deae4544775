// Setting up the policy engine the way `mxtls serve`, `mxtls policy explain`
// and `mxtls policy build` all do: the MTA-STS policy cache, the service,
// the preload list and local rules, the log evidence, and the network tools.
// One sequence, so the three cannot drift apart.
#pragma once

#include <chrono>
#include <memory>
#include <optional>
#include <string>

#include "base/files.hpp"
#include "base/result.hpp"
#include "policy/log_evidence.hpp"
#include "policy/rules.hpp"
#include "policy/service.hpp"

namespace mxtls::policy {

struct ServiceSettings {
  std::string cache_url = ":memory:";  // see mta_sts/open_store.hpp
  // The network tools: a validating resolver and an HTTPS client per worker.
  std::string resolver_config;  // an unbound.conf; empty: the system resolver
  std::string trust_anchor;
  std::string ca_file;  // CAs for MTA-STS policy hosts; empty: the system store
  std::chrono::milliseconds timeout{10000};  // each DNS query and HTTPS fetch
  std::string preload_file;  // optional: the STARTTLS Everywhere policy.json
  std::string rules_file;    // optional: local rules
  LocalRules more_rules;     // e.g. the [rules] section of serve's --config
  std::string log_evidence_file;  // optional (opt-in): an `mxtls logs --json` report
  LogThresholds log_thresholds;
  ServiceOptions service;
  bool caller_tools = false;  // also make one set of network tools for the caller (explain)
};

struct OpenService {
  std::unique_ptr<PolicyService> service;
  std::optional<NetworkTools> tools;  // with caller_tools
  std::optional<StsStore::Loss> cache_loss;  // the policy cache was found lost (to log and count)
  std::string notice;  // what load_lists said (e.g. the preload list has expired), to log; "" if nothing
};

// The whole sequence: store, service, preload list and rules, log evidence,
// tools. The Error names the file (or URL) that could not be used.
Result<OpenService> open_service(const ServiceSettings& settings);

// A factory of network tools as the settings ask, one call per worker.
NetworkToolsFactory network_tools_factory(const ServiceSettings& settings);

// Reads the preload list and the rules (with more_rules) into the service;
// on success, a notice (or "") telling of a preload list refused on reload
// (the one in use then stays, and the rules are still replaced) or of a
// preload list in use that has expired (a WARNING: it is ignored).
Result<std::string> load_lists(PolicyService& service, const ServiceSettings& settings);

// The evidence of log_evidence_file (null without one), for
// PolicyService::set_log_history; read through read_log_report.
Result<std::shared_ptr<const LogHistory>> read_log_history(const ServiceSettings& settings);


// An `mxtls logs --json` report, at most max_log_report_size bytes: the one
// reader for --log-evidence and `policy build --from-logs`.
inline Result<std::string> read_log_report(const std::string& path) {
  return read_bounded_file(path, max_log_report_size);
}

}  // namespace mxtls::policy
