// MTA-STS (RFC 8461) and TLS-RPT (RFC 8460) parts of a check: the
// _mta-sts record, the policy (or why it could not be fetched) and how it
// fits the MX hosts; the _smtp._tls record.
#include "base/text.hpp"
#include "check/judge.hpp"
#include "mta_sts/fetch.hpp"

namespace mxtls::check {
namespace {

// The first policy to publish: every MX, mode testing (RFC 8461 5: senders
// report failures but still deliver), a week's max_age while testing.
sts::Policy first_policy(const DomainFacts& r) {
  sts::Policy policy{.mode = sts::Mode::testing, .max_age = 604800, .mx = {}, .warnings = {}};
  for (const auto& mx : r.mxs) policy.mx.push_back(mx.host);
  return policy;
}

std::string policy_text(const sts::Policy& policy) {
  std::string text = sts::format_policy(policy, "\r\n");
  text.resize(text.size() - 2);  // the finding's text goes on after it
  return text;
}

// Adopting MTA-STS in the order that never defers mail: TLS that passes,
// then mode testing with TLS-RPT, then enforce once reports are clean.
std::string sts_adoption_fix(const DomainFacts& r) {
  const auto& d = r.domain;
  auto policy = first_policy(r);
  auto failing = hosts_failing_sts(r);
  std::string fix;
  if (!failing.empty())
    fix = "First give " + join(failing) + " STARTTLS with a certificate from a public CA that names the host "
          "(see the TLS findings): MTA-STS senders in enforce mode refuse an MX without it. Then ";
  fix += std::string(fix.empty() ? "S" : "s") + "erve this at " + sts::policy_url(d) +
         " (text/plain, valid certificate):\n" + policy_text(policy) + "\nthen publish: _mta-sts." + d +
         ". IN TXT \"v=STSv1; id=" + sts::policy_id(policy) + "\"";
  if (!r.tlsrpt)
    fix += "\nand a TLS-RPT record, to receive senders' failure reports: _smtp._tls." + d +
           ". IN TXT \"v=TLSRPTv1; rua=mailto:tlsrpt@" + d + "\"";
  return fix + "\nSwitch to mode: enforce (with a new id) only once every MX passes `mxtls check` and the TLS "
               "reports show no failures for a few weeks.";
}

// The _mta-sts TXT record; false when there is none to go on with.
bool judge_txt(const DomainFacts& r, Findings& findings) {
  const auto& d = r.domain;
  if (r.sts_txt_error && r.sts_txt_error->kind == ErrorKind::not_found) {
    findings.add(Severity::info, "sts.none", d, "The domain publishes no MTA-STS policy.",
                 "Without MTA-STS (or DANE), senders cannot detect an attacker who strips STARTTLS.",
                 sts_adoption_fix(r));
    return false;
  }
  // RFC 8461 3.1 and 3.3: a TXT record that fails, is missing or is not
  // exactly one valid record leaves senders as without MTA-STS (they keep a
  // cached policy): nobody defers, so these are warnings, not errors.
  if (r.sts_txt_error) {
    findings.add(Severity::warning, "sts.txt-failed", d, "The _mta-sts TXT lookup failed: " + r.sts_txt_error->message,
                 "Senders treat a failed lookup as \"no new policy\" and keep any cached one.",
                 "Make sure the name servers of " + d + " answer TXT queries for _mta-sts." + d +
                     " (check with: dig TXT _mta-sts." + d + "), and publish the record if it is missing.");
    return false;
  }
  if (r.sts_record_error) {
    findings.add(Severity::warning, "sts.txt-invalid", d,
                 "The _mta-sts TXT record is unusable: " + r.sts_record_error->message + ".",
                 "Senders ignore the policy entirely (RFC 8461 3.1), so it protects nothing.",
                 "Publish exactly one record: _mta-sts." + d + ". IN TXT \"v=STSv1; id=" +
                     sts::policy_id(first_policy(r)) + "\" (an id that changes whenever the policy file does).");
    return false;
  }
  return r.sts_txt.has_value();
}

void judge_policy_covers_mx(const DomainFacts& r, const sts::Policy& policy, Findings& findings) {
  // RFC 8461 5: in mode none senders act as if there were no policy, so its
  // mx lines bind nobody.
  if (policy.mode == sts::Mode::none) return;
  std::string patterns;
  for (const auto& p : policy.mx) patterns += (patterns.empty() ? "" : ", ") + p;
  for (const auto& mx : r.mxs) {
    if (sts::policy_covers(policy, mx.host)) continue;
    bool enforce = policy.mode == sts::Mode::enforce;
    findings.add(enforce ? Severity::error : Severity::warning, "sts.mx-mismatch", mx.host,
                 "The MX " + mx.host + " is not covered by the MTA-STS policy's mx patterns (" + patterns + ").",
                 enforce ? "MTA-STS senders refuse to deliver to this MX and defer the mail until the policy "
                           "expires or is corrected."
                         : "In enforce mode, MTA-STS senders would refuse this MX; in testing mode they only report.",
                 "Add \"mx: " + mx.host + "\" to " + sts::policy_url(r.domain) +
                     " and change the id in the _mta-sts TXT record so senders fetch it again.");
  }
  if (policy.mode != sts::Mode::enforce) return;
  for (const auto& mx : r.mxs)
    for (const auto& a : mx.addresses)
      if (!a.trusted())
        findings.add(Severity::error, "sts.enforce-untrusted", subject_of(mx, a),
                     "The policy is in enforce mode, but this server has no trusted TLS with a matching name.",
                     "MTA-STS senders refuse to deliver to it (RFC 8461 4.2) and defer the mail.",
                     "Mail to it is deferred now: first switch the policy to mode: testing and change the id in "
                     "the _mta-sts." + r.domain + " TXT record, so that senders fetch it again and deliver (RFC "
                     "8461 3.1: they refetch only when the id changes). Then fix the TLS findings for this server, "
                     "and return to mode: enforce with a new id once every MX passes.");
}

// When going from testing to enforce is safe: not while an MX would fail.
std::string testing_fix(const DomainFacts& r) {
  auto failing = hosts_failing_sts(r);
  std::string fix = failing.empty() ? "" : "Keep mode: testing for now: " + join(failing) + (failing.size() == 1 ? " has" : " have") +
                                               " no trusted TLS with a matching name, and MTA-STS senders in enforce "
                                               "mode would defer all mail to " + (failing.size() == 1 ? "it" : "them") +
                                               " (RFC 8461 4.2); fix the TLS findings first. ";
  fix += std::string(failing.empty() ? "O" : "Then, o") + "nce TLS-RPT reports show no failures";
  if (!r.tlsrpt) fix += " (publish _smtp._tls." + r.domain + " to receive them)";
  return fix + ", set \"mode: enforce\" and change the TXT id.";
}

void add_policy_oddity(const DomainFacts& r, const sts::Policy& policy, const std::string& oddity,
                       Findings& findings) {
  const auto& d = r.domain;
  findings.add(Severity::warning, "sts.policy-oddity", d, "MTA-STS policy: " + oddity + ".",
               "Senders may read the policy differently from what you meant: RFC 8461 parsers keep the first "
               "value, stricter ones reject the whole policy, and then MTA-STS protects nothing.",
               "Edit " + sts::policy_url(d) + " so that version, mode and max_age each appear exactly once, then "
               "change the id in the _mta-sts." + d + " TXT record (e.g. id=" + sts::policy_id(policy) +
               ", derived from the cleaned policy) so senders fetch it again.");
}

void judge_policy(const DomainFacts& r, const sts::Policy& policy, Findings& findings) {
  const auto& d = r.domain;
  for (const auto& w : policy.warnings) add_policy_oddity(r, policy, w, findings);
  switch (policy.mode) {
    case sts::Mode::enforce:
      findings.add(Severity::ok, "sts.enforce", d,
                   "MTA-STS policy in enforce mode (id " + r.sts_txt->id + ", max_age " +
                       std::to_string(policy.max_age) + ").");
      break;
    case sts::Mode::testing:
      findings.add(Severity::info, "sts.testing", d,
                   "MTA-STS policy in testing mode: senders report failures but still deliver without protection.",
                   "Testing mode does not stop a downgrade attack.",
                   testing_fix(r));
      break;
    case sts::Mode::none:
      findings.add(Severity::info, "sts.mode-none", d, "MTA-STS policy in mode none: MTA-STS is switched off.");
      break;
  }
  if (policy.mode != sts::Mode::none && policy.max_age < 86400)
    findings.add(Severity::warning, "sts.max-age-short", d,
                 "max_age is " + std::to_string(policy.max_age) + " seconds (less than a day).",
                 "A short max_age lets an attacker who blocks the policy fetch wait out the cached policy.",
                 "Use max_age: 604800 (one week) or more, up to 31557600.");
  judge_policy_covers_mx(r, policy, findings);
}

struct FetchAdvice {
  std::string note;  // appended to the finding's "what"
  std::string fix;
};

// The advice depends on how the fetch failed, which only the message tells:
// libcurl's "Connection timed out" / "Operation timed out", "(server error)"
// from sts_fetch.cpp, "larger than N bytes" from the size cap (https_curl.cpp,
// or sts.cpp's own cap). The error kind alone (temporary) covers refused
// connections, timeouts and 5xx answers alike.
FetchAdvice fetch_failure_advice(const std::string& domain, const Error& error) {
  const std::string url = sts::policy_url(domain);
  const auto& m = error.message;
  if (m.find("timed out") != std::string::npos)
    return {"", "Make https://mta-sts." + domain + "/ answer within a few seconds: check that the web server there is "
                "running and reachable on port 443 from the internet (firewall, load balancer health, overload), and "
                "that it completes the TLS handshake and sends the policy without waiting."};
  if (m.find("(server error)") != std::string::npos)
    return {" The web server failed while answering the request for the policy file.",
            "Find the cause in the error log of the web server for mta-sts." + domain + " (a proxy, rewrite rule or "
            "application in front of the file, a permission on it), so that the URL answers with the file itself; "
            "check with: curl -i " + url + " (must show HTTP 200, Content-Type: text/plain and the policy)."};
  if (m.find("larger than") != std::string::npos)
    return {" The size limit for a policy was hit, so the transfer was stopped: RFC 8461 3.3 lets senders cap the "
            "size of the response, and a real policy needs a few hundred bytes.",
            "A policy is a few short lines (version, mode, mx, max_age): serve only that file at " + url +
            ", not a page, a log or a generated file; check its size with: curl -s " + url + " | wc -c"};
  return {"", "Serve the policy at exactly that URL with status 200, Content-Type: text/plain, no redirect, and a "
              "certificate for mta-sts." + domain + " from a public CA; or remove the TXT record."};
}

}  // namespace

void judge_sts(const DomainFacts& r, Findings& findings) {
  if (!judge_txt(r, findings)) return;
  if (r.sts_fetch_error) {
    auto advice = fetch_failure_advice(r.domain, *r.sts_fetch_error);
    // A warning: RFC 8461 3.3, senders that cannot fetch a policy and have
    // none cached deliver as if there were no MTA-STS, and those with one
    // cached keep it; nobody defers because of the failed fetch itself.
    findings.add(Severity::warning, "sts.fetch-failed", r.domain,
                 "The _mta-sts TXT record exists, but the policy at " + sts::policy_url(r.domain) +
                     " cannot be used: " + r.sts_fetch_error->message + "." + advice.note,
                 "No sender defers because of it (RFC 8461 3.3): senders without a cached policy deliver as if "
                 "there were no MTA-STS, so an attacker can strip STARTTLS for them; senders that cached a policy "
                 "earlier keep enforcing it until its max_age runs out, and defer mail to any MX host it does not "
                 "list if you change your MX hosts meanwhile.",
                 advice.fix);
    return;
  }
  if (r.sts_policy) judge_policy(r, *r.sts_policy, findings);
}

void judge_tlsrpt(const DomainFacts& r, Findings& findings) {
  const auto& d = r.domain;
  if (r.tlsrpt) {
    std::string rua;
    for (const auto& uri : r.tlsrpt->rua) rua += (rua.empty() ? "" : ", ") + uri;
    findings.add(Severity::ok, "tlsrpt", d, "TLS-RPT reports go to " + rua + ".");
    return;
  }
  if (!r.tlsrpt_error) return;  // not looked up
  const std::string record = "_smtp._tls." + d + ". IN TXT \"v=TLSRPTv1; rua=mailto:tlsrpt@" + d + "\"";
  if (r.tlsrpt_error->kind == ErrorKind::not_found) {
    findings.add(Severity::info, "tlsrpt.none", d, "The domain publishes no TLS-RPT record.",
                 "Senders that hit TLS problems with your servers have no way to tell you.", "Publish: " + record);
    return;
  }
  // RFC 8460 3: senders skip a record they cannot use; mail is delivered as
  // before, only the reports are lost, so no sender fails: a warning.
  findings.add(Severity::warning, "tlsrpt.invalid", d,
               "The TLS-RPT record is invalid: " + r.tlsrpt_error->message + ".",
               "Senders ignore it, so their TLS failure reports are lost; mail is delivered as before.",
               r.tlsrpt_error->kind == ErrorKind::temporary
                   ? "Make sure the name servers of " + d + " answer TXT queries for _smtp._tls." + d +
                         " (check with: dig TXT _smtp._tls." + d + ") and that the record there reads: " + record
                   : "Replace it with exactly one valid record: " + record);
}

}  // namespace mxtls::check
