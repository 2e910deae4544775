// How a mailed report was authenticated. RFC 8460 section 3: reports sent by
// mail are DKIM-signed (RFC 6376) by the reporting organisation, so a report
// that is unsigned, or whose signature fails, may be forged. The verification
// itself is I/O (tlsrpt/dkim_verify, libopendkim); this is the vocabulary and
// the judgement of the signer's domain. Pure.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace mxtls::tlsrpt {

enum class DkimStatus {
  not_checked,  // not a mail (a .json file), or verification was not asked for
  unsigned_mail,  // a mail without a DKIM-Signature header
  verified,     // a signature verified (RFC 6376 6.3 SUCCESS)
  failed,       // signed, but no signature verified: bad hash, no key, expired, ...
};

struct DkimResult {
  DkimStatus status = DkimStatus::not_checked;
  std::string domain;  // d= of the signature that verified, or of the one that failed; "" for none
  std::string detail;  // why it failed ("body hash did not verify", "key not found"...)
};

// "not-checked", "unsigned", "verified", "failed": the names in the database and --json.
std::string_view to_string(DkimStatus status);
std::optional<DkimStatus> parse_dkim_status(std::string_view name);

// Whether the signer (d=) speaks for the report: it is, or is a subdomain or
// parent of, the mail's TLS-Report-Submitter (RFC 8460 5.3) or the domain of
// the report's contact-info address. Without a public suffix list this is
// the same-or-parent rule only; "" never relates.
bool dkim_domain_related(std::string_view signer, std::string_view submitter, std::string_view contact_info);

}  // namespace mxtls::tlsrpt
