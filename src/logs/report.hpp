// Renders the result of mxtls logs: JSON (docs/logs-json.md), a terminal
// table, and CSV (one row per domain or client and direction).
#pragma once

#include <nlohmann/json.hpp>
#include <ostream>
#include <string>

#include "logs/reader.hpp"

namespace mxtls::logs {

constexpr int json_schema_version = 1;

nlohmann::json to_json(const Analysis& analysis);
// The same document, streamed (memory does not grow with the number of rows).
void write_json(const Analysis& analysis, std::ostream& out);
std::string render_table(const Analysis& analysis, bool colour, size_t max_rows = 50);
std::string render_csv(const Analysis& analysis);
// One CSV cell (RFC 4180 quoting); a cell a spreadsheet would run as a formula
// (=, +, -, @, tab, CR first) is quoted and prefixed with ' (OWASP).
std::string csv_field(std::string_view cell);

}  // namespace mxtls::logs
