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
  not_checked,  // not a mail (a .json file, an HTTPS POST), or verification was not asked for
  unsigned_mail,  // a mail without a DKIM-Signature header
  verified,     // a signature verified (RFC 6376 6.3 SUCCESS)
  failed,       // signed, but no signature verified: bad hash, no key, expired, ... (PERMFAIL)
  temperror,    // no signature verified, and a key could not be had for now: DNS timeout,
                // SERVFAIL (RFC 6376 6.1.2 TEMPFAIL): the same mail may verify later
  over_limit,   // no signature verified within the limits (RFC 6376 6.1 lets a verifier
                // limit its work): more DKIM-Signature headers than max_dkim_signatures,
                // or the time budget ran out
};

// RFC 6376 6.1: "A Verifier MAY ... limit the number of signatures it tries".
// A report mail carries one or two; more is hostile or broken.
constexpr size_t max_dkim_signatures = 5;

struct DkimResult {
  DkimStatus status = DkimStatus::not_checked;
  std::string domain;  // d= of the signature that verified, or of the one that failed; "" for none
  std::string detail;  // why it failed ("body hash did not verify", "key not found"...)
};

// "not-checked", "unsigned", "verified", "failed", "temperror", "over-limit": the
// names in the database and --json.
std::string_view to_string(DkimStatus status);
std::optional<DkimStatus> parse_dkim_status(std::string_view name);

// Whether the signer (d=) speaks for the report: it is, or is a subdomain or
// parent of, the mail's TLS-Report-Submitter (RFC 8460 5.3) or the domain of
// the report's contact-info address. Without a public suffix list this is
// the same-or-parent rule only; "" never relates.
bool dkim_domain_related(std::string_view signer, std::string_view submitter, std::string_view contact_info);

// How far a report's delivery vouches for it: THE order of DKIM verdicts,
// lowest first. The report store keeps, of two copies of one report-id, the
// one of higher trust (an equal or lower one is a duplicate), and only
// `authentic` reports count as evidence that delivery is clean (`mxtls
// publish --sts-mode enforce`).
//  - broken: a signature that does not verify (failed) says the mail was
//    changed or forged; over-limit is judged the same (a hostile mail).
//  - unauthenticated: nothing vouches for it: an unsigned mail, or a report
//    never checked (not-checked: a file, an HTTPS POST, which RFC 8460 3
//    does not authenticate, --no-dkim, a row stored before mxtls verified
//    DKIM). Anyone could have made it.
//  - pending: signed, the key could not be had yet (temperror): it may
//    verify when the mail is delivered again.
//  - foreign: verified, but d= is neither the submitter's nor the
//    contact-info's domain: someone signed it, not (provably) the reporter.
//  - authentic: verified, and d= speaks for the report (dkim_domain_related).
enum class DkimTrust { broken, unauthenticated, pending, foreign, authentic };

DkimTrust dkim_trust(const DkimResult& dkim, std::string_view submitter, std::string_view contact_info);
std::string_view to_string(DkimTrust trust);  // "broken", "unauthenticated", ...

}  // namespace mxtls::tlsrpt
