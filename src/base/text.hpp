// Small string helpers shared by the parsers.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace mxtls {

std::string to_lower(std::string_view s);
std::string_view trim(std::string_view s);
std::string join(const std::vector<std::string>& items, std::string_view sep = ", ");
// Splits on every occurrence of sep; keeps empty pieces.
std::vector<std::string_view> split(std::string_view s, char sep);
// Lower-cases a DNS name and removes one trailing dot.
std::string normalize_domain(std::string_view name);
bool is_valid_hostname(std::string_view name);
// host is domain or a name under it (ASCII case-insensitive): what Postfix's
// "secure" matching (nexthop:dot-nexthop) accepts.
bool in_domain(std::string_view host, std::string_view domain);
// A certificate's DNS name (pattern) names host, ASCII case-insensitive; a
// wildcard stands for exactly the left-most label (RFC 6125 6.4.3; RFC 7672
// 3.2.3 for SMTP).
bool certificate_name_matches(std::string_view pattern, std::string_view host);
std::string hex_encode(std::string_view bytes);
// Replaces control and non-ASCII bytes so peer-supplied text is safe to print.
std::string printable(std::string_view s, size_t max_length = 200);

// A numbered list of named rules for --help: "<indent>N. name: summary" per
// item, the summary wrapped at `width` columns with a hanging indent.
struct NamedItem {
  std::string_view name, summary;
};
std::string numbered_list(const std::vector<NamedItem>& items, std::string_view indent = "  ", size_t width = 110);

}  // namespace mxtls
