// What each TLS-RPT result type (RFC 8460 section 4.3) means for the
// operator of the receiving domain, and the fix. Pure.
#pragma once

#include <span>
#include <string>
#include <string_view>

namespace mxtls::tlsrpt {

// What a sender whose session failed so does once the domain's MTA-STS
// policy is in mode enforce (RFC 8461 5), for `mxtls publish --sts-mode
// enforce`: only `defers` is a reason against enforce.
enum class UnderEnforce {
  defers,     // the sender has the policy and the MX fails its validation: the mail waits (RFC 8461 4.2, 5)
  no_policy,  // the sender could not get a valid policy: it has none to enforce and delivers as before (RFC 8461 3.3, 5)
  dane,       // a DANE failure (RFC 7672): DANE senders refuse it in any MTA-STS mode; enforce changes nothing
};

// One row of THE table. In meaning and fix, {mx} stands for the receiving
// MX host and {domain} for the policy domain.
struct ResultTypeInfo {
  std::string_view name;     // "certificate-expired"
  std::string_view section;  // "RFC 8460 4.3.1"
  std::string_view meaning;
  std::string_view fix;
  UnderEnforce under_enforce = UnderEnforce::defers;
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

// The row's UnderEnforce for `result_type`; an unknown type (or "" when
// the report gives none) `defers`: counted against enforce, to be careful.
UnderEnforce under_enforce(std::string_view result_type);

// What senders whose sessions failed so would do under enforce, one sentence
// without a final full stop, naming the RFC section ("under enforce those
// senders would have deferred the mail ...").
std::string_view describe(UnderEnforce effect);

}  // namespace mxtls::tlsrpt
