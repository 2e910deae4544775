// The tables of smtp_tls_policy_maps as Postfix's own client sees them
// (`postmap -q`, gathered in gather.cpp): reachable, answers in the level
// list Postfix accepts, attributes this Postfix knows, and the order of an
// MTA-STS-only resolver and DANE (RFC 8461 section 2).
#include "base/text.hpp"
#include "postfix/audit_judges.hpp"

namespace mxtls::postfix {
namespace {

using Outcome = PolicyProbe::Outcome;

// The policy attributes Postfix 3.10 added for TLSRPT (TLSRPT_README,
// "MTA-STS support via smtp_tls_policy_maps").
constexpr std::string_view tlsrpt_attributes[] = {"policy_type=",   "policy_domain=",  "policy_ttl=",
                                                  "policy_string=", "policy_failure=", "mx_host_pattern="};

std::string table_name(const PolicyMapFacts& map) { return (map.proxied ? "proxy:" : "") + map.type + ":" + map.source; }

// A lookup this audit was not allowed to make: as another user than root,
// postmap may not read an indexed file or connect to a socket that Postfix's
// daemons, started as root, can (TLS_README: tables are opened before the
// daemons drop privileges). That proves nothing about smtp(8).
bool denied_to_us(const AuditFacts& facts, const PolicyMapFacts& map, const PolicyProbe& probe) {
  if (facts.as_root) return false;
  return probe.error.find("Permission denied") != std::string::npos ||
         (map.indexed && map.indexed_file.exists && denied_to_user(map.indexed_file, facts.as_root));
}

// postfix-mta-sts-resolver's documented table: socketmap:inet:127.0.0.1:8461:postfix.
// It answers MTA-STS policies only and knows nothing of DANE.
bool is_sts_only_resolver(const PolicyMapFacts& map) {
  return map.type == "socketmap" && map.source.ends_with(":postfix");
}

void judge_answer(const PolicyMapFacts& map, const PolicyProbe& probe, Findings& f) {
  std::string name = table_name(map);
  std::string first = probe.answer.substr(0, probe.answer.find_first_of(" \t"));
  // Postfix reads the level case-insensitively (tls_level_lookup: name_code).
  if (!parse_level(to_lower(first))) {
    // smtp(8) refuses a policy whose level it does not know ("invalid TLS
    // level") and defers the mail (postconf(5) smtp_tls_policy_maps).
    f.add(Severity::error, "smtp.policy-answer-invalid", name,
          name + " answers \"" + probe.answer + "\" for " + probe.key + ": \"" + first +
              "\" is not a Postfix TLS level.",
          "The SMTP client refuses the policy and defers mail to that destination.",
          "Make the table answer one of none, may, encrypt, fingerprint, dane, dane-only, verify, secure "
          "(with its attributes), then postmap " + name + " or restart the daemon behind it.");
    return;
  }
  f.add(Severity::ok, "smtp.policy-map-answers", name, name + " answers \"" + probe.answer + "\" for " + probe.key + ".");
}

void judge_probe(const AuditFacts& facts, const PolicyMapFacts& map, const PolicyProbe& probe, Findings& f) {
  std::string name = table_name(map);
  if (probe.outcome == Outcome::failed && denied_to_us(facts, map, probe))
    return f.add(Severity::warning, "smtp.policy-map-unchecked", name,
                 "postmap -q " + probe.key + " " + name + " fails: " + probe.error + ".",
                 "This audit does not run as root, and Postfix opens its tables as root: the table's answers were not "
                 "checked.",
                 "Run the audit as root to check this table: sudo mxtls postfix audit");
  switch (probe.outcome) {
    case Outcome::found: judge_answer(map, probe, f); return;
    case Outcome::not_found:
      f.add(Severity::ok, "smtp.policy-map-answers", name, name + " answers (no entry for " + probe.key + ").");
      return;
    case Outcome::temporary:
      // A socketmap "TEMP" answer: smtp(8) defers the mail to that destination.
      f.add(Severity::warning, "smtp.policy-map-temporary", name,
            name + " gives a temporary error for " + probe.key + ": " + probe.error + ".",
            "The SMTP client defers mail to that destination while the table answers so.",
            "Look at the log of the daemon behind " + name + "; mxtls policy explain " + probe.key +
                " says why mxtls serve would answer TEMP.");
      return;
    case Outcome::failed:
      // dict_sockmap / dict_open failures: "table lookup problem", deferred mail.
      f.add(Severity::error, "smtp.policy-map-unreachable", name,
            "postmap -q " + probe.key + " " + name + " fails: " + probe.error + ".",
            "The SMTP client gets the same error for every delivery that consults the table, and defers the mail "
            "(\"table lookup problem\"): with the table in smtp_tls_policy_maps, that is every delivery.",
            map.type == "socketmap" ? "Start the daemon behind " + name + " (mxtls serve: systemctl start mxtls-serve) "
                                      "or remove the table: postconf -e 'smtp_tls_policy_maps = ...'"
                                    : "postmap " + name + ", or remove the table from smtp_tls_policy_maps");
      return;
  }
}

// proxymap(8) refuses a table proxy_read_maps does not list ("request for
// unapproved table"): the client's lookup fails (postmap: "proxymap service
// is not configured for table"), smtp(8) defers the mail.
void judge_unapproved(const PolicyMapFacts& map, Findings& f) {
  std::string name = table_name(map);
  f.add(Severity::error, "smtp.policy-map-unapproved", name,
        name + " is not listed in proxy_read_maps, so proxymap(8) refuses to open " + map.type + ":" + map.source + ".",
        "Every lookup through it fails (proxymap logs \"request for unapproved table\"), and the SMTP client defers "
        "each delivery that consults smtp_tls_policy_maps: with the table there, that is every delivery.",
        "postconf -e \"proxy_read_maps = $(postconf -h proxy_read_maps) " + name + "\"; postfix reload (or drop "
        "proxy: from the name in smtp_tls_policy_maps)");
}

}  // namespace

bool uses_attribute(const PolicyMapFacts& map, std::string_view attribute) {
  if (attribute == "servername=" && map.uses_servername) return true;
  for (const auto& probe : map.probes)
    if (probe.outcome == Outcome::found && probe.answer.find(attribute) != std::string::npos) return true;
  return false;
}

void judge_policy_probes(const AuditFacts& facts, Findings& f) {
  for (size_t i = 0; i < facts.policy_maps.size(); ++i) {
    const auto& map = facts.policy_maps[i];
    if (map.indexed && !map.indexed_file.exists) continue;  // smtp.policy-map-unbuilt says it
    if (map.proxied && !map.proxy_error.empty())
      // proxymap(8): smtp(8) asks proxy: tables through it; while Postfix is
      // stopped nothing listens, and postmap -q would retry for 100 seconds.
      f.add(Severity::info, "smtp.policy-map-proxy-down", table_name(map),
            "proxymap(8) does not answer (" + map.proxy_error + "): " + map.type + ":" + map.source +
                " was asked directly, as proxymap would.",
            "Nobody fails because of it: Postfix is not running (or this audit may not connect to proxymap), and "
            "smtp(8) asks the table through proxymap once it does. What proxymap adds, that the table is listed in "
            "proxy_read_maps, is judged from the configuration (smtp.policy-map-unapproved).",
            "postfix start, then run the audit again to ask the table through proxymap.");
    if (map.proxied && !map.proxy_approved) judge_unapproved(map, f);  // its probes failed for that reason
    else
      for (const auto& probe : map.probes) judge_probe(facts, map, probe, f);
    if (!is_sts_only_resolver(map)) continue;
    auto level = policy_level(parameter(facts, "smtp_tls_security_level"));
    bool dane_default = level && (*level == Level::dane || *level == Level::dane_only);
    bool dane_table_after = i + 1 < facts.policy_maps.size();
    if (!dane_default && !dane_table_after) continue;
    // RFC 8461 section 2: where a domain has DANE TLSA records, senders that
    // do DANE apply DANE and not MTA-STS. The first table that answers wins in Postfix.
    f.add(Severity::warning, "smtp.sts-overrides-dane", table_name(map),
          table_name(map) + " (an MTA-STS-only resolver) is consulted " +
              (dane_default ? std::string("before the global dane level") : "before " + table_name(facts.policy_maps[i + 1])) +
              ": its 'secure' answers replace DANE for domains that publish both.",
          "RFC 8461 section 2: DANE takes precedence over MTA-STS. Those domains lose DANE's protection (the pinned "
          "key or CA); a domain whose TLSA records are its only valid authentication (DANE-EE with a private CA) "
          "is deferred.",
          "Put a DANE-aware table first (mxtls serve answers dane where TLSA records exist and MTA-STS otherwise): "
          "start `mxtls serve` (its map is named tls) on a free port (the resolver's 8461 is taken), check that "
          "`postmap -q example.org socketmap:inet:127.0.0.1:PORT:tls` answers, then postconf -e "
          "'smtp_tls_policy_maps = socketmap:inet:127.0.0.1:PORT:tls' instead of " + table_name(map));
  }
}

void judge_answer_versions(const AuditFacts& facts, Findings& f) {
  for (const auto& map : facts.policy_maps) {
    bool tlsrpt = false;
    for (auto attribute : tlsrpt_attributes) tlsrpt = tlsrpt || uses_attribute(map, attribute);
    if (!tlsrpt || version_at_least(facts.mail_version, "3.10")) continue;
    // TLSRPT_README: the policy_* and mx_host_pattern attributes exist since Postfix 3.10;
    // an older smtp(8) refuses a policy with an attribute it does not know.
    f.add(Severity::error, "version.tlsrpt-attributes", table_name(map),
          table_name(map) + " answers with TLSRPT attributes (policy_type=, mx_host_pattern=...), which need Postfix "
              "3.10 or later; this is " + facts.mail_version + ".",
          "This Postfix refuses those policies (\"invalid attribute name\") and defers the mail to those domains.",
          "Upgrade Postfix, or turn the attributes off in the resolver (mxtls serve without --tlsrpt-attributes; "
          "postfix-mta-sts-resolver without proactive TLSRPT fields).");
  }
}

}  // namespace mxtls::postfix
