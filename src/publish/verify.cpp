// `mxtls publish --verify`: the live records against the plan. Each
// difference is a finding with its fix; the severity follows check's rule:
// error when delivery breaks (or would under the published policy), warning
// for a record still to publish or correct.
#include <algorithm>

#include "base/text.hpp"
#include "dane/tlsa.hpp"
#include "publish/publish.hpp"
#include "publish/render.hpp"

namespace mxtls::publish {
namespace {

const check::MxReport* find_mx(const check::DomainFacts& facts, const std::string& host) {
  for (const auto& mx : facts.mxs)
    if (mx.host == host) return &mx;
  return nullptr;
}

bool published(const check::MxReport& mx, const Record& record) {
  return std::any_of(mx.tlsa.begin(), mx.tlsa.end(), [&](const dane::Tlsa& t) { return t.to_text() == record.data; });
}

bool every_address_verified(const check::MxReport& mx) {
  return !mx.addresses.empty() && std::all_of(mx.addresses.begin(), mx.addresses.end(), [&](const auto& a) {
    return check::dane_verified(mx, a);
  });
}

// A refused MX: records published anyway are the difference.
void verify_refused(const TlsaPlan& plan, const check::MxReport& mx, Findings& out) {
  if (!plan.this_server) {
    out.add(Severity::info, "publish.tlsa.other-server", mx.host, plan.refusal);
    return;
  }
  if (mx.tlsa.empty()) {
    out.add(Severity::info, "publish.tlsa.not-yet", mx.host, "No TLSA records, as it should be for now: " + plan.refusal);
    return;
  }
  bool live = mx.tlsa_security == dns::Security::secure;
  out.add(live ? Severity::error : Severity::warning, "publish.tlsa.unsafe", mx.host,
          "TLSA records are published at " + plan.owner + ", but: " + plan.refusal,
          live ? "DANE senders apply them and defer mail they cannot match." : "Senders ignore them (not validated).",
          "Remove the TLSA records at " + plan.owner + " until the reason above is fixed.");
}

void verify_published(const TlsaPlan& plan, const check::MxReport& mx, Findings& out) {
  if (mx.tlsa_security == dns::Security::bogus) {
    out.add(Severity::error, "publish.tlsa.bogus", mx.host,
            "The TLSA records at " + plan.owner + " do not validate: " + mx.tlsa_why_bogus,
            "DANE senders defer all mail to " + mx.host + " while its TLSA RRset is bogus (RFC 7672 2.2).",
            "Re-sign the zone (or fix its DS), then publish " + zone_line(plan.records.front()));
    return;
  }
  bool ca_scheme = plan.ca_alternative && published(mx, *plan.ca_alternative) && plan.ca_note.empty();
  bool current_live = published(mx, plan.records.front()) || ca_scheme;
  if (!current_live) {
    bool others = !mx.tlsa.empty() && mx.tlsa_security == dns::Security::secure;
    out.add(others ? Severity::error : Severity::warning, others ? "publish.tlsa.mismatch" : "publish.tlsa.missing",
            mx.host,
            others ? "The TLSA records at " + plan.owner + " match no key " + mx.host + " serves."
                   : "No TLSA record at " + plan.owner + " for the key " + mx.host + " serves.",
            others ? "DANE senders defer every message to " + mx.host + "." : "DANE senders cannot authenticate it.",
            "Publish " + zone_line(plan.records.front()));
  }
  for (size_t i = 1; i < plan.records.size(); ++i)
    if (!published(mx, plan.records[i]))
      out.add(Severity::warning, "publish.tlsa.next-missing", mx.host, "The next key's record is not published.",
              "Switching to the next key before its record is visible (and the old TTL passed) breaks DANE delivery.",
              "Publish " + zone_line(plan.records[i]));
  for (const auto& live : mx.tlsa) {
    auto text = live.to_text();
    bool planned = std::any_of(plan.records.begin(), plan.records.end(), [&](const Record& r) { return r.data == text; }) ||
                   (plan.ca_alternative && plan.ca_alternative->data == text);
    if (!planned && current_live)
      out.add(Severity::warning, "publish.tlsa.extra", mx.host,
              plan.owner + " IN TLSA " + text + " matches neither the current nor a staged key.",
              "A stale record is harmless beside a matching one, but it keeps an old key trusted.",
              "Remove " + plan.owner + " IN TLSA " + text);
  }
  if (current_live && !every_address_verified(mx))
    out.add(Severity::error, "publish.tlsa.fails", mx.host, "The TLSA records are published but DANE verification "
            "of " + mx.host + " fails.", "DANE senders defer mail to it.", "Run mxtls check for the details.");
  else if (current_live)
    out.add(Severity::ok, "publish.tlsa.ok", mx.host, "TLSA at " + plan.owner + " matches and DANE verifies.");
}

void verify_mta_sts(const check::DomainFacts& facts, const MtaStsPlan& plan, Findings& out) {
  auto publish_fix = "Publish " + zone_line(plan.txt) + " and the policy file at " + plan.path + " (mxtls publish " +
                     facts.domain + " prints it).";
  if (facts.sts_txt_error && facts.sts_txt_error->kind == ErrorKind::not_found) {
    out.add(Severity::warning, "publish.sts.missing", facts.domain, "No MTA-STS record.",
            "Senders without DNSSEC cannot know that this domain's mail must be encrypted.", publish_fix);
    return;
  }
  auto broken = facts.sts_txt_error ? facts.sts_txt_error : facts.sts_record_error ? facts.sts_record_error : facts.sts_fetch_error;
  if (broken || !facts.sts_policy) {
    out.add(Severity::error, "publish.sts.broken", facts.domain,
            "The MTA-STS record or policy is broken: " + (broken ? broken->message : std::string("no policy")),
            "Senders cannot apply the policy; a cached one may still name old MX hosts.", publish_fix);
    return;
  }
  for (const auto& mx : facts.mxs)
    if (!sts::policy_covers(*facts.sts_policy, mx.host))
      out.add(facts.sts_policy->mode == sts::Mode::enforce ? Severity::error : Severity::warning,
              "publish.sts.mx-missing", mx.host, "The MTA-STS policy does not list " + mx.host + ".",
              "Under enforce, senders refuse to deliver to it.",
              "Add \"mx: " + mx.host + "\" to " + plan.path + " and publish a new id: " + zone_line(plan.txt));
  if (!out.has("publish.sts.mx-missing"))
    out.add(Severity::ok, "publish.sts.ok", facts.domain,
            std::string("MTA-STS policy (mode ") + sts::to_string(facts.sts_policy->mode) + ") covers every MX host.");
}

void verify_tlsrpt(const check::DomainFacts& facts, const Plan& plan, Findings& out) {
  const auto& record = *plan.tlsrpt;
  if (facts.tlsrpt_error) {
    bool missing = facts.tlsrpt_error->kind == ErrorKind::not_found;
    out.add(missing ? Severity::warning : Severity::error, missing ? "publish.tlsrpt.missing" : "publish.tlsrpt.broken",
            facts.domain, missing ? "No TLS-RPT record." : "The TLS-RPT record is broken: " + facts.tlsrpt_error->message,
            "Senders cannot tell you when TLS to your MX hosts fails.", "Publish " + zone_line(record));
    return;
  }
  if (!plan.options.rua.empty() && facts.tlsrpt &&
      std::find(facts.tlsrpt->rua.begin(), facts.tlsrpt->rua.end(), plan.options.rua) == facts.tlsrpt->rua.end()) {
    out.add(Severity::warning, "publish.tlsrpt.rua", facts.domain,
            "The TLS-RPT record does not send reports to " + plan.options.rua + ".", "",
            "Publish " + zone_line(record));
    return;
  }
  out.add(Severity::ok, "publish.tlsrpt.ok", facts.domain,
          "TLS-RPT reports go to " + (facts.tlsrpt ? join(facts.tlsrpt->rua) : std::string("?")) + ".");
}

}  // namespace

Findings verify_publication(const check::DomainFacts& facts, const Plan& plan) {
  Findings out;
  for (const auto& note : plan.notes) out.add(Severity::info, "publish.note", facts.domain, note);
  for (const auto& t : plan.tlsa) {
    const auto* mx = find_mx(facts, t.mx);
    if (!mx) continue;
    if (t.publish) verify_published(t, *mx, out);
    else verify_refused(t, *mx, out);
  }
  if (plan.mta_sts) verify_mta_sts(facts, *plan.mta_sts, out);
  if (plan.tlsrpt) verify_tlsrpt(facts, plan, out);
  return out;
}

}  // namespace mxtls::publish
