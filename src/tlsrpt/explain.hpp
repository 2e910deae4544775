// What each TLS-RPT result type (RFC 8460 section 4.3) means for the
// operator of the receiving domain, and the fix. Pure.
#pragma once

#include <span>
#include <string>
#include <string_view>

namespace mxtls::tlsrpt {

// One row of THE table. In meaning and fix, {mx} stands for the receiving
// MX host and {domain} for the policy domain.
struct ResultTypeInfo {
  std::string_view name;     // "certificate-expired"
  std::string_view section;  // "RFC 8460 4.3.1"
  std::string_view meaning;
  std::string_view fix;
};

// Every result type of RFC 8460 4.3 (the IANA "STARTTLS Validation Result
// Types" registry), in the RFC's order.
std::span<const ResultTypeInfo> result_types();

struct Explanation {
  bool known = false;  // a type of the table
  std::string section, meaning, fix;
};

// The row for `result_type` with the MX host and the domain filled in ("the
// MX host" and "<domain>" when the report does not name them). An unknown
// type gets a meaning that says so and a fix that points at the sender's own
// failure-reason-code.
Explanation explain_failure(std::string_view result_type, std::string_view policy_domain, std::string_view mx_host);

}  // namespace mxtls::tlsrpt
