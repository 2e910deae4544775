// Gathers the evidence the policy engine decides on, through the DNS and
// HTTPS interfaces and the policy cache.
#pragma once

#include <functional>
#include <map>
#include <string>

#include "dns/dns.hpp"
#include "net/https.hpp"
#include "policy/decision.hpp"
#include "policy/log_evidence.hpp"
#include "policy/preload.hpp"
#include "mta_sts/cache.hpp"

namespace mxtls::policy {

struct Sources {
  dns::Resolver& resolver;
  https::Fetcher& fetcher;
  StsStore& sts_store;
  const PreloadList* preload = nullptr;                             // optional
  const std::map<std::string, LocalRule, std::less<>>* local_rules = nullptr;  // optional, by domain
  FetchMode sts_fetch = FetchMode::now;
  const LogHistory* log_history = nullptr;  // optional: --log-evidence
};

struct GatheredEvidence {
  Evidence evidence;
  std::string sts_note;  // what the MTA-STS resolution did
  bool sts_refetch_due = false;  // with FetchMode::later: fetch the new policy in the background
};

// DANE per RFC 7672 2.2: MX RRset, then TLSA at _25._tcp.<mx> for each MX.
DaneEvidence gather_dane(dns::Resolver& resolver, const std::string& domain);

GatheredEvidence gather_evidence(const std::string& domain, Sources& sources, Seconds now);

}  // namespace mxtls::policy
