// Renderings of check reports: a terminal report and a stable JSON document
// (schema in docs/check-json.md).
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "check/judge.hpp"

namespace mxtls::report {

std::string render_text(const check::DomainReport& report, bool colour, bool verbose);
nlohmann::json to_json(const check::DomainReport& report);
// The whole `mxtls check --json` document, domains in the order given.
nlohmann::json to_json_document(const std::vector<check::DomainReport>& reports);
inline constexpr int json_schema_version = 1;

}  // namespace mxtls::report
