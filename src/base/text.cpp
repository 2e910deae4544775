#include "base/text.hpp"

#include <algorithm>
#include <cctype>

namespace mxtls {


std::string to_lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

std::string_view trim(std::string_view s) {
  auto is_space = [](char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; };
  while (!s.empty() && is_space(s.front())) s.remove_prefix(1);
  while (!s.empty() && is_space(s.back())) s.remove_suffix(1);
  return s;
}

std::vector<std::string_view> split(std::string_view s, char sep) {
  std::vector<std::string_view> parts;
  size_t start = 0;
  for (size_t pos; (pos = s.find(sep, start)) != std::string_view::npos; start = pos + 1)
    parts.push_back(s.substr(start, pos - start));
  parts.push_back(s.substr(start));
  return parts;
}

std::string normalize_domain(std::string_view name) {
  if (!name.empty() && name.back() == '.' && name.size() > 1) name.remove_suffix(1);
  return to_lower(name);
}

bool is_valid_hostname(std::string_view name) {
  if (name.empty() || name.size() > 253) return false;
  for (auto label : split(name, '.')) {
    if (label.empty() || label.size() > 63) return false;
    if (label.front() == '-' || label.back() == '-') return false;
    for (unsigned char c : label)
      if (!std::isalnum(c) && c != '-' && c != '_') return false;
  }
  return true;
}

std::string hex_encode(std::string_view bytes) {
  static constexpr char digits[] = "0123456789abcdef";
  std::string out;
  out.reserve(bytes.size() * 2);
  for (unsigned char c : bytes) {
    out.push_back(digits[c >> 4]);
    out.push_back(digits[c & 15]);
  }
  return out;
}

std::string printable(std::string_view s, size_t max_length) {
  std::string out;
  for (unsigned char c : s.substr(0, max_length)) {
    if (c >= 0x20 && c < 0x7f) {
      out.push_back(static_cast<char>(c));
    } else {
      static constexpr char digits[] = "0123456789abcdef";
      out += "\\x";
      out.push_back(digits[c >> 4]);
      out.push_back(digits[c & 15]);
    }
  }
  if (s.size() > max_length) out += "...";
  return out;
}

bool in_domain(std::string_view host, std::string_view domain) {
  if (host.size() < domain.size()) return false;
  auto tail = host.substr(host.size() - domain.size());
  for (size_t i = 0; i < tail.size(); ++i)
    if ((tail[i] | 0x20) != (domain[i] | 0x20)) return false;
  return host.size() == domain.size() || host[host.size() - domain.size() - 1] == '.';
}

bool certificate_name_matches(std::string_view pattern, std::string_view host) {
  std::string p = to_lower(pattern), h = normalize_domain(host);
  if (p == h) return true;
  size_t dot = h.find('.');
  return p.starts_with("*.") && dot != std::string::npos && p.substr(1) == h.substr(dot);
}

std::string join(const std::vector<std::string>& items, std::string_view sep) {
  std::string out;
  for (const auto& item : items) {
    if (!out.empty()) out += sep;
    out += item;
  }
  return out;
}

std::string numbered_list(const std::vector<NamedItem>& items, std::string_view indent, size_t width) {
  std::string out;
  size_t number = 0;
  for (const auto& rule : items) {
    std::string line = std::string(indent) + std::to_string(++number) + ". " + std::string(rule.name) + ": ";
    const std::string hanging(indent.size() + 3, ' ');
    size_t line_start = out.size();
    out += line;
    for (auto word : split(rule.summary, ' ')) {
      if (out.size() - line_start + 1 + word.size() > width && out.size() - line_start > hanging.size()) {
        out += "\n";
        line_start = out.size();
        out += hanging;
      } else if (out.back() != ' ') {
        out += ' ';
      }
      out += word;
    }
    out += '\n';
  }
  return out;
}

}  // namespace mxtls
