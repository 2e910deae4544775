// The policy engine: from the evidence gathered about one destination domain
// (DANE, MTA-STS, the STARTTLS Everywhere preload list, local rules, log
// history), the Postfix TLS policy to apply, with the reason. Pure: the
// evidence is gathered elsewhere, so every rule can be tested by name.
#pragma once

#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "logs/proven_level.hpp"
#include "postfix/level.hpp"
#include "mta_sts/sts.hpp"

namespace mxtls::policy {

// What a socketmap lookup answers.
enum class Answer {
  ok,        // apply `policy`
  notfound,  // no opinion: Postfix's default smtp_tls_security_level applies
  temp,      // unsure (DNS trouble where DANE may apply): let the mail wait
};
const char* to_string(Answer answer);

enum class Source { dane, mta_sts, preload, local_rule, log_history, none };
const char* to_string(Source source);

// The policy a TLS report names for a domain (RFC 8460 4.4): DANE's TLSA
// records when an MX host has usable ones, else an MTA-STS policy in mode
// enforce or testing, else none (DANE first, RFC 8461 2). What
// `mxtls serve --record-decisions` records and `mxtls tlsrpt generate` reports.
struct ReportedPolicy {
  std::string type = "no-policy-found";  // "tlsa", "sts" or "no-policy-found" (policy-type)
  std::vector<std::string> strings;      // policy-string: the TLSA records, or the policy's lines
  std::vector<std::string> mx_patterns;  // mx-host: the MTA-STS policy's mx patterns
};

struct Decision {
  Answer answer = Answer::notfound;
  std::string policy;  // e.g. "dane-only", "secure match=.example.com servername=hostname"
  Source source = Source::none;
  std::string reason;  // one sentence for logs and `mxtls policy explain`
  // The name of the rule that decided (a Rule::name); empty for the service's
  // own TEMP answers (lookup timed out, resolver unavailable).
  std::string rule = {};
  ReportedPolicy reported = {};  // set by decide()
};

struct DaneEvidence {
  // unusable: secure TLSA records, none of them usable for SMTP (e.g. only PKIX usages 0/1)
  enum class Tlsa { not_looked_up, none, unusable, usable, lookup_failed };
  bool mx_rrset_secure = false;  // the domain's MX RRset validated (AD)
  bool mx_lookup_failed = false;  // temporarily: whether DANE applies is unknown
  Tlsa tlsa = Tlsa::not_looked_up;
  std::vector<std::string> mx_with_tlsa;     // MX hosts with DNSSEC-secure usable TLSA
  std::vector<std::string> mx_without_tlsa;  // MX hosts without (unusable ones included)
  std::vector<std::string> mx_with_unusable_tlsa;  // secure TLSA, none usable: TLS is still mandatory
  std::vector<std::string> tlsa_records;  // the records of mx_with_tlsa as text ("3 1 1 ab12..."), for TLS-RPT
  std::string detail;                        // e.g. the SERVFAIL text
};

// One MX host's TLSA lookup reduced to what the rules need, for both
// `serve` (gather_dane) and `check` (its published evidence): one
// classification, so the two cannot drift.
struct TlsaLookup {
  bool failed = false;   // the lookup failed (SERVFAIL, timeout) or was DNSSEC-bogus
  bool secure = false;   // the RRset validated (AD)
  size_t records = 0;    // records in it, malformed ones included
  bool any_usable = false;  // at least one parses and is usable for SMTP
};

// RFC 7672 2.2: a failed or bogus lookup poisons the domain (lookup_failed);
// insecure records are no records (none); secure records of which none is
// usable still make TLS mandatory (unusable).
DaneEvidence::Tlsa classify_tlsa(const TlsaLookup& lookup);

// Adds one MX host, classified, to the domain's evidence. On lookup_failed
// the domain's state becomes lookup_failed with `failure_detail`; the caller
// stops there (one poisoned host decides the domain).
void add_mx_tlsa(DaneEvidence& dane, const std::string& host, DaneEvidence::Tlsa state,
                 const std::string& failure_detail);

struct StsEvidence {
  std::optional<sts::Policy> policy;  // a valid policy (fresh or from the cache), any mode
  std::string id;                     // its TXT id, for the reason
  bool from_cache = false;
  // The domain publishes MTA-STS but the policy cache could not be read and
  // no policy could be fetched: one may be cached that we cannot see.
  bool policy_unknown = false;
  std::string detail;  // why, for the reason
};

struct PreloadEvidence {
  enum class Mode { enforce, testing };
  bool listed = false;
  Mode mode = Mode::testing;
  std::vector<std::string> mxs;  // Postfix-style patterns: "mx.example.com", ".example.net"
  bool list_expired = false;
};

struct LocalRule {
  std::string policy;  // a Postfix policy string, used as is
  std::string origin;  // e.g. "/etc/mxtls/mxtls.conf:12 (template google)"
};

// What the delivery history proves (the one struct `mxtls logs` uses too).
using LogEvidence = logs::Evidence;

struct Evidence {
  std::string domain;
  DaneEvidence dane;
  StsEvidence sts;
  PreloadEvidence preload;
  std::optional<LocalRule> local_rule;
  LogEvidence logs;
};

struct Options {
  // "dane-only" (default) or "dane". dane-only is softened to dane when some
  // MX hosts publish no TLSA, since dane-only would defer all mail to them.
  postfix::Level dane_level = postfix::Level::dane_only;
  bool use_log_history = false;  // opt-in: log evidence can raise the level
  // Postfix 3.10+ TLSRPT attributes (policy_type, policy_domain, policy_ttl,
  // mx_host_pattern, policy_string) after an MTA-STS answer. Postfix 3.9 and
  // older reject them, so only when configured.
  bool tlsrpt_attributes = false;
};

// One rule of the policy engine. `apply` answers, or passes (nullopt) to the
// next rule; the last rule ("none") always answers.
struct Rule {
  std::string_view name;     // short, stable, kebab-case: "dane", "mta-sts-enforce", ...
  std::string_view summary;  // one line for --help, the README and `policy explain`
  std::optional<Decision> (*apply)(const Evidence& evidence, const Options& options);
};

// THE rules table, in order of precedence: the first rule that answers
// decides. `mxtls serve --help`, `mxtls policy` and the README list it.
std::span<const Rule> rules();

// The table as a numbered list, "<indent>N. name: summary" per rule, the
// summary wrapped at `width` columns with a hanging indent.
std::string rules_precedence_text(std::string_view indent = "  ", size_t width = 110);

ReportedPolicy reported_policy(const Evidence& evidence);

// Walks rules() and records the name of the rule that answered, and the
// reported policy.
Decision decide(const Evidence& evidence, const Options& options = {});

}  // namespace mxtls::policy
