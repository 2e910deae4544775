#include "policy/evidence.hpp"

#include "dane/tlsa.hpp"

namespace mxtls::policy {
namespace {

using Tlsa = DaneEvidence::Tlsa;

// One MX host's TLSA RRset, classified by classify_tlsa.
// Its records as text go to `records` (those that parse, usable or not).
Tlsa tlsa_state(dns::Resolver& resolver, const std::string& mx, std::string& detail,
                std::vector<std::string>& records) {
  auto answer = resolver.query(dane::tlsa_name(mx), dns::Type::TLSA);
  TlsaLookup lookup;
  if (!answer) {
    detail = answer.error().message;
    lookup.failed = true;
  } else if (answer->security == dns::Security::bogus) {
    detail = "TLSA for " + mx + " is DNSSEC-bogus: " + answer->why_bogus;
    lookup.failed = true;
  } else {
    lookup.secure = answer->security == dns::Security::secure;
    lookup.records = answer->rdata.size();
    for (const auto& rdata : answer->rdata) {
      auto record = dane::parse_rdata(rdata);
      if (record) records.push_back(record->to_text());
      if (record && dane::unusable_reason(*record).empty()) lookup.any_usable = true;
    }
  }
  return classify_tlsa(lookup);
}

}  // namespace

DaneEvidence gather_dane(dns::Resolver& resolver, const std::string& domain) {
  DaneEvidence dane;
  auto answer = resolver.query(domain, dns::Type::MX);
  if (!answer) {
    dane.mx_lookup_failed = answer.error().kind == ErrorKind::temporary;
    dane.detail = answer.error().message;
    return dane;
  }
  if (answer->security == dns::Security::bogus) {  // an attack or a broken zone: never a reason to relax
    dane.mx_lookup_failed = true;
    dane.detail = "MX RRset is DNSSEC-bogus: " + answer->why_bogus;
    return dane;
  }
  dane.mx_rrset_secure = answer->security == dns::Security::secure;
  if (!dane.mx_rrset_secure) return dane;
  std::vector<std::string> hosts;
  for (const auto& rdata : answer->rdata)
    if (auto mx = dns::decode_mx(rdata); mx && !mx->host.empty()) hosts.push_back(mx->host);
  if (answer->rdata.empty()) hosts.push_back(domain);  // implicit MX (RFC 5321 5.1)
  dane.tlsa = Tlsa::none;
  for (const auto& host : hosts) {
    std::string detail;
    std::vector<std::string> records;
    auto state = tlsa_state(resolver, host, detail, records);
    add_mx_tlsa(dane, host, state, detail);
    if (state == Tlsa::usable) dane.tlsa_records.insert(dane.tlsa_records.end(), records.begin(), records.end());
    if (dane.tlsa == Tlsa::lookup_failed) break;
  }
  return dane;
}

GatheredEvidence gather_evidence(const std::string& domain, Sources& sources, Seconds now) {
  GatheredEvidence g;
  Evidence& e = g.evidence;
  e.domain = domain;
  e.dane = gather_dane(sources.resolver, domain);
  auto sts = resolve_sts(domain, sources.resolver, sources.fetcher, sources.sts_store, now, sources.sts_fetch);
  g.sts_note = sts.note;
  g.sts_refetch_due = sts.refetch_due;
  e.sts.policy = std::move(sts.policy);
  e.sts.id = sts.id;
  e.sts.from_cache = sts.from_cache;
  e.sts.policy_unknown = sts.policy_unknown;
  e.sts.detail = sts.note;
  if (sources.preload) {
    e.preload.list_expired = expired(*sources.preload, now);
    if (const auto* entry = find_entry(*sources.preload, domain, now)) {
      e.preload.listed = true;
      e.preload.mode = entry->enforce ? PreloadEvidence::Mode::enforce : PreloadEvidence::Mode::testing;
      e.preload.mxs = entry->mxs;
    }
  }
  if (sources.local_rules)
    if (auto it = sources.local_rules->find(domain); it != sources.local_rules->end()) e.local_rule = it->second;
  if (sources.log_history)
    if (auto it = sources.log_history->find(domain); it != sources.log_history->end()) e.logs = it->second;
  return g;
}

}  // namespace mxtls::policy
