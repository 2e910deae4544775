#include "base/html.hpp"

#include "base/utf8.hpp"

namespace mxtls {

std::string html_escape(std::string_view s) {
  std::string out;
  out.reserve(s.size() + s.size() / 8);
  static constexpr std::string_view replacement = "\xEF\xBF\xBD";
  size_t i = 0;
  while (i < s.size()) {
    auto c = static_cast<unsigned char>(s[i]);
    if (c < 0x80) {
      switch (c) {
        case '&': out += "&amp;"; break;
        case '<': out += "&lt;"; break;
        case '>': out += "&gt;"; break;
        case '"': out += "&quot;"; break;
        case '\'': out += "&#39;"; break;
        case '\t':
        case '\n': out += static_cast<char>(c); break;
        default:
          if (c < 0x20 || c == 0x7f) out += replacement;
          else out += static_cast<char>(c);
      }
      ++i;
      continue;
    }
    // RFC 3629 sequences only; C1 controls (U+0080..U+009F) like C0 ones.
    size_t len = utf8_sequence_length(s, i);
    bool ok = len != 0 && !(len == 2 && c == 0xC2 && static_cast<unsigned char>(s[i + 1]) < 0xA0);
    if (ok) {
      out.append(s.substr(i, len));
      i += len;
    } else {
      out += replacement;
      ++i;
    }
  }
  return out;
}

std::string json_for_script(std::string_view json_text) {
  std::string out;
  out.reserve(json_text.size() + json_text.size() / 16);
  for (size_t i = 0; i < json_text.size(); ++i) {
    char c = json_text[i];
    // Outside strings these characters do not occur in JSON, so escaping them
    // everywhere only ever touches string contents.
    if (c == '<') out += "\\u003c";
    else if (c == '>') out += "\\u003e";
    else if (c == '&') out += "\\u0026";
    else if (json_text.substr(i, 3) == "\xE2\x80\xA8") { out += "\\u2028"; i += 2; }
    else if (json_text.substr(i, 3) == "\xE2\x80\xA9") { out += "\\u2029"; i += 2; }
    else out += c;
  }
  return out;
}

namespace html {

std::string open_tag(std::string_view tag, const std::vector<Attribute>& attributes) {
  std::string out = "<" + std::string(tag);
  for (const auto& a : attributes) out += " " + std::string(a.name) + "=\"" + html_escape(a.value) + "\"";
  return out + ">";
}

std::string element(std::string_view tag, const std::vector<Attribute>& attributes, std::string_view inner) {
  return open_tag(tag, attributes) + std::string(inner) + "</" + std::string(tag) + ">";
}

std::string section_open(std::string_view key, std::string_view heading) {
  std::string id = std::string(key) + "-heading";
  return open_tag("section", {{"aria-labelledby", id}}) + "\n" + element("h2", {{"id", id}}, heading) + "\n";
}

std::string table_head(std::initializer_list<Column> columns) {
  std::string out = "<thead><tr>";
  for (const auto& c : columns)
    out += (c.numeric ? "<th scope=\"col\" class=\"num\">" : "<th scope=\"col\">") + std::string(c.label) + "</th>";
  return out + "</tr></thead>\n<tbody>\n";
}

std::string grouped(long long n) {
  bool negative = n < 0;
  unsigned long long u = negative ? 0ULL - static_cast<unsigned long long>(n) : static_cast<unsigned long long>(n);
  std::string digits = std::to_string(u);
  std::string out;
  for (size_t i = 0; i < digits.size(); ++i) {
    if (i != 0 && (digits.size() - i) % 3 == 0) out += ',';
    out += digits[i];
  }
  return negative ? "-" + out : out;
}

}  // namespace html
}  // namespace mxtls
