#include "publish/publish.hpp"

#include <algorithm>

#include "base/text.hpp"
#include "dane/tlsa.hpp"
#include "publish/nginx_template.hpp"
#include "tlsrpt/record.hpp"

namespace mxtls::publish {

const char* const tradeoff_311 =
    "3 1 1 (DANE-EE, the server's own key) depends on no CA and survives renewals that keep the key (certbot "
    "--reuse-key), but every key change needs the next key's record published first and its TTL waited out "
    "(RFC 7671 8.1).";
const char* const tradeoff_211 =
    "2 1 1 (DANE-TA, the issuing CA's key) lets renewals change the server key without touching DNS, but breaks "
    "when the CA switches to another intermediate and requires the server to send that CA in its chain (RFC "
    "7671 5.2).";

std::string enforce_rule(const std::string& domain) {
  return "Go to \"mode: enforce\" only once `mxtls check " + domain +
         "` shows that every MX host authenticates (a certificate from a public CA valid for its name) and the "
         "TLS-RPT reports (`mxtls tlsrpt read`) have shown no failures for a period you choose, at least one "
         "max_age; then raise max_age (1209600, two weeks, or more: senders keep the policy that long, RFC 8461 "
         "3.2, 5) and publish the new id that the changed policy gives.";
}

std::vector<Record> Plan::records() const {
  std::vector<Record> all;
  for (const auto& t : tlsa)
    if (t.publish) all.insert(all.end(), t.records.begin(), t.records.end());
  if (mta_sts) all.push_back(mta_sts->txt);
  if (tlsrpt) all.push_back(*tlsrpt);
  return all;
}

namespace {

std::string digest_of(const check::AddressReport& address) {
  if (!address.tls_ok() || address.session->tls->chain.empty()) return {};
  return address.session->tls->chain.front().spki_sha256;
}

// The issuing CA as the live chain presents it: the second certificate,
// when it issued the first (the server sends its intermediate).
std::string live_issuer(const check::MxReport& mx) {
  for (const auto& a : mx.addresses)
    if (a.tls_ok() && a.session->tls->chain.size() > 1) return a.session->tls->chain[1].spki_sha256;
  return {};
}

Record tlsa_record(const std::string& owner, uint8_t usage, const std::string& digest, uint32_t ttl,
                   std::string role) {
  return {owner, "TLSA", ttl, dane::Tlsa{usage, 1, 1, digest}.to_text(), std::move(role)};
}

// Why TLSA records for `mx` would be ignored or break delivery, or "".
std::string dnssec_refusal(const check::DomainFacts& facts, const check::MxReport& mx) {
  if (facts.mx_security != dns::Security::secure)
    return "Do not publish TLSA for " + mx.host + ": the MX records of " + facts.domain + " are not DNSSEC-signed (" + dns::to_string(facts.mx_security) +
           "): DANE senders use TLSA records only when the MX RRset validates (RFC 7672 2.2.1), so they would be "
           "ignored. Sign the zone and publish its DS first.";
  if (mx.address_security != dns::Security::secure)
    return "Do not publish TLSA for " + mx.host + ": the zone of " + mx.host + " is not DNSSEC-signed (its address records are " +
           dns::to_string(mx.address_security) + "): TLSA records there would be ignored (RFC 7672 2.2.2). Sign "
           "that zone and publish its DS first.";
  return {};
}

// The key the MX serves on every address, or "" when they differ or one
// completed no handshake.
std::string served_key(const check::MxReport& mx) {
  std::string key;
  for (const auto& a : mx.addresses) {
    auto digest = digest_of(a);
    if (digest.empty() || (!key.empty() && digest != key)) return {};
    key = digest;
  }
  return key;
}

void add_ca_alternative(TlsaPlan& plan, const check::MxReport& mx, const LocalKeys& keys, uint32_t ttl) {
  auto live = live_issuer(mx);
  auto issuer = keys.issuer.empty() ? live : keys.issuer;
  if (issuer.empty()) {
    plan.ca_note = "the issuing CA is unknown: " + mx.host + " sends no CA certificate and none was given";
    return;
  }
  plan.ca_alternative = tlsa_record(plan.owner, 2, issuer, ttl, "issuing CA");
  if (live != issuer)
    plan.ca_note = mx.host + " does not send this CA certificate in its chain; DANE senders cannot match 2 1 1 "
                   "until it does (Postfix: put the intermediate in smtpd_tls_chain_files after the leaf)";
}

}  // namespace

TlsaPlan plan_tlsa(const check::DomainFacts& facts, const check::MxReport& mx, const LocalKeys& keys,
                   uint32_t ttl) {
  TlsaPlan plan;
  plan.mx = mx.host;
  plan.owner = dane::tlsa_name(mx.host) + ".";
  auto fix = check::safe_tlsa_fix(mx);  // every address must do STARTTLS (RFC 7672 2.2, 3.1)
  auto served = served_key(mx);
  if (!keys.current.empty() && fix.publish && served != keys.current) {
    bool serves_it = std::any_of(mx.addresses.begin(), mx.addresses.end(),
                                 [&](const auto& a) { return digest_of(a) == keys.current; });
    plan.this_server = serves_it;
    plan.refusal = serves_it ? "Do not publish TLSA for " + mx.host + " yet: not every address of it serves the "
                               "key of the certificate directory, and DANE senders would defer mail to the others. "
                               "Serve one key on all."
                             : "No TLSA records from here for " + mx.host + ": it serves another key than the "
                               "certificate directory's, so it is not this server. Run mxtls publish there (or "
                               "without --cert-dir) for its records.";
    return plan;
  }
  if (auto why = dnssec_refusal(facts, mx); !why.empty()) plan.refusal = why;
  else if (!fix.publish) plan.refusal = fix.text;
  else if (served.empty()) plan.refusal = "Do not publish TLSA for " + mx.host + " yet: its addresses serve different keys. Serve one "
                   "key on all.";
  if (!plan.refusal.empty()) return plan;
  plan.publish = true;
  plan.records.push_back(tlsa_record(plan.owner, 3, served, ttl, "current key"));
  if (!keys.next.empty() && keys.next != served)
    plan.records.push_back(tlsa_record(plan.owner, 3, keys.next, ttl, "next key"));
  add_ca_alternative(plan, mx, keys, ttl);
  return plan;
}

namespace {

std::string quoted(const std::string& text) { return "\"" + text + "\""; }

// --sts-mode enforce: enforce with the requested max_age when nothing stands
// in the way (enforce.hpp), else the plan stays as it was and says why. A
// live enforce policy keeps at least its own max_age: shortening it gains
// nothing, senders already hold the old one that long.
void decide_enforce(const check::DomainFacts& facts, const EnforceRequest& request, bool live_enforce,
                    MtaStsPlan& plan) {
  plan.enforce_requested = true;
  plan.enforce_notes = enforce_notes(request);
  plan.enforce_refused = enforce_blockers(facts, request);
  if (!plan.enforce_refused.empty()) return;
  plan.policy.mode = sts::Mode::enforce;
  plan.policy.max_age = live_enforce ? std::max(request.max_age, facts.sts_policy->max_age) : request.max_age;
}

// Every real MX host (RFC 8461 3.2: the policy lists the hosts senders may
// deliver to; a host it leaves out gets no mail under enforce).
MtaStsPlan plan_mta_sts(const check::DomainFacts& facts, const Options& options) {
  MtaStsPlan plan;
  plan.policy.mode = sts::Mode::testing;
  plan.policy.max_age = 604800;  // a week while testing
  bool live_enforce = facts.sts_policy && facts.sts_policy->mode == sts::Mode::enforce;
  if (live_enforce) {
    // Already enforced: keep it so (going back to testing would drop the
    // downgrade protection senders have cached), with its max_age.
    plan.policy.mode = sts::Mode::enforce;
    plan.policy.max_age = facts.sts_policy->max_age;
  }
  if (options.enforce) decide_enforce(facts, *options.enforce, live_enforce, plan);
  for (const auto& mx : facts.mxs) plan.policy.mx.push_back(to_lower(mx.host));
  plan.policy_text = sts::format_policy(plan.policy);
  plan.url = "https://mta-sts." + facts.domain + "/.well-known/mta-sts.txt";
  std::string webroot = options.webroot.empty() ? "/var/www/mta-sts." + facts.domain : options.webroot;
  plan.path = webroot + "/.well-known/mta-sts.txt";
  plan.nginx = render_nginx_block(facts.domain, webroot);
  plan.txt = {"_mta-sts." + facts.domain + ".", "TXT", options.ttl,
              quoted("v=STSv1; id=" + sts::policy_id(plan.policy) + ";"), "MTA-STS"};
  return plan;
}

}  // namespace

Result<std::string> tlsrpt_txt(const std::string& rua) {
  auto text = "v=TLSRPTv1; rua=" + rua;
  auto parsed = tlsrpt::parse_record(text);
  if (!parsed) return invalid_error("--rua " + printable(rua) + ": " + parsed.error().message);
  if (join(parsed->rua, ",") != rua)  // a ';' would start another field
    return invalid_error("--rua " + printable(rua) + ": not a list of mailto: and https: URIs");
  return text;
}

Plan plan_publication(const check::DomainFacts& facts, const LocalKeys& keys, const Options& options) {
  Plan plan;
  plan.domain = facts.domain;
  plan.options = options;
  if (facts.null_mx || facts.mxs.empty()) {
    plan.notes.push_back(facts.domain + (facts.null_mx ? " publishes a null MX (RFC 7505)" : " has no MX host") +
                         ": it receives no mail, so there is nothing to protect; publish nothing.");
    return plan;
  }
  if (facts.implicit_mx)
    plan.notes.push_back(facts.domain + " has no MX records; senders use its own address (RFC 5321 5.1). Publish "
                         "an MX record for it first: MTA-STS and DANE apply to MX hosts.");
  if (options.parts.dane)
    for (const auto& mx : facts.mxs) plan.tlsa.push_back(plan_tlsa(facts, mx, keys, options.ttl));
  if (options.parts.mta_sts) plan.mta_sts = plan_mta_sts(facts, options);
  if (options.parts.tlsrpt) {
    auto rua = options.rua.empty() ? "mailto:tlsrpt@" + facts.domain : options.rua;
    auto txt = tlsrpt_txt(rua);
    std::string data = txt ? *txt : "v=TLSRPTv1; rua=mailto:tlsrpt@" + facts.domain;
    plan.tlsrpt = Record{"_smtp._tls." + facts.domain + ".", "TXT", options.ttl, quoted(data), "TLS-RPT"};
  }
  return plan;
}

}  // namespace mxtls::publish
