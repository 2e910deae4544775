// The client side (smtp) and the version gates of `mxtls postfix audit`.
#include "base/text.hpp"
#include "postfix/audit_judges.hpp"
#include "postfix/recommended.hpp"

namespace mxtls::postfix {
namespace {

constexpr const char* level_param = "smtp_tls_security_level";

std::string deferred_text(const LogWhatIf& logs) {
  if (!logs.available) return "";
  if (logs.messages == 0) return " The logs given show no delivery that would have been deferred.";
  return " In the logs given, " + std::to_string(logs.messages) + " messages would have been deferred, to " +
         join(logs.domains, ", ") + ".";
}

// smtp(8) as smtp_tls_security_level and the legacy smtp_use_tls /
// smtp_enforce_tls (used only when the level is empty) set it.
LevelValue client_level(const AuditFacts& facts) {
  LevelValue value = read_level(parameter(facts, level_param));
  if (!value.text.empty()) return value;
  if (parameter(facts, "smtp_enforce_tls") == "yes") value.level = value.intended = Level::encrypt;
  else if (parameter(facts, "smtp_use_tls") == "yes") value.level = value.intended = Level::may;
  else value.level = value.intended = Level::none;
  return value;
}

void judge_client_level(const AuditFacts& facts, Level level, Findings& f) {
  if (level >= Level::encrypt && level != Level::dane) {
    // postconf(5) smtp_tls_security_level: encrypt "is not an appropriate
    // default for systems delivering mail to the Internet" (RFC 3207 section 4).
    f.add(Severity::error, "smtp.encrypt-global", "main.cf",
          std::string("Every delivery requires TLS (smtp_tls_security_level = ") + std::string(to_string(level)) + ").",
          "Mail to domains whose servers do not offer STARTTLS (or offer a certificate this level refuses) is "
          "deferred, then bounced after maximal_queue_lifetime." + deferred_text(facts.outbound_encrypt),
          postconf_line(level_param, recommended::dane_level) + " and " +
              postconf_line("smtp_dns_support_level", recommended::dane_dns_support_level) +
              " (or 'may'), and require TLS per domain in smtp_tls_policy_maps (mxtls policy build)");
  } else if (level == Level::none) {
    // An error by the rule of docs/verdicts.md: anyone on the path reads every message sent.
    f.add(Severity::error, "smtp.no-tls", "main.cf", "Outgoing mail never uses TLS (smtp_tls_security_level is none).",
          "Every message goes out in plaintext, readable and changeable on the way.",
          postconf_line(level_param, recommended::client_level));
  }
  if ((level == Level::dane || level == Level::dane_only) && parameter(facts, "smtp_dns_support_level") != "dnssec")
    // postconf(5) smtp_dns_support_level: "dnssec" is required for DANE (RFC 7672 2.2).
    f.add(Severity::warning, "smtp.dane-without-dnssec", "main.cf",
          "smtp_tls_security_level is " + std::string(to_string(level)) + " but smtp_dns_support_level is not dnssec.",
          "Without DNSSEC lookups Postfix finds no TLSA records: DANE is silently off and TLS stays opportunistic.",
          postconf_line("smtp_dns_support_level", recommended::dane_dns_support_level) + " (with a validating resolver, e.g. unbound)");
}

void judge_client_ca(const AuditFacts& facts, Level level, Findings& f) {
  for (const auto& file : facts.ca_files)
    if (!file.exists || !file.readable)
      f.add(Severity::warning, "smtp.ca-file-missing", file.path, file.parameter + " names " + file.path +
            ", which cannot be read.", "Postfix then trusts no CA.", postconf_line(file.parameter,
            recommended::ca_bundle));
  if (level == Level::none || !parameter(facts, "smtp_tls_CAfile").empty() ||
      !parameter(facts, "smtp_tls_CApath").empty())
    return;
  bool maps = !parameter(facts, "smtp_tls_policy_maps").empty();
  // postconf(5) smtp_tls_CAfile; tls_append_default_CA defaults to no, so no CA is trusted.
  f.add(maps ? Severity::error : Severity::warning, "smtp.no-ca", "main.cf",
        "smtp_tls_CAfile and smtp_tls_CApath are unset: the SMTP client trusts no CA.",
        std::string("No peer is ever logged as Verified or Trusted, so mxtls logs cannot prove which domains are "
                    "safe to require TLS for.") +
            (maps ? " Every 'verify' or 'secure' answer of smtp_tls_policy_maps (MTA-STS enforce) fails, and mail "
                    "to those domains is deferred."
                  : ""),
        postconf_line("smtp_tls_CAfile", recommended::ca_bundle) + " (Debian's CA bundle)");
}

void judge_policy_maps(const AuditFacts& facts, Findings& f) {
  for (const auto& map : facts.policy_maps) {
    std::string name = map.type + ":" + map.source;
    if (!map.indexed) continue;
    if (!map.indexed_file.exists && denied_to_user(map.indexed_file, facts.as_root))
      // The directory is not ours to search; Postfix opens the table as root.
      f.add(Severity::warning, "smtp.policy-map-unchecked", name,
            "smtp_tls_policy_maps names " + name + ", but this audit, not running as root, may not look at " +
                map.indexed_file.path + ": " + map.indexed_file.error + ".",
            "This audit does not run as root, and Postfix opens its tables as root: the table was not checked.",
            "Run the audit as root to check this table: sudo mxtls postfix audit");
    else if (!map.indexed_file.exists)
      f.add(Severity::error, "smtp.policy-map-unbuilt", name, "smtp_tls_policy_maps names " + name +
            ", but " + map.indexed_file.path + " does not exist.",
            "The SMTP client cannot open the table and defers every delivery (\"table lookup problem\").",
            "postmap " + name);
    else if (map.source_file.exists && map.source_file.modified > map.indexed_file.modified)
      f.add(Severity::warning, "smtp.policy-map-stale", name,
            map.source + " is newer than " + map.indexed_file.path + ": the last edit was not compiled.",
            "Postfix uses the old policies until postmap runs.", "postmap " + name);
  }
}

}  // namespace

void judge_client(const AuditFacts& facts, Findings& f) {
  LevelValue value = client_level(facts);
  if (!value.level)
    f.add(Severity::error, "smtp.level-invalid", "main.cf",
          "smtp_tls_security_level is \"" + value.text + "\", which Postfix does not accept.",
          std::string(value.inline_comment ? "main.cf has no comments after a value (postconf(5)): the '#' and "
                                              "what follows are part of it. "
                                            : "") +
              "The SMTP client refuses it and defers every delivery.",
          postconf_line(level_param, value.intended && *value.intended != Level::encrypt ? to_string(*value.intended)
                                                                                         : recommended::client_level));
  if (auto level = value.level ? value.level : value.intended) {
    judge_client_level(facts, *level, f);
    judge_client_ca(facts, *level, f);
  }
  if (facts.main.contains("smtp_tls_protocols") && enables_ssl(parameter(facts, "smtp_tls_protocols")))
    f.add(Severity::warning, "smtp.ssl-enabled", "main.cf",
          "smtp_tls_protocols = " + parameter(facts, "smtp_tls_protocols") + " leaves SSLv2/SSLv3 enabled.",
          "RFC 7568 and RFC 6176 forbid them.", postconf_line("smtp_tls_protocols", recommended::protocols_without_ssl(facts.mail_version)));
  if (parameter(facts, "smtp_tls_loglevel") == "0")
    f.add(Severity::warning, "smtp.loglevel", "main.cf", "smtp_tls_loglevel is 0: outgoing TLS is not logged.",
          "Neither you nor mxtls logs can tell which deliveries used TLS, or prove a domain safe to require it for.",
          postconf_line("smtp_tls_loglevel", recommended::loglevel));
  for (const char* name : {"smtp_tls_cert_file", "smtp_tls_chain_files"})
    if (!parameter(facts, name).empty())
      // postconf(5) smtp_tls_cert_file: "Do not configure client certificates
      // unless you must present client TLS certificates to one or more servers."
      f.add(Severity::info, "smtp.client-cert", "main.cf", std::string(name) + " is set: the client offers a certificate.",
            "Useful only when a peer asks for one (relay by certificate, permit_tls_clientcerts); otherwise it is "
            "noise, and the same file as the server's leaks nothing but helps nobody.",
            postconf_line(name, "") + " unless a peer requires it");
  judge_policy_maps(facts, f);
  judge_policy_probes(facts, f);
}

void judge_versions(const AuditFacts& facts, Findings& f) {
  const std::string& version = facts.mail_version;
  if (version.empty()) {
    f.add(Severity::info, "version.unknown", "mail_version", "The Postfix version is unknown; version gates were skipped.");
    return;
  }
  struct Gate {
    const char* parameter;
    const char* since;
    Severity severity;
    const char* why;
  };
  // The "This feature is available in Postfix X and later" lines of postconf(5).
  static constexpr Gate gates[] = {
      {"smtpd_tls_chain_files", "3.4", Severity::error,
       "this Postfix ignores it: smtpd has no certificate and offers no STARTTLS"},
      {"smtp_tls_chain_files", "3.4", Severity::warning, "this Postfix ignores it"},
      {"smtp_tlsrpt_enable", "3.10", Severity::warning, "this Postfix sends no TLSRPT events"},
      {"smtp_tls_enforce_sts_mx_patterns", "3.10.5", Severity::warning, "this Postfix ignores it"},
  };
  for (const auto& gate : gates)
    if (facts.main.contains(gate.parameter) && !version_at_least(version, gate.since))
      f.add(gate.severity, std::string("version.") + gate.parameter, "main.cf",
            std::string(gate.parameter) + " needs Postfix " + gate.since + " or later; this is " + version + ".",
            std::string(gate.why) + ".", "Upgrade Postfix, or use the older parameters instead.");
  for (const auto& map : facts.policy_maps)
    if (uses_attribute(map, "servername=") && !version_at_least(version, "3.4"))
      // postconf(5) smtp_tls_servername; the policy attribute servername= exists since 3.4.
      f.add(Severity::error, "version.servername", map.type + ":" + map.source,
            "The policy map uses servername=, which needs Postfix 3.4 or later; this is " + version + ".",
            "This Postfix rejects the policy entry and defers the mail to those domains.",
            "Upgrade Postfix, or build the map without servername= (mxtls serve/policy for Postfix < 3.4).");
  judge_answer_versions(facts, f);
}

}  // namespace mxtls::postfix
