#include "postfix/setup.hpp"

#include <algorithm>

#include "base/text.hpp"
#include "postfix/audit_judges.hpp"
#include "postfix/level.hpp"
#include "postfix/recommended.hpp"

namespace mxtls::postfix {
namespace {

constexpr const char* server_level = "smtpd_tls_security_level";
constexpr const char* client_level = "smtp_tls_security_level";

// What a plan is built against: the configuration as it was (for the old
// values of the diff) and as the plan so far makes it (for the decisions).
struct Planning {
  const AuditFacts& original;
  AuditFacts predicted;
  const SetupInputs& inputs;
  SetupPlan plan;
};

std::string current_value(const AuditFacts& facts, const std::string& service, std::string_view name) {
  if (service.empty()) return parameter(facts, name);
  for (const auto& s : facts.services)
    if (s.name + "/" + s.type == service)
      if (auto it = s.overrides.find(name); it != s.overrides.end()) return it->second;
  return parameter(facts, name);
}

bool is_set(const AuditFacts& facts, const std::string& service, std::string_view name) {
  if (service.empty()) return facts.main.contains(name);
  for (const auto& s : facts.services)
    if (s.name + "/" + s.type == service) return s.overrides.contains(name);
  return false;
}

// Plans name = value (on a master.cf service when service is not ""),
// replacing an earlier plan for the same parameter; nothing when that is
// what the configuration already says.
void set(Planning& p, const std::string& service, std::string_view name, std::string_view value, std::string why) {
  auto& changes = p.plan.changes;
  auto same = [&](const SettingChange& c) { return c.service == service && c.name == name; };
  changes.erase(std::remove_if(changes.begin(), changes.end(), same), changes.end());
  bool was_set = is_set(p.original, service, name);
  std::string old_value = current_value(p.original, service, name);
  if (!(was_set && old_value == value))
    changes.push_back({service, std::string(name), was_set, old_value, std::string(value), std::move(why)});
  p.predicted = predict(p.original, p.plan);
}

void note(Planning& p, std::string text) {
  if (std::find(p.plan.notes.begin(), p.plan.notes.end(), text) == p.plan.notes.end())
    p.plan.notes.push_back(std::move(text));
}

std::string service_key(const Service& s) { return s.name + "/" + s.type; }

void plan_certificate(Planning& p) {
  const auto& in = p.inputs;
  if (!in.managed_chain_file.empty()) {
    // README "Renew safely": after each renewal the hook replaces this file
    // only when DANE senders accept the renewed key.
    bool chain_files = p.original.mail_version.empty() || version_at_least(p.original.mail_version, "3.4");
    set(p, "", chain_files ? "smtpd_tls_chain_files" : "smtpd_tls_cert_file", in.managed_chain_file,
        "The one file mxtls postfix deploy-hook manages (the key, then the chain), installed by the certbot hook "
        "after each renewal only when DANE senders accept its key (postconf(5) " +
            std::string(chain_files ? "smtpd_tls_chain_files" : "smtpd_tls_cert_file") + ").");
    if (!chain_files) set(p, "", "smtpd_tls_key_file", in.managed_chain_file, "The key is in the same file.");
    return;
  }
  if (!p.original.mail_version.empty() && !version_at_least(p.original.mail_version, "3.4")) {
    set(p, "", "smtpd_tls_cert_file", in.chain_file, "The certificate and its intermediates, leaf first (postconf(5) "
        "smtpd_tls_cert_file; this Postfix is older than 3.4, which has smtpd_tls_chain_files).");
    set(p, "", "smtpd_tls_key_file", in.key_file, "Its private key (postconf(5) smtpd_tls_key_file).");
    return;
  }
  set(p, "", "smtpd_tls_chain_files", in.key_file + ", " + in.chain_file,
      "The key, then the certificate with its intermediates (leaf first), in one list so that they are loaded "
      "together (postconf(5) smtpd_tls_chain_files, Postfix 3.4+).");
  for (const char* legacy : {"smtpd_tls_cert_file", "smtpd_tls_key_file"})
    if (!parameter(p.original, legacy).empty() && p.original.main.contains(legacy))
      note(p, std::string(legacy) + " is left as it is: Postfix ignores it while smtpd_tls_chain_files is set "
           "(postconf(5) smtpd_tls_chain_files).");
}

// Port 25 offers STARTTLS and never requires it (RFC 3207 section 4). When
// main.cf's level changes, submission services that inherited a mandatory
// level from it keep it through their own -o override.
void plan_port_25(Planning& p) {
  const std::string why = "Offer STARTTLS on port 25 without requiring it: RFC 3207 section 4, a "
                          "publicly-referenced SMTP server MUST NOT require STARTTLS.";
  bool main_used = false;
  for (const auto& s : p.original.services) {
    if (!is_smtpd(s) || !on_port_25(p.original, s)) continue;
    if (s.overrides.contains(server_level)) set(p, service_key(s), server_level, recommended::port_25_level, why);
    else main_used = true;
  }
  if (!main_used || parameter(p.predicted, server_level) == recommended::port_25_level) return;
  std::string before = parameter(p.original, server_level);
  auto level = read_level(before).intended;  // "encrypt  # comment" meant encrypt
  for (const auto& s : p.original.services)
    if (is_smtpd(s) && !on_port_25(p.original, s) && service_port(s) == 587 && !s.overrides.contains(server_level) &&
        level && mandatory(*level))
      set(p, service_key(s), server_level, before, "Submission keeps the level it had from main.cf (" + before +
          "): clients send passwords there.");
  set(p, "", server_level, recommended::port_25_level, why);
}

void plan_client_level(Planning& p) {
  std::string level = parameter(p.predicted, client_level);
  const auto& in = p.inputs;
  if (in.validating_resolver) {
    if (level != "dane" && level != "dane-only")
      set(p, "", client_level, recommended::dane_level, "DANE (RFC 7672): authenticated TLS to domains that publish "
          "TLSA records, opportunistic TLS to all others; this machine's resolver validates DNSSEC (" +
          in.resolver_reason + ").");
    set(p, "", "smtp_dns_support_level", recommended::dane_dns_support_level,
        "DANE needs DNSSEC-validated MX and TLSA lookups (postconf(5) smtp_dns_support_level).");
    return;
  }
  set(p, "", client_level, recommended::client_level, "Opportunistic TLS for outgoing mail (postconf(5) "
      "smtp_tls_security_level); a global mandatory level defers mail to domains without TLS (RFC 3207 section "
      "4), and dane without validated DNSSEC is silently opportunistic anyway. Require TLS per domain in "
      "smtp_tls_policy_maps (mxtls policy build).");
}

void plan_ca_file(Planning& p) {
  if (!p.inputs.ca_bundle_exists) {
    note(p, std::string("smtp_tls_CAfile is left alone: ") + std::string(recommended::ca_bundle) +
         " does not exist (apt-get install ca-certificates).");
    return;
  }
  set(p, "", "smtp_tls_CAfile", recommended::ca_bundle, "The system's CAs for the SMTP client (postconf(5) "
      "smtp_tls_CAfile): without them no peer is ever Verified and MTA-STS 'secure' policies (RFC 8461) fail.");
}

// One remedy per audit finding setup fixes: the parameter and the value the
// audit's fix names (recommended.hpp). A finding without one is listed as
// left to the operator.
struct Remedy {
  std::string_view finding;
  void (*apply)(Planning&, const Finding&);
};

void set_loglevel(Planning& p, std::string_view name) {
  set(p, "", name, recommended::loglevel, "Log one line per TLS session with its protocol and cipher, what mxtls "
      "logs reads (postconf(5) " + std::string(name) + ").");
}

void set_protocols(Planning& p, std::string_view name) {
  set(p, "", name, recommended::protocols_without_ssl(p.original.mail_version), "No SSLv2/SSLv3 (RFC 6176, RFC "
      "7568); TLS 1.0/1.1 stay for the few old peers that would otherwise use plaintext (postconf(5) " +
      std::string(name) + ").");
}

constexpr Remedy remedies[] = {
    {"smtpd.no-starttls", [](Planning& p, const Finding&) { plan_port_25(p); }},
    {"smtpd.encrypt-on-port-25", [](Planning& p, const Finding&) { plan_port_25(p); }},
    {"smtpd.level-invalid", [](Planning& p, const Finding&) { plan_port_25(p); }},
    {"smtpd.ssl-enabled", [](Planning& p, const Finding&) { set_protocols(p, "smtpd_tls_protocols"); }},
    {"smtpd.loglevel", [](Planning& p, const Finding&) { set_loglevel(p, "smtpd_tls_loglevel"); }},
    {"smtpd.received-header",
     [](Planning& p, const Finding&) {
       set(p, "", "smtpd_tls_received_header", recommended::received_header, "Record the TLS protocol and cipher "
           "in each message's Received: header (postconf(5) smtpd_tls_received_header).");
     }},
    {"smtp.no-tls", [](Planning& p, const Finding&) { plan_client_level(p); }},
    {"smtp.encrypt-global", [](Planning& p, const Finding&) { plan_client_level(p); }},
    {"smtp.level-invalid", [](Planning& p, const Finding&) { plan_client_level(p); }},
    {"smtp.dane-without-dnssec", [](Planning& p, const Finding&) { plan_client_level(p); }},
    {"smtp.no-ca", [](Planning& p, const Finding&) { plan_ca_file(p); }},
    {"smtp.ca-file-missing",
     [](Planning& p, const Finding& f) {
       if (f.what.starts_with("smtp_tls_CAfile ")) plan_ca_file(p);
     }},
    {"smtp.ssl-enabled", [](Planning& p, const Finding&) { set_protocols(p, "smtp_tls_protocols"); }},
    {"smtp.loglevel", [](Planning& p, const Finding&) { set_loglevel(p, "smtp_tls_loglevel"); }},
};

// Findings about the certificate are setup's input, not a remedy: the new
// certificate replaces whatever they were about.
bool about_certificate(const Finding& f) {
  for (const char* prefix : {"smtpd.cert-", "smtpd.key-", "smtpd.chain-", "smtpd.no-cert"})
    if (f.id.starts_with(prefix)) return true;
  return false;
}

void note_left_alone(Planning& p) {
  Findings findings = audit(p.predicted);
  for (const auto& f : findings.all()) {
    if (f.severity < Severity::warning || about_certificate(f)) continue;
    bool remedied = std::any_of(std::begin(remedies), std::end(remedies),
                                [&](const Remedy& r) { return r.finding == f.id; });
    if (!remedied) note(p, "Left to you (mxtls postfix audit " + f.id + "): " + f.what + " Fix: " + f.fix);
  }
}

}  // namespace

SetupPlan plan_setup(const AuditFacts& facts, const SetupInputs& inputs) {
  Planning p{facts, facts, inputs, {}};
  plan_certificate(p);
  if (inputs.validating_resolver) plan_client_level(p);
  // Each remedy can uncover another finding (a client level no longer none
  // needs CAs): audit the predicted configuration until nothing changes.
  for (int round = 0; round < 4; ++round) {
    size_t before = p.plan.changes.size();
    std::vector<std::string> values_before;
    for (const auto& c : p.plan.changes) values_before.push_back(c.service + c.name + "=" + c.new_value);
    Findings findings = audit(p.predicted);
    for (const auto& f : findings.all())
      for (const auto& r : remedies)
        if (r.finding == f.id) r.apply(p, f);
    std::vector<std::string> values_after;
    for (const auto& c : p.plan.changes) values_after.push_back(c.service + c.name + "=" + c.new_value);
    if (p.plan.changes.size() == before && values_after == values_before) break;
  }
  if (!inputs.validating_resolver)
    note(p, "No DANE for outgoing mail: " + inputs.resolver_reason + ". With a local validating resolver (e.g. "
         "unbound), setup sets smtp_tls_security_level = dane and smtp_dns_support_level = dnssec.");
  note_left_alone(p);
  return p.plan;
}

AuditFacts predict(AuditFacts facts, const SetupPlan& plan) {
  for (const auto& c : plan.changes) {
    if (c.service.empty()) {
      facts.main[c.name] = c.new_value;
      continue;
    }
    for (auto& s : facts.services)
      if (service_key(s) == c.service) s.overrides[c.name] = c.new_value;
  }
  return facts;
}

std::string plan_text(const SetupPlan& plan) {
  std::string out;
  for (const auto& c : plan.changes) {
    std::string where = c.service.empty() ? "main.cf  " : "master.cf " + c.service + " ";
    std::string old_text = c.was_set ? "'" + c.old_value + "'"
                                     : "(unset" + (c.old_value.empty() ? "" : ", default '" + c.old_value + "'") + ")";
    out += "  " + where + c.name + ": " + old_text + " -> '" + c.new_value + "'\n";
    out += "      " + c.why + "\n";
  }
  for (const auto& n : plan.notes) out += "  note: " + n + "\n";
  return out;
}

std::vector<std::string> postconf_e_arguments(const SetupPlan& plan) {
  std::vector<std::string> out;
  for (const auto& c : plan.changes)
    if (c.service.empty()) out.push_back(c.name + " = " + c.new_value);
  return out;
}

std::vector<std::string> postconf_p_arguments(const SetupPlan& plan) {
  std::vector<std::string> out;
  for (const auto& c : plan.changes)
    if (!c.service.empty()) out.push_back(c.service + "/" + c.name + "=" + c.new_value);
  return out;
}

namespace {

std::string sh_quoted(std::string_view text) {
  std::string out = "'";
  for (char c : text) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

}  // namespace

std::string certbot_hook_script(const std::string& mxtls, const std::string& lineage, const std::string& install_dir,
                                const std::string& config_dir, const std::string& resolver_config) {
  return "#!/bin/sh\n"
         "# Written by mxtls postfix setup --certbot-hook. certbot runs every file in this directory after each\n"
         "# successful renewal; this one acts for " + lineage + " only and lets mxtls decide whether Postfix serves\n"
         "# the renewed certificate (mxtls postfix deploy-hook --help).\n"
         "[ \"$RENEWED_LINEAGE\" = " + sh_quoted(lineage) + " ] || exit 0\n"
         "exec " + sh_quoted(mxtls) + " postfix deploy-hook --install-dir " + sh_quoted(install_dir) +
         " --config-dir " + sh_quoted(config_dir) +
         (resolver_config.empty() ? "" : " --resolver-config " + sh_quoted(resolver_config)) + "\n";
}

namespace {

// The WebPKI failures an operator may choose: a self-signed key or a private
// CA for DANE-EE (3 1 1) senders. An incomplete chain, an expired or not yet
// valid certificate are mistakes with a fix at hand (fullchain.pem, renew):
// those refuse.
constexpr std::string_view chosen_webpki_failures[] = {"smtpd.cert-self-signed", "smtpd.cert-untrusted"};

bool is_chosen_webpki_failure(std::string_view id) {
  return std::find(std::begin(chosen_webpki_failures), std::end(chosen_webpki_failures), id) !=
         std::end(chosen_webpki_failures);
}

}  // namespace

bool refuses_setup(const Finding& error, const AuditFacts& current) {
  if (!is_chosen_webpki_failure(error.id)) return true;
  if (!current.server_cert || current.server_cert->chain.empty()) return false;  // nothing verifying senders accept
  Findings now = certificate_findings(current);
  for (const auto& f : now.all())
    if (f.severity == Severity::error) return false;  // what is served now fails them too (or cannot be loaded)
  return true;
}

Findings certificate_findings(const AuditFacts& predicted) {
  Findings out, findings = audit(predicted);
  for (const auto& f : findings.all())
    if (about_certificate(f) && f.severity >= Severity::warning) out.add(f.severity, f.id, f.subject, f.what, f.why, f.fix);
  return out;
}

namespace {

// Some smtpd that port 25 reaches (an inet service on port 25, or one
// postscreen passes to) offers STARTTLS; true too when none is found.
bool port_25_offers_starttls(const AuditFacts& now) {
  bool found = false;
  for (const auto& s : now.services) {
    // postscreen offers STARTTLS itself (through tlsproxy) unless its level is none.
    if (s.command == "postscreen" && service_port(s) == 25 && parameter(now, s, "postscreen_tls_security_level") != "none")
      return true;
    if (s.command != "smtpd" || !((s.type == "inet" && service_port(s) == 25) || s.type == "pass")) continue;
    found = true;
    LevelValue value = service_level(now, s);
    if (!value.level || *value.level != Level::none) return true;
  }
  return !found;
}

}  // namespace

std::vector<const ServerCertFacts*> served_chains(const AuditFacts& now) {
  std::vector<const ServerCertFacts*> out;
  if (!now.server_cert || !port_25_offers_starttls(now)) return out;
  std::vector<const ServerCertFacts*> chains{&*now.server_cert};
  for (const auto& more : now.server_cert->more_chains) chains.push_back(&more);
  for (const auto* chain : chains) {
    // A pair smtpd cannot load disables its TLS altogether: nothing is served.
    if (!chain->key_matches || chain->leaf_der.empty()) return {};
    out.push_back(chain);
  }
  return out;
}

bool served_chains_unknown(const AuditFacts& now) {
  if (!now.server_cert) return false;
  return std::any_of(now.server_cert->files.begin(), now.server_cert->files.end(),
                     [](const FileFacts& file) { return file.exists && !file.readable; });
}

bool serves_same_chain(const AuditFacts& now, const ServerCertFacts& next) {
  auto served = served_chains(now);
  return served.size() == 1 && served.front()->leaf_der == next.leaf_der &&
         served.front()->issuer_ders == next.issuer_ders;
}

KeyChangeHosts key_change_hosts(const AuditFacts& now, const ServerCertFacts& next,
                                const std::vector<MxHostFacts>& mx_hosts) {
  KeyChangeHosts out;
  auto add = [&](std::string name, bool ours) {
    name = normalize_domain(name);
    if (name.empty() || name.find('*') != std::string::npos || name.find('.') == std::string::npos) return;
    auto same = [&](const KeyChangeHost& h) { return h.name == name; };
    if (auto it = std::find_if(out.hosts.begin(), out.hosts.end(), same); it != out.hosts.end()) {
      it->ours = it->ours || ours;
    } else if (std::find(out.dropped.begin(), out.dropped.end(), name) == out.dropped.end()) {
      // This server's own names are all read; the cap bounds only the others.
      if (ours || out.hosts.size() < max_key_change_hosts) out.hosts.push_back({name, ours});
      else out.dropped.push_back(name);
    }
  };
  auto add_names = [&](const ServerCertFacts& chain, bool ours) {
    if (!chain.chain.empty())
      for (const auto& name : chain.chain.front().dns_names) add(name, ours);
  };
  // The MX hosts of the operator's own domains count as this server's: that
  // one points elsewhere cannot be proven behind NAT (`here` compares local
  // addresses), so a record there that cannot be read fails closed.
  // RFC 7672 2.2.2: behind an alias, DANE senders look for TLSA records at
  // the CNAME-expanded name first; both are read.
  for (const auto& host : mx_hosts) {
    add(host.host, true);
    if (!host.canonical.empty()) add(host.canonical, true);
  }
  add(now.myhostname, true);
  for (const auto* chain : served_chains(now)) add_names(*chain, true);
  add_names(next, false);
  return out;
}

std::vector<std::string> local_mail_domains(const AuditFacts& now) {
  std::vector<std::string> out;
  for (const char* parameter_name : {"mydestination", "virtual_mailbox_domains", "virtual_alias_domains", "relay_domains"})
    for (const auto& word : table_names(parameter(now, parameter_name))) {
      // ".example.com" (its subdomains, parent_domain_matches_subdomains) names example.com's
      // zone; "!name" excludes; tables and /file lists are not domain names.
      if (word.starts_with("!")) continue;
      std::string domain = normalize_domain(word.starts_with(".") ? word.substr(1) : word);
      if (!is_valid_hostname(domain) || domain.find('.') == std::string::npos || domain.starts_with("localhost") ||
          std::find(out.begin(), out.end(), domain) != out.end())
        continue;
      out.push_back(std::move(domain));
    }
  return out;
}

}  // namespace mxtls::postfix
