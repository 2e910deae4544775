// The MX answer (RFC 5321 5.1, RFC 7505) and each MX host's addresses.
#include "base/text.hpp"
#include "check/judge.hpp"

namespace mxtls::check {
namespace {

void note_mx_security(const DomainFacts& facts, Findings& findings) {
  const auto& d = facts.domain;
  if (facts.mx_security == dns::Security::secure)
    findings.add(Severity::ok, "dns.dnssec", d, "The MX records are DNSSEC-signed and validate.");
  else
    findings.add(Severity::info, "dns.dnssec", d,
                 "The domain's DNS is not DNSSEC-signed, so DANE cannot protect its mail.",
                 "Without DNSSEC an attacker on the path can forge the MX answer; senders have only MTA-STS "
                 "to detect a downgrade.",
                 "Sign the zone with DNSSEC (your DNS host's option, or ldns-signzone/dnssec-policy) and "
                 "publish its DS record at the registrar.");
}

// No MX: the implicit MX of RFC 5321 5.1 is the domain itself.
void judge_implicit_mx(const DomainFacts& facts, Findings& findings) {
  const auto& d = facts.domain;
  if (facts.implicit_mx) {
    findings.add(Severity::warning, "dns.mx.implicit", d,
                 "The domain has no MX record; senders fall back to its A/AAAA address.",
                 "The fallback works, but MTA-STS policies and most hosting setups assume an explicit MX, and "
                 "an accidental web-server address becomes the mail server.",
                 "Publish an MX record, e.g. \"" + d + ". IN MX 10 " + d + ".\"");
  } else if (facts.implicit_mx_error) {
    findings.add(Severity::error, "dns.mx.none", d,
                 "The domain has no MX record and no A/AAAA record: it cannot receive mail.",
                 "Senders bounce every message to this domain.",
                 "Publish an MX record, e.g. \"" + d + ". IN MX 10 mail." + d + ".\"");
  }
}

void add_malformed_mx(const std::string& d, const Error& error, Findings& findings) {
  findings.add(Severity::error, "dns.mx.malformed", d, "An MX record is malformed: " + error.message + ".",
               "Senders cannot decode it: depending on their resolver they skip it or treat the whole MX "
               "answer as a failure and defer all mail to the domain.",
               "Republish it in the zone as a preference (0-65535) and a host name ending in a dot, e.g. \"" + d +
                   ". IN MX 10 mail." + d + ".\", then check the answer with: dig +short MX " + d);
}

void add_invalid_input(const std::string& input, Findings& findings) {
  findings.add(Severity::error, "input.domain", printable(input), "This is not a valid domain name.",
               "Nothing was tested: mxtls needs a domain name to look up its MX records, and so would a "
               "sending mail server.",
               "Give the domain part of the mail address (example.org for postmaster@example.org): labels "
               "of letters, digits and hyphens separated by dots, no spaces, at most 253 characters.");
}

// The answers that leave the MX set unknown; true when there was one.
bool judge_mx_failure(const DomainFacts& facts, Findings& findings) {
  const auto& d = facts.domain;
  if (facts.mx_error)
    findings.add(Severity::error, "dns.mx.failed", d, "The MX lookup failed: " + facts.mx_error->message,
                 "Senders cannot find the mail servers while this lasts; mail is delayed.",
                 "Check that the domain's name servers answer (dig +trace MX " + d + ").");
  else if (facts.mx_security == dns::Security::bogus)
    findings.add(Severity::error, "dns.mx.bogus", d, "The MX answer fails DNSSEC validation: " + facts.mx_why_bogus,
                 "Validating resolvers, including every DANE-enabled sender, treat the domain as "
                 "unreachable and defer its mail.",
                 "Re-sign the zone or fix the DS record at the parent (check with dnsviz or "
                 "ldns-verify-zone).");
  else if (facts.nxdomain)
    findings.add(Severity::error, "dns.nxdomain", d, "The domain does not exist (NXDOMAIN).", "Mail to it bounces.",
                 "Check the spelling, or register and publish the domain.");
  else
    return false;
  return true;
}

}  // namespace

void judge_mx(const DomainFacts& facts, Findings& findings) {
  if (facts.invalid_name) {
    add_invalid_input(facts.input, findings);
    return;
  }
  if (judge_mx_failure(facts, findings)) return;
  note_mx_security(facts, findings);
  judge_implicit_mx(facts, findings);
  for (const auto& error : facts.mx_malformed) add_malformed_mx(facts.domain, error, findings);
  if (facts.null_mx) {
    bool others = facts.null_mx_beside_others;
    // RFC 7505 3: a domain with a null MX MUST NOT publish other MX records;
    // senders then differ: some bounce all mail as to a null MX, others try
    // the remaining hosts, so delivery depends on the sender.
    findings.add(others ? Severity::warning : Severity::info, "dns.mx.null", facts.domain,
                 "The domain publishes a null MX (\"MX 0 .\", RFC 7505): it accepts no mail." +
                     std::string(others ? " Other MX records stand beside it." : ""),
                 others ? "RFC 7505 section 3 forbids other MX records beside a null MX; senders that honour the "
                          "null MX bounce all mail while others deliver to the remaining hosts, so whether mail "
                          "arrives depends on the sender. mxtls tested none of the other hosts."
                        : "",
                 others ? "If the domain takes mail: remove the \"MX 0 .\" record. If it does not: remove the other "
                          "MX records."
                        : "");
  }
}

namespace {

// "MX 10 192.0.2.1.": an address where RFC 5321 5.1 wants a host name.
// Senders look it up as a name (a name of four numeric labels), find no
// address, and cannot deliver through it.
bool is_ip_literal(const std::string& host) {
  if (host.empty()) return false;
  if (host.find(':') != std::string::npos) return true;
  return host.find_first_not_of("0123456789.") == std::string::npos;
}

void judge_mx_target(const MxReport& mx, Findings& findings) {
  if (!mx.alias_of.empty())
    findings.add(Severity::warning, "dns.mx.alias", mx.host,
                 "The MX target " + mx.host + " is an alias (CNAME) of " + mx.alias_of + ".",
                 "RFC 2181 10.3 and RFC 5321 5.1 forbid MX records that point to an alias. Most senders follow "
                 "it anyway, some refuse it, and certificate and DANE checks then disagree on the name: "
                 "Postfix verifies the MX name, while TLSA records are looked up under the CNAME target (RFC "
                 "7672 2.2.2).",
                 "Point the MX record at the canonical name: \"MX <preference> " + mx.alias_of +
                     ".\", and give its certificate that name.");
}

}  // namespace

void judge_addresses(const MxReport& mx, const JudgeSettings& settings, Findings& findings,
                     const std::vector<std::string>& reachable) {
  if (is_ip_literal(mx.host)) {
    findings.add(Severity::error, "dns.mx.ip-literal", mx.host,
                 "The MX target " + mx.host + " is an IP address, not a host name.",
                 "RFC 5321 5.1 requires a host name: senders look " + mx.host +
                     " up as a name, find no address, and cannot deliver through this MX.",
                 "Publish an A record for a name (e.g. \"mail.<domain>. IN A " + mx.host +
                     "\") and point the MX at that name.");
    return;
  }
  judge_mx_target(mx, findings);
  if (mx.address_error) {
    findings.add(reachable.empty() ? Severity::error : Severity::warning, "dns.mx.address", mx.host,
                 "The MX host " + mx.host + " has no usable address: " + mx.address_error->message,
                 "Senders cannot deliver through this MX; " +
                     (reachable.empty() ? std::string("no other MX answered either, so mail is deferred and then bounced.")
                                        : elsewhere(reachable)),
                 "Publish an A (and AAAA) record for " + mx.host + ", or remove it from the MX set.");
    return;
  }
  for (const auto& address : mx.addresses) judge_tls(mx, address, settings, findings, reachable);
}

// Info: nothing is wrong with the domain, but the verdicts and the peer
// policy cover only what was tested.
void judge_completeness(const DomainFacts& facts, Findings& findings) {
  auto parts = untested_parts(facts);
  if (parts.empty()) return;
  findings.add(Severity::info, "check.incomplete", facts.domain, "Not tested: " + join(parts, ", ") + ".",
               "The findings and the policy for peers cover only what was tested.",
               "Run mxtls check again with a longer --deadline, or for the untested hosts alone.");
}

}  // namespace mxtls::check
