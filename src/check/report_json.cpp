#include "check/report.hpp"

#include <algorithm>

#include "base/text.hpp"

namespace mxtls::report {
namespace {

using nlohmann::json;

json certificate_json(const smtp::Certificate& c) {
  return {{"subject", c.subject},
          {"issuer", c.issuer},
          {"dns_names", c.dns_names},
          {"not_before", c.not_before},
          {"not_after", c.not_after},
          {"key_type", c.key_type},
          {"key_bits", c.key_bits},
          {"signature_algorithm", c.signature_algorithm},
          {"spki_sha256", hex_encode(c.spki_sha256)},
          {"cert_sha256", hex_encode(c.cert_sha256)},
          {"self_signed", c.self_signed}};
}

json tls_json(const smtp::TlsInfo& t) {
  json chain = json::array();
  for (const auto& c : t.chain) chain.push_back(certificate_json(c));
  json out = {{"protocol", t.protocol},
              {"cipher", t.cipher},
              {"cipher_bits", t.cipher_bits},
              {"key_exchange", t.key_exchange},
              {"key_exchange_bits", t.key_exchange_bits},
              {"verify_ok", t.verify_code == 0},
              {"verify_error", t.verify_code == 0 ? "" : t.verify_error},
              {"name_matches", t.name_matches},
              {"chain", chain}};
  return out;
}

json address_json(const check::AddressReport& a) {
  json out = {{"address", a.address}};
  if (a.not_tested) {
    out["not_tested"] = *a.not_tested;
    return out;
  }
  if (a.connect_error) {
    out["error"] = *a.connect_error;
    return out;
  }
  const auto& s = *a.session;
  out["banner"] = s.banner;
  out["starttls"] = s.starttls_offered;
  out["tls"] = s.tls ? tls_json(*s.tls) : json(nullptr);
  if (s.tls_error) out["tls_error"] = *s.tls_error;
  out["protocols"] = a.protocols;
  out["dhe_bits"] = a.dhe_probed || a.dhe_bits ? json(a.dhe_bits) : json(nullptr);
  if (!a.unprobed.empty()) out["unprobed"] = a.unprobed;
  if (a.dane) {
    out["dane_verified"] = a.dane->dane_verified;
    if (a.dane->dane_matched) out["dane_matched"] = a.dane->dane_matched->to_text();
  }
  return out;
}

json mx_json(const check::MxReport& mx) {
  json addresses = json::array(), tlsa = json::array();
  for (const auto& a : mx.addresses) addresses.push_back(address_json(a));
  for (const auto& r : mx.tlsa) tlsa.push_back(r.to_text());
  json out = {{"host", mx.host},
              {"preference", mx.preference},
              {"dnssec", dns::to_string(mx.address_security)},
              {"tlsa", tlsa},
              {"tlsa_dnssec", dns::to_string(mx.tlsa_security)},
              {"addresses", addresses}};
  if (mx.not_tested) out["not_tested"] = *mx.not_tested;
  return out;
}

// The peer policy, the rule that decided it and serve's answer from the
// same evidence (docs/check-json.md).
json recommendation_json(const check::Recommendation& r) {
  const auto& serve = r.published;
  return {{"policy", r.policy},
          {"reason", r.reason},
          {"rule", r.rule},
          {"serve",
           {{"answer", policy::to_string(serve.answer)},
            {"policy", serve.policy},
            {"rule", serve.rule},
            {"reason", serve.reason}}}};
}

}  // namespace

json to_json(const check::DomainReport& r) {
  json mxs = json::array(), findings = json::array();
  for (const auto& mx : r.mxs) mxs.push_back(mx_json(mx));
  for (const auto& f : r.findings.all())
    findings.push_back({{"severity", to_string(f.severity)},
                        {"id", f.id},
                        {"subject", f.subject},
                        {"what", f.what},
                        {"why", f.why},
                        {"fix", f.fix}});
  json sts = nullptr;
  if (r.sts_txt) {
    sts = {{"id", r.sts_txt->id}, {"policy", nullptr}};
    if (r.sts_policy)
      sts["policy"] = {{"mode", sts::to_string(r.sts_policy->mode)},
                       {"max_age", r.sts_policy->max_age},
                       {"mx", r.sts_policy->mx}};
  }
  return {{"domain", r.domain},
          {"status", to_string(r.findings.worst())},
          {"exit_status", r.exit_status()},
          {"could_not_test", r.could_not_test},
          {"null_mx", r.null_mx},
          {"implicit_mx", r.implicit_mx},
          {"mx_dnssec", dns::to_string(r.mx_security)},
          {"mx", mxs},
          {"mta_sts", sts},
          {"tlsrpt", r.tlsrpt ? json{{"rua", r.tlsrpt->rua}} : json(nullptr)},
          {"recommended_policy", recommendation_json(r.recommendation)},
          {"findings", findings},
          {"seconds", r.seconds}};
}

json to_json_document(const std::vector<check::DomainReport>& reports) {
  json domains = json::array();
  int status = 0;
  for (const auto& r : reports) {
    domains.push_back(to_json(r));
    status = std::max(status, r.exit_status());
  }
  return {{"schema_version", json_schema_version}, {"exit_status", status}, {"domains", domains}};
}

}  // namespace mxtls::report
