#include <algorithm>
#include <chrono>

#include "check/check.hpp"
#include "base/text.hpp"

namespace mxtls::check {

bool AddressReport::trusted() const {
  return tls_ok() && session->tls->verify_code == 0 && session->tls->name_matches;
}

bool MxReport::dane_usable() const {
  return tlsa_security == dns::Security::secure &&
         std::any_of(tlsa.begin(), tlsa.end(), [](const dane::Tlsa& r) { return dane::unusable_reason(r).empty(); });
}

int DomainReport::exit_status() const {
  if (could_not_test) return 3;
  switch (findings.worst()) {
    case Severity::error: return 2;
    case Severity::warning: return 1;
    default: return 0;
  }
}

std::string subject_of(const MxReport& mx, const AddressReport& address) {
  return mx.host + "[" + address.address + "]";
}

namespace {

void note_mx_security(DomainReport& report) {
  const auto& d = report.domain;
  if (report.mx_security == dns::Security::secure)
    report.findings.add(Severity::ok, "dns.dnssec", d, "The MX records are DNSSEC-signed and validate.");
  else
    report.findings.add(Severity::info, "dns.dnssec", d,
                        "The domain's DNS is not DNSSEC-signed, so DANE cannot protect its mail.",
                        "Without DNSSEC an attacker on the path can forge the MX answer; senders have only MTA-STS "
                        "to detect a downgrade.",
                        "Sign the zone with DNSSEC (your DNS host's option, or ldns-signzone/dnssec-policy) and "
                        "publish its DS record at the registrar.");
}

// Turns "no MX" into the implicit MX of RFC 5321 5.1: the domain itself.
bool use_implicit_mx(DomainReport& report, Environment& env) {
  dns::Security security;
  auto addresses = dns::lookup_addresses(env.resolver, report.domain, &security);
  if (!addresses) {
    report.findings.add(Severity::error, "dns.mx.none", report.domain,
                        "The domain has no MX record and no A/AAAA record: it cannot receive mail.",
                        "Senders bounce every message to this domain.",
                        "Publish an MX record, e.g. \"" + report.domain + ". IN MX 10 mail." + report.domain + ".\"");
    return false;
  }
  report.implicit_mx = true;
  report.findings.add(Severity::warning, "dns.mx.implicit", report.domain,
                      "The domain has no MX record; senders fall back to its A/AAAA address.",
                      "The fallback works, but MTA-STS policies and most hosting setups assume an explicit MX, and "
                      "an accidental web-server address becomes the mail server.",
                      "Publish an MX record, e.g. \"" + report.domain + ". IN MX 10 " + report.domain + ".\"");
  report.mxs.push_back(MxReport{report.domain, 0, security, {}, dns::Security::indeterminate, {}});
  return true;
}

void add_malformed_mx(DomainReport& report, const Error& error) {
  const auto& d = report.domain;
  report.findings.add(Severity::error, "dns.mx.malformed", d, "An MX record is malformed: " + error.message + ".",
                      "Senders cannot decode it: depending on their resolver they skip it or treat the whole MX "
                      "answer as a failure and defer all mail to the domain.",
                      "Republish it in the zone as a preference (0-65535) and a host name ending in a dot, e.g. \"" +
                          d + ". IN MX 10 mail." + d + ".\", then check the answer with: dig +short MX " + d);
}

void add_invalid_input(DomainReport& report, const std::string& input) {
  report.findings.add(Severity::error, "input.domain", printable(input), "This is not a valid domain name.",
                      "Nothing was tested: mxtls needs a domain name to look up its MX records, and so would a "
                      "sending mail server.",
                      "Give the domain part of the mail address (example.org for postmaster@example.org): labels "
                      "of letters, digits and hyphens separated by dots, no spaces, at most 253 characters.");
}

}  // namespace

void check_mx_records(DomainReport& report, Environment& env) {
  const auto& d = report.domain;
  auto answer = env.resolver.query(d, dns::Type::MX);
  if (!answer) {
    report.could_not_test = true;
    report.findings.add(Severity::error, "dns.mx.failed", d, "The MX lookup failed: " + answer.error().message,
                        "Senders cannot find the mail servers while this lasts; mail is delayed.",
                        "Check that the domain's name servers answer (dig +trace MX " + d + ").");
    return;
  }
  report.mx_security = answer->security;
  if (answer->security == dns::Security::bogus) {
    report.could_not_test = true;
    report.findings.add(Severity::error, "dns.mx.bogus", d,
                        "The MX answer fails DNSSEC validation: " + answer->why_bogus,
                        "Validating resolvers, including every DANE-enabled sender, treat the domain as "
                        "unreachable and defer its mail.",
                        "Re-sign the zone or fix the DS record at the parent (check with dnsviz or "
                        "ldns-verify-zone).");
    return;
  }
  if (answer->nxdomain) {
    report.could_not_test = true;
    report.findings.add(Severity::error, "dns.nxdomain", d, "The domain does not exist (NXDOMAIN).",
                        "Mail to it bounces.", "Check the spelling, or register and publish the domain.");
    return;
  }
  note_mx_security(report);
  if (answer->empty()) {
    use_implicit_mx(report, env);
    return;
  }
  for (const auto& rdata : answer->rdata) {
    auto mx = dns::decode_mx(rdata);
    if (!mx) {
      add_malformed_mx(report, mx.error());
      continue;
    }
    if (mx->host.empty() || mx->host == ".") {
      report.null_mx = true;
      continue;
    }
    report.mxs.push_back(MxReport{mx->host, mx->preference, dns::Security::indeterminate, {},
                                  dns::Security::indeterminate, {}});
  }
  if (report.null_mx) {
    report.findings.add(Severity::info, "dns.mx.null", d,
                        "The domain publishes a null MX (\"MX 0 .\", RFC 7505): it accepts no mail.",
                        report.mxs.empty() ? "" : "Other MX records beside the null MX contradict it.",
                        report.mxs.empty() ? "" : "Remove either the null MX or the other MX records.");
    report.mxs.clear();
  }
  std::sort(report.mxs.begin(), report.mxs.end(),
            [](const MxReport& a, const MxReport& b) { return std::tie(a.preference, a.host) < std::tie(b.preference, b.host); });
}

DomainReport check_domain(const std::string& domain, Environment& env) {
  auto start = std::chrono::steady_clock::now();
  DomainReport report;
  report.domain = normalize_domain(domain);
  if (!is_valid_hostname(report.domain)) {
    report.could_not_test = true;
    add_invalid_input(report, domain);
    return report;
  }
  check_mx_records(report, env);
  for (auto& mx : report.mxs) {
    check_addresses(mx, env, report.findings);
    check_dane(mx, env, report.findings);
  }
  if (!report.null_mx && !report.could_not_test) {
    check_mta_sts(report, env);
    check_tlsrpt(report, env);
    check_consistency(report);
  }
  report.recommendation = recommend_policy(report);
  report.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return report;
}

}  // namespace mxtls::check
