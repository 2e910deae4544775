// The HTML page of `mxtls tlsrpt read --html`: the overview of the TLS reports
// in the look of the `mxtls logs` page. Pure.
#pragma once

#include <string>

#include "tlsrpt/overview.hpp"

namespace mxtls::tlsrpt {

// A self-contained page: inline style and script (page.html, style.css,
// script.js beside this file, embedded at build time with their CSP hashes),
// no external resources. The tables are markup, readable without JavaScript;
// the --json document (overview_json) is embedded as a
// <script type="application/json" id="overview-data"> data block, from which
// script.js draws the failure share per day into svg#failure-chart. Every
// string from a report is escaped for its context (base/html).
std::string render_html(const Overview& overview);

}  // namespace mxtls::tlsrpt
