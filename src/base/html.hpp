// Putting outside text into HTML pages (the `mxtls logs` report, the
// `mxtls tlsrpt read` overview): the one escaper of each context.
#pragma once

#include <initializer_list>
#include <string>
#include <string_view>
#include <vector>

namespace mxtls {

// For HTML text and double- or single-quoted attribute values. Invalid UTF-8
// and control characters (other than tab and newline) become U+FFFD, so
// nothing from outside can change the page's structure or encoding.
std::string html_escape(std::string_view s);

// A JSON text made safe as the content of a <script type="application/json">
// element (HTML 13.1.2.6, "restrictions for contents of script elements"):
// '<', '>' and '&' become \u003c \u003e \u0026, which JSON.parse reads back
// as the same characters, so neither "</script" nor "<!--" can occur;
// U+2028 and U+2029 are escaped too. The input must be valid UTF-8 (dump it
// with nlohmann's error_handler_t::replace).
std::string json_for_script(std::string_view json_text);

namespace html {

// The markup both pages build with.
struct Attribute {
  std::string_view name;
  std::string value;  // escaped by open_tag
};
// <tag name="value" ...> with every value escaped.
std::string open_tag(std::string_view tag, const std::vector<Attribute>& attributes);
// <tag ...>inner</tag>. inner is markup: outside text must go through html_escape first.
std::string element(std::string_view tag, const std::vector<Attribute>& attributes, std::string_view inner);
// <section aria-labelledby="KEY-heading"><h2 id="KEY-heading">heading</h2> (heading is markup)
std::string section_open(std::string_view key, std::string_view heading);

struct Column {
  std::string_view label;
  bool numeric = false;
};
// <thead> with one column header per column, then the opening <tbody>.
std::string table_head(std::initializer_list<Column> columns);
// 1234567 -> "1,234,567"
std::string grouped(long long n);

}  // namespace html
}  // namespace mxtls
