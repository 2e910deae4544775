// The HTML page of `mxtls logs` from any JSON: render_html must neither throw
// nor crash, and nothing from the input may become markup (the page keeps its
// one <style> and one <script>, which its Content-Security-Policy allows).
#include <nlohmann/json.hpp>

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "logs/html/html_report.hpp"

namespace {

size_t occurrences(const std::string& haystack, std::string_view needle) {
  size_t n = 0;
  for (size_t at = haystack.find(needle); at != std::string::npos; at = haystack.find(needle, at + 1)) ++n;
  return n;
}

void render_and_check(const nlohmann::json& report) {
  std::string html = mxtls::logs::render_html(report);
  if (occurrences(html, "<script") != 1 || occurrences(html, "</script") != 1 || occurrences(html, "<style") != 1 ||
      occurrences(html, "</style") != 1)
    __builtin_trap();
}

// A small input reaches every part of the page: the value stands for each
// section, each row and each what-if entry at once.
nlohmann::json everywhere(const nlohmann::json& v) {
  nlohmann::json rows = nlohmann::json::array({v, v});
  return {{"schema_version", v},
          {"period", v},
          {"inputs", rows},
          {"outbound", {{"totals", v}, {"domains", rows}}},
          {"inbound", {{"totals", v}, {"sender_domains", rows}, {"clients", rows}}},
          {"what_if", {{"outbound", rows}, {"inbound", rows}}},
          {"timeline", {{"bucket", "hour"}, {"points", rows}}},
          {"notifications", rows}};
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view input(reinterpret_cast<const char*>(data), size);
  nlohmann::json report = nlohmann::json::parse(input, nullptr, /*allow_exceptions=*/false);
  if (report.is_discarded()) return 0;
  render_and_check(report);
  render_and_check(everywhere(report));
  return 0;
}
