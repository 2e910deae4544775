// Renders a `mxtls logs --json` document to HTML with mxtls::logs::render_html,
// for the browser test (so it does not depend on the log parser).
//   render_logs_html REPORT.json OUT.html
#include "logs/html/html_report.hpp"

#include <nlohmann/json.hpp>

#include <exception>
#include <fstream>
#include <iostream>

int main(int argc, char** argv) {
  if (argc != 3) {
    std::cerr << "usage: render_logs_html REPORT.json OUT.html\n";
    return 64;
  }
  try {
    std::ifstream in(argv[1]);
    if (!in) {
      std::cerr << "render_logs_html: cannot read " << argv[1] << "\n";
      return 1;
    }
    nlohmann::json report = nlohmann::json::parse(in);
    std::ofstream out(argv[2], std::ios::binary);
    out << mxtls::logs::render_html(report);
    out.close();
    if (!out) {
      std::cerr << "render_logs_html: cannot write " << argv[2] << "\n";
      return 1;
    }
  } catch (const std::exception& e) {
    std::cerr << "render_logs_html: " << e.what() << "\n";
    return 1;
  }
  return 0;
}
