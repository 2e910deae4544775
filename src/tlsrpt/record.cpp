#include "tlsrpt/record.hpp"

#include <algorithm>

#include "base/text.hpp"
#include "dns/dns.hpp"

namespace mxtls::tlsrpt {
namespace {

constexpr std::string_view version = "v=TLSRPTv1";

Result<std::string> parse_uri(std::string_view uri) {
  uri = trim(uri);
  // RFC 8460 3: commas and exclamation marks inside a URI are %-encoded; a
  // URI (RFC 3986 2) has no whitespace or control characters at all, so
  // "mailto:x@x.example other" is a broken record, not an address.
  if (std::any_of(uri.begin(), uri.end(), [](char c) { return static_cast<unsigned char>(c) <= ' ' || c == 0x7f; }))
    return invalid_error("\"" + printable(uri) + "\" contains whitespace or control characters (RFC 3986 2)");
  auto lower = to_lower(uri.substr(0, 8));
  if (lower.rfind("mailto:", 0) == 0) {
    auto address = uri.substr(7);
    auto at = address.find('@');
    if (at == std::string_view::npos || at == 0 || at + 1 == address.size())
      return invalid_error("\"" + printable(uri) + "\" is not a mailto: address");
    return std::string(uri);
  }
  if (lower.rfind("https://", 0) == 0) {
    if (uri.size() <= 8) return invalid_error("\"" + printable(uri) + "\" has no host");
    return std::string(uri);
  }
  return invalid_error("\"" + printable(uri) + "\" is neither a mailto: nor an https: URI");
}

}  // namespace

Result<Record> parse_record(std::string_view text) {
  if (text.size() > 4096) return invalid_error("TXT record longer than 4096 bytes");
  auto fields = split(text, ';');
  for (auto& f : fields) f = trim(f);
  if (fields.size() > 1 && fields.back().empty()) fields.pop_back();
  if (fields.empty() || fields.front() != version)
    return invalid_error("record does not start with \"v=TLSRPTv1\"");
  Record record;
  bool seen_rua = false;
  for (size_t i = 1; i < fields.size(); ++i) {
    auto eq = fields[i].find('=');
    if (eq == std::string_view::npos || eq == 0)
      return invalid_error("malformed field \"" + printable(fields[i]) + "\" (expected name=value)");
    auto name = fields[i].substr(0, eq), value = fields[i].substr(eq + 1);
    if (name != "rua") continue;
    if (seen_rua) return invalid_error("more than one rua field");
    seen_rua = true;
    for (auto uri : split(value, ',')) {
      auto parsed = parse_uri(uri);
      if (!parsed) return parsed.error();
      record.rua.push_back(std::move(*parsed));
    }
  }
  if (!seen_rua) return invalid_error("no rua field: reports have nowhere to go");
  return record;
}

Result<Record> select_record(const std::vector<std::string>& txt_strings) {
  auto record = dns::select_tagged_txt(txt_strings, version);
  if (!record) return record.error();
  return parse_record(*record);
}

}  // namespace mxtls::tlsrpt
