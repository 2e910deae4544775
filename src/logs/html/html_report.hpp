// The HTML report of `mxtls logs`, rendered from its --json document
// (docs/logs-json.md, schema version 1).
#pragma once

#include <nlohmann/json.hpp>

#include <string>

namespace mxtls::logs {

// A self-contained page: inline CSS and SVG, no external resources, readable
// without JavaScript (a small inline script only adds table sorting and opens
// <details> for printing). Every string from the report is escaped; a
// Content-Security-Policy allows only the page's own style and script. Missing
// or mistyped keys render as empty or zero, never throw. Key numbers carry
// stable id / data- attributes (see the ids in html_report.cpp).
std::string render_html(const nlohmann::json& report);

}  // namespace mxtls::logs
