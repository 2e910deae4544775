#include "policy_commands.hpp"

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <iostream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "dns/dns.hpp"
#include "files.hpp"
#include "net/https.hpp"
#include "policy/rules.hpp"
#include "mta_sts/redis_store.hpp"
#include "socketmap/server.hpp"
#include "base/text.hpp"

namespace mxtls::cli {
namespace {

std::shared_ptr<policy::StsStore> open_store(const std::string& path, std::string& error) {
  if (policy::is_redis_url(path)) {
    // A lookup waits at most this long for the shared cache, then goes on without it.
    auto store = policy::open_redis_store(path, std::chrono::milliseconds(500));
    if (!store) {
      error = store.error().message;
      return nullptr;
    }
    return std::shared_ptr<policy::StsStore>(std::move(*store));
  }
  if (path != ":memory:") {
    std::error_code ignored;
    std::filesystem::create_directories(std::filesystem::path(path).parent_path(), ignored);
  }
  auto store = policy::open_sqlite_store(path);
  if (!store) {
    error = store.error().message;
    return nullptr;
  }
  return std::shared_ptr<policy::StsStore>(std::move(*store));
}

const char* tlsa_text(policy::DaneEvidence::Tlsa t) {
  switch (t) {
    case policy::DaneEvidence::Tlsa::not_looked_up: return "not looked up";
    case policy::DaneEvidence::Tlsa::none: return "no usable TLSA";
    case policy::DaneEvidence::Tlsa::unusable: return "TLSA records, none usable for SMTP";
    case policy::DaneEvidence::Tlsa::usable: return "usable TLSA";
    case policy::DaneEvidence::Tlsa::lookup_failed: return "TLSA lookup failed";
  }
  return "?";
}

std::string list_or_dash(const std::vector<std::string>& items) {
  auto list = join(items);
  return list.empty() ? "-" : list;
}

nlohmann::json explain_json(const policy::GatheredEvidence& g, const policy::Decision& d) {
  const auto& e = g.evidence;
  nlohmann::json j{{"domain", e.domain},
                   {"answer", to_string(d.answer)},
                   {"policy", d.policy},
                   {"source", to_string(d.source)},
                   {"reason", d.reason}};
  j["evidence"]["dane"] = {{"mx_rrset_secure", e.dane.mx_rrset_secure},
                           {"tlsa", tlsa_text(e.dane.tlsa)},
                           {"mx_with_tlsa", e.dane.mx_with_tlsa},
                           {"mx_without_tlsa", e.dane.mx_without_tlsa},
                           {"detail", e.dane.detail}};
  j["evidence"]["mta_sts"] = {{"note", g.sts_note}, {"id", e.sts.id}, {"from_cache", e.sts.from_cache}};
  if (e.sts.policy)
    j["evidence"]["mta_sts"]["policy"] = {{"mode", sts::to_string(e.sts.policy->mode)},
                                          {"mx", e.sts.policy->mx},
                                          {"max_age", e.sts.policy->max_age}};
  j["evidence"]["preload"] = {{"listed", e.preload.listed},
                              {"enforce", e.preload.mode == policy::PreloadEvidence::Mode::enforce},
                              {"mxs", e.preload.mxs},
                              {"list_expired", e.preload.list_expired}};
  j["evidence"]["local_rule"] = e.local_rule ? nlohmann::json{{"policy", e.local_rule->policy},
                                                              {"origin", e.local_rule->origin}}
                                             : nlohmann::json(nullptr);
  j["evidence"]["logs"] = e.logs.safe_level.empty()
                              ? nlohmann::json(nullptr)
                              : nlohmann::json{{"safe_level", e.logs.safe_level}, {"text", e.logs.text}};
  return j;
}

void explain_text(std::ostream& out, const policy::GatheredEvidence& g, const policy::Decision& d) {
  const auto& e = g.evidence;
  out << e.domain << "\n  answer:  " << to_string(d.answer) << (d.policy.empty() ? "" : " " + d.policy)
      << "\n  because: " << d.reason << " [" << to_string(d.source) << "]\n  evidence:\n"
      << "    DANE:      MX RRset " << (e.dane.mx_rrset_secure ? "DNSSEC-secure" : "not DNSSEC-secure") << "; "
      << tlsa_text(e.dane.tlsa) << " (with: " << list_or_dash(e.dane.mx_with_tlsa)
      << "; without: " << list_or_dash(e.dane.mx_without_tlsa) << ")"
      << (e.dane.detail.empty() ? "" : "; " + e.dane.detail) << "\n"
      << "    MTA-STS:   " << g.sts_note;
  if (e.sts.policy)
    out << "; mode " << sts::to_string(e.sts.policy->mode) << ", mx " << list_or_dash(e.sts.policy->mx) << ", max_age "
        << e.sts.policy->max_age;
  out << "\n    preload:   "
      << (e.preload.list_expired ? "list expired, ignored"
          : e.preload.listed
              ? std::string(e.preload.mode == policy::PreloadEvidence::Mode::enforce ? "enforce" : "testing") +
                    ", mxs " + list_or_dash(e.preload.mxs)
              : std::string("not listed"))
      << "\n    local:     " << (e.local_rule ? e.local_rule->policy + " (" + e.local_rule->origin + ")" : "-")
      << "\n    logs:      " << (e.logs.safe_level.empty() ? "-" : e.logs.safe_level + ": " + e.logs.text) << "\n\n";
}

}  // namespace

void PolicySources::add_to(CLI::App& cmd) {
  cmd.add_option("--config", config_file,
                 "mxtls serve's configuration file: \"option = value\" lines (the long options), [map NAME] "
                 "sections and a [rules] section (see mxtls serve --help); the command line wins over it")
      ->check(CLI::ExistingFile);
  cmd.add_option("--resolver-config", resolver_config, "An unbound.conf for the validating resolver")
      ->check(CLI::ExistingFile);
  cmd.add_option("--trust-anchor", trust_anchor, "DNSSEC trust anchor file")->check(CLI::ExistingFile);
  cmd.add_option("--ca-file", ca_file, "Trust these CAs (PEM) for MTA-STS policy hosts instead of the system store")
      ->check(CLI::ExistingFile);
  cmd.add_option("--timeout", timeout_seconds, "Seconds allowed for each DNS query and HTTPS fetch")
      ->capture_default_str()
      ->check(CLI::Range(0.1, 120.0));
  cmd.add_option("--cache", cache_file, "MTA-STS policy cache: a SQLite file (\":memory:\" for none), or Redis shared by a fleet: "
                 "redis://host:port/db or redis+unix:///path/to/socket")
      ->capture_default_str();
  cmd.add_option("--preload", preload_file, "STARTTLS Everywhere policy.json (verify its signature first)")
      ->check(CLI::ExistingFile);
  cmd.add_option("--rules", rules_file,
                 "Local rules: lines \"domain policy\" or \"domain @template\" (google, microsoft, yahoo, "
                 "fastmail, protonmail)")
      ->check(CLI::ExistingFile);
  cmd.add_option("--dane-level", dane_level, "Answer for DANE domains")
      ->capture_default_str()
      ->check(CLI::IsMember({"dane-only", "dane"}));
  cmd.add_option("--log-evidence", log_evidence_file,
                 "Opt in to log evidence: an `mxtls logs --json` report; a domain with nothing stronger gets the "
                 "level its delivery history proves (secure, verify or encrypt)")
      ->check(CLI::ExistingFile);
  cmd.add_option("--log-min-messages", log_thresholds.min_messages,
                 "Deliveries --log-evidence needs for a domain before it proves a level")
      ->capture_default_str();
  cmd.add_option("--log-min-days", log_thresholds.min_days,
                 "Days of history (first to last delivery) --log-evidence needs for a domain")
      ->capture_default_str()
      ->check(CLI::Range(0.0, 3650.0));
}

Result<std::shared_ptr<const policy::LogHistory>> PolicySources::read_log_history() const {
  if (log_evidence_file.empty()) return std::shared_ptr<const policy::LogHistory>();
  std::string error;
  auto text = read_file(log_evidence_file, policy::max_log_report_size, error);
  if (!text) return invalid_error(error);
  auto history = policy::parse_log_history(*text, log_thresholds, log_evidence_file);
  if (!history) return invalid_error(log_evidence_file + ": " + history.error().message);
  return std::make_shared<const policy::LogHistory>(std::move(*history));
}

std::shared_ptr<policy::StsStore> PolicySources::open_cache(std::string& error) const {
  return open_store(cache_file, error);
}

policy::NetworkToolsFactory PolicySources::tools_factory() const {
  auto timeout = std::chrono::milliseconds(static_cast<long>(timeout_seconds * 1000));
  return [config = resolver_config, anchor = trust_anchor, ca = ca_file, timeout]() -> Result<policy::NetworkTools> {
    auto resolver = dns::make_unbound_resolver({config, anchor, timeout});
    if (!resolver) return resolver.error();
    return policy::NetworkTools{std::move(*resolver), https::make_curl_fetcher({ca, timeout})};
  };
}

std::string PolicySources::load_into(policy::PolicyService& service, const policy::LocalRules& more_rules,
                                     std::string* notice) const {
  std::shared_ptr<const policy::PreloadList> preload;
  std::string error;
  if (!preload_file.empty()) {
    auto text = read_file(preload_file, policy::max_preload_list_size, error);
    if (!text) return error;
    auto list = policy::parse_preload_list(*text);
    if (!list) return preload_file + ": " + list.error().message;
    // A reload (SIGHUP) keeps the list in use rather than take an older or
    // expired one: a rollback would quietly drop newer entries. The rest of
    // the reload (rules, maps) still applies.
    if (auto current = service.preload_list()) {
      auto now = std::chrono::floor<std::chrono::seconds>(std::chrono::system_clock::now());
      auto accepted = policy::accept_update(*current, std::move(*list), now);
      if (accepted) {
        preload = std::make_shared<const policy::PreloadList>(std::move(*accepted));
      } else {
        preload = current;
        if (notice) *notice = preload_file + ": " + accepted.error().message + "; the preload list in use stays";
      }
    } else {
      preload = std::make_shared<const policy::PreloadList>(std::move(*list));
    }
  }
  policy::LocalRules rules;
  if (!rules_file.empty()) {
    auto text = read_file(rules_file, policy::max_rules_file_size, error);
    if (!text) return error;
    auto parsed = policy::parse_rules(*text, rules_file);
    if (!parsed) return parsed.error().message;
    rules = std::move(*parsed);
  }
  for (const auto& [domain, rule] : more_rules)
    if (auto [at, added] = rules.emplace(domain, rule); !added)
      return domain + " has two rules: " + at->second.origin + " and " + rule.origin;
  service.reload(preload, rules.empty() ? nullptr : std::make_shared<const policy::LocalRules>(std::move(rules)));
  return "";
}

void ServeCommand::add_to(CLI::App& app) {
  auto* cmd = app.add_subcommand("serve", "Answer Postfix smtp_tls_policy_maps lookups (socketmap daemon)");
  cmd->footer(
      "\nA socketmap daemon for Postfix's smtp_tls_policy_maps. For each next-hop domain Postfix asks about, it\n"
      "answers the strongest TLS policy the domain has published or earned, in this order:\n"
      "  1. DANE: DNSSEC-signed MX and usable TLSA records -> dane-only (dane if some MX has no TLSA);\n"
      "     a failed TLSA lookup under a signed MX -> TEMP, so the mail waits instead of going out unprotected.\n"
      "  2. MTA-STS in enforce mode -> secure match=<the policy's mx patterns> servername=hostname.\n"
      "  3. The STARTTLS Everywhere preload list (--preload), only when no MTA-STS policy was seen.\n"
      "  4. Local rules (--rules, and the [rules] section of --config); then, if --log-evidence names an\n"
      "     `mxtls logs --json` report, the level the domain's delivery history proves.\n"
      "  5. DNSSEC-signed TLSA records none of which is usable for SMTP -> dane (Postfix then requires\n"
      "     TLS there, unauthenticated: RFC 7672 2.2).\n"
      "  6. Otherwise NOTFOUND: Postfix's smtp_tls_security_level applies.\n"
      "MTA-STS policies are cached in --cache (SQLite or Redis) and kept until their max_age ends, even if a refresh fails.\n"
      "A lookup that needs network work longer than --lookup-timeout answers TEMP (Postfix retries later).\n\n"
      "Postfix main.cf:\n"
      "  smtp_tls_policy_maps = socketmap:inet:127.0.0.1:8461:tls\n"
      "  # or, with --unix /var/spool/postfix/private/mxtls:\n"
      "  smtp_tls_policy_maps = socketmap:unix:private/mxtls:tls\n\n"
      "Configuration file (--config): any long option as \"option = value\", then optional sections:\n"
      "  listen = 127.0.0.1:8461\n"
      "  cache = /var/lib/mxtls/policy-cache.sqlite\n"
      "  [map tls]            # socketmap:inet:127.0.0.1:8461:tls\n"
      "  dane-level = dane-only\n"
      "  [map lenient]\n"
      "  dane-level = dane\n"
      "  tlsrpt-attributes = no\n"
      "  [rules]              # as in a --rules file\n"
      "  partner.example  secure match=.partner.example\n"
      "  bigcorp.example  @microsoft\n"
      "A bad line refuses the whole file, naming the line.\n\n"
      "Signals: SIGHUP re-reads the --config maps and rules, --preload, --rules and --log-evidence, and forgets cached\n"
      "decisions (if anything cannot be read, the old configuration stays); other settings need a restart.\n"
      "SIGTERM stops.\n"
      "Logs one line per decision on stderr (--quiet: none).\n\n"
      "Example:\n"
      "  mxtls serve --listen 127.0.0.1:8461 --map tls --map lenient=dane --rules /etc/mxtls/rules");
  cmd_ = cmd;
  sources_.add_to(*cmd);
  cmd->add_option("--listen", listen_, "TCP address:port (\"none\" for no TCP)")->capture_default_str();
  cmd->add_option("--unix", unix_path_, "Also listen on this Unix socket path");
  cmd->add_option("--metrics", metrics_listen_, "Serve Prometheus counters over HTTP on ADDRESS:PORT");
  cmd->add_option("--map", maps_, "Map name Postfix asks for, optionally NAME=dane to answer dane, not dane-only")
      ->capture_default_str();
  cmd->add_option("--lookup-timeout", lookup_timeout_seconds_, "Seconds before a lookup answers TEMP")
      ->capture_default_str()
      ->check(CLI::Range(0.05, 60.0));
  cmd->add_option("--workers", workers_, "Threads doing DNS/HTTPS work: lookups needing the network at the same time (a hanging policy host holds one for --timeout)")->capture_default_str()->check(CLI::Range(1, 64));
  cmd->add_option("--max-clients", max_clients_, "Connections kept; beyond, the longest-idle is dropped")
      ->capture_default_str();
  cmd->add_option("--idle-timeout", idle_timeout_seconds_,
                  "Seconds a client may stay silent, or leave a request unfinished, before it is dropped")
      ->capture_default_str()
      ->check(CLI::Range(1, 86400));
  cmd->add_flag("--quiet", quiet_, "No log line per decision");
  cmd->add_flag("--tlsrpt-attributes", tlsrpt_attributes_,
                "Add Postfix 3.10+ TLSRPT attributes (policy_type=sts ...) to MTA-STS answers; Postfix 3.9 and "
                "older reject them");
  cmd->callback([this] { exit_status_ = run(); });
}

int ServeCommand::run() {
  socketmap::ServerOptions options;
  std::string error = sources_.read_config(*cmd_, config_);
  if (error.empty()) error = build_maps(config_, options.maps);
  if (!error.empty()) return std::cerr << "mxtls serve: " << error << "\n", 64;
  if (listen_ == "none") {
    options.tcp_port = 0;
  } else {
    auto colon = listen_.rfind(':');
    if (colon == std::string::npos) {
      std::cerr << "mxtls serve: --listen wants ADDRESS:PORT\n";
      return 64;
    }
    options.tcp_address = listen_.substr(0, colon);
    options.tcp_port = std::atoi(listen_.substr(colon + 1).c_str());
  }
  options.unix_path = unix_path_;
  if (!metrics_listen_.empty()) {
    auto colon = metrics_listen_.rfind(':');
    if (colon == std::string::npos) {
      std::cerr << "mxtls serve: --metrics wants ADDRESS:PORT\n";
      return 64;
    }
    options.metrics_address = metrics_listen_.substr(0, colon);
    options.metrics_port = std::atoi(metrics_listen_.substr(colon + 1).c_str());
  }
  options.lookup_timeout = std::chrono::milliseconds(static_cast<long>(lookup_timeout_seconds_ * 1000));
  options.max_clients = max_clients_;
  options.idle_timeout = std::chrono::seconds(idle_timeout_seconds_);
  options.workers = workers_;
  // Buffered: the server flushes after each batch of work (one write for many
  // lines under load), and a full buffer is written at once.
  auto log_buffer = std::make_shared<std::string>();
  options.flush_log = [log_buffer] {
    std::fwrite(log_buffer->data(), 1, log_buffer->size(), stderr);
    std::fflush(stderr);
    log_buffer->clear();
  };
  options.log = [log_buffer, flush = options.flush_log](const std::string& line) {
    log_buffer->append("mxtls-serve: ").append(line).push_back('\n');
    if (log_buffer->size() >= 64 * 1024) flush();
  };
  options.log_decisions = !quiet_;
  // Nothing serve does needs root (its default port is above 1024), and it
  // talks to hostile networks: say so rather than refuse, for quick trials.
  if (geteuid() == 0)
    options.log("warning: running as root; run it as an unprivileged user (dist/mxtls-serve.service does)");
  auto store = open_store(sources_.cache_file, error);
  if (!store) {
    std::cerr << "mxtls serve: " << error << "\n";
    return 3;
  }
  policy::ServiceOptions service_options;
  service_options.workers = workers_;
  policy::PolicyService service(sources_.tools_factory(), store, service_options);
  if (auto e = sources_.load_into(service, config_.rules); !e.empty()) {
    std::cerr << "mxtls serve: " << e << "\n";
    return 3;
  }
  auto log_history = sources_.read_log_history();
  if (!log_history) return std::cerr << "mxtls serve: " << log_history.error().message << "\n", 3;
  service.set_log_history(*log_history);
  options.on_reload = [this, &service](auto& maps) { return reload(service, maps); };
  int status = socketmap::run_server(service, options);
  options.flush_log();
  return status;
}

void PolicyCommand::add_to(CLI::App& app) {
  auto* cmd = app.add_subcommand("policy", "Explain the Postfix TLS policy for a domain, or build a static map of them");
  cmd->require_subcommand(1);
  auto* explain = cmd->add_subcommand("explain", "The decision for each DOMAIN, and the evidence behind it");
  explain->footer(
      "\nRuns the same engine as `mxtls serve` once per DOMAIN and prints the answer Postfix would get,\n"
      "the rule that produced it, and all the evidence (DANE, MTA-STS, preload list, local rules, and with\n"
      "--log-evidence the delivery history of an `mxtls logs --json` report, with its counts).\n"
      "With --config /etc/mxtls/serve.conf it uses serve's settings and rules, so it answers as serve does.\n\n"
      "Exit status: 0 answered, 3 at least one TEMP answer, 64 usage.\n\n"
      "Example:\n"
      "  mxtls policy explain --resolver-config testbed/run/unbound.conf --ca-file testbed/run/ca/root.pem "
      "dane.example");
  sources_.add_to(*explain);
  explain->add_option("domains", domains_, "Destination domains")->required();
  explain->add_flag("--json", json_, "One JSON document");
  explain->callback([this, explain] { exit_status_ = this->explain(*explain); });
  add_build(*cmd);
}

int PolicyCommand::explain(CLI::App& cmd) {
  policy::Config config;
  std::string error = sources_.read_config(cmd, config);
  if (!error.empty()) return std::cerr << "mxtls policy: " << error << "\n", 64;
  auto store = open_store(sources_.cache_file, error);
  if (!store) {
    std::cerr << "mxtls policy: " << error << "\n";
    return 3;
  }
  auto factory = sources_.tools_factory();
  policy::PolicyService service(factory, store, {.workers = 1});
  if (auto e = sources_.load_into(service, config.rules); !e.empty()) {
    std::cerr << "mxtls policy: " << e << "\n";
    return 3;
  }
  auto log_history = sources_.read_log_history();
  if (!log_history) return std::cerr << "mxtls policy: " << log_history.error().message << "\n", 3;
  service.set_log_history(*log_history);
  auto tools = factory();
  if (!tools) {
    std::cerr << "mxtls policy: " << tools.error().message << "\n";
    return 3;
  }
  policy::Options options = sources_.decision_options();
  nlohmann::json all = nlohmann::json::array();
  int status = 0;
  for (const auto& raw : domains_) {
    std::string domain = normalize_domain(raw);
    if (!is_valid_hostname(domain)) {
      std::cerr << "mxtls policy: not a domain name: " << printable(raw) << "\n";
      return 64;
    }
    auto gathered = service.gather(domain, *tools);
    auto decision = policy::decide(gathered.evidence, options);
    if (decision.answer == policy::Answer::temp) status = 3;
    if (json_) all.push_back(explain_json(gathered, decision));
    else explain_text(std::cout, gathered, decision);
  }
  if (json_) std::cout << nlohmann::json{{"schema_version", 1}, {"domains", all}}.dump(2) << "\n";
  return status;
}

}  // namespace mxtls::cli
