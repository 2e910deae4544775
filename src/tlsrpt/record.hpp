// SMTP TLS Reporting (RFC 8460): the `_smtp._tls` TXT record. No I/O.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "base/result.hpp"

namespace mxtls::tlsrpt {

struct Record {
  std::vector<std::string> rua;  // mailto: or https: URIs
};

// Parses one TXT string, e.g. "v=TLSRPTv1; rua=mailto:tlsrpt@example.com".
Result<Record> parse_record(std::string_view text);

// RFC 8460 3: exactly one TXT string must start with "v=TLSRPTv1".
Result<Record> select_record(const std::vector<std::string>& txt_strings);

}  // namespace mxtls::tlsrpt
