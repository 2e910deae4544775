#include "policy_commands.hpp"

#include <unistd.h>

#include <ctime>
#include <iostream>
#include <nlohmann/json.hpp>
#include <optional>

#include "base/privileges.hpp"
#include "base/text.hpp"
#include "base/time.hpp"
#include "policy/explain.hpp"
#include "socketmap/decision_recorder.hpp"
#include "socketmap/listen_address.hpp"
#include "socketmap/server.hpp"

namespace mxtls::cli {
namespace {

// The rules table (policy/decision.cpp), as every --help lists it.
std::string precedence_footer(const std::string& lead) {
  return lead + "\n" + policy::rules_precedence_text("  ");
}

// serve's --listen and --metrics: the checked parser, and the complaint
// that names the option and the address.
std::optional<socketmap::ListenAddress> listen_address(const std::string& option, const std::string& text) {
  auto parsed = socketmap::parse_listen_address(text);
  if (!parsed) {
    std::cerr << "mxtls serve: bad " << option << " address '" << printable(text) << "': " << parsed.error().message
              << "\n";
    return std::nullopt;
  }
  return std::move(*parsed);
}

// Issue 11.6: serve talks to hostile networks, so as root it needs --user
// (dropped to once its sockets are bound and its cache is open) or an
// explicit --allow-root. The user to become; nullopt: stay as we are.
Result<std::optional<UserIds>> serve_user(const std::string& name, bool allow_root) {
  bool root = geteuid() == 0;
  if (name.empty()) {
    if (root && !allow_root)
      return invalid_error("refusing to run as root: give --user NAME (serve drops to it after binding its sockets "
                           "and opening its cache) or --allow-root");
    return std::optional<UserIds>();
  }
  auto user = find_user(name);
  if (!user) return invalid_error("--user " + printable(name) + ": " + user.error().message);
  if (!root && user->uid == geteuid()) return std::optional<UserIds>();  // already that user
  if (!root) return invalid_error("--user " + printable(name) + " needs root to switch to it");
  return std::optional<UserIds>(std::move(*user));
}

// Switches to user once serve's sockets are bound, giving it the files
// opened as root first: the SQLite cache with its WAL, shared memory and
// marker, and the Unix socket (which Postfix must be able to write to).
std::function<std::string()> switch_to(const UserIds& user, const std::string& cache, const std::string& unix_path) {
  std::vector<std::string> files;
  if (cache != ":memory:" && !cache.empty() && cache.find("://") == std::string::npos)
    files = {cache, cache + "-wal", cache + "-shm", cache + ".created"};
  if (!unix_path.empty()) files.push_back(unix_path);
  return [user, files] {
    if (auto given = give_files_to(user, files); !given) return given.error().message;
    if (auto dropped = drop_privileges(user); !dropped) return dropped.error().message;
    return std::string();
  };
}

// serve's log: buffered, written after each batch of work (one write for
// many lines under load), and at once when the buffer is full.
void buffered_log(socketmap::ServerOptions& options) {
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

policy::ServiceSettings PolicySources::service_settings(const policy::LocalRules& more_rules, size_t workers) const {
  policy::ServiceSettings settings;
  settings.cache_url = cache_file;
  settings.resolver_config = resolver_config;
  settings.trust_anchor = trust_anchor;
  settings.ca_file = ca_file;
  settings.timeout = std::chrono::milliseconds(static_cast<long>(timeout_seconds * 1000));
  settings.preload_file = preload_file;
  settings.rules_file = rules_file;
  settings.more_rules = more_rules;
  settings.log_evidence_file = log_evidence_file;
  settings.log_thresholds = log_thresholds;
  settings.service.workers = workers;
  return settings;
}

// serve --help after the rules list: caching, fairness, root, Postfix lines,
// the configuration file, signals.
constexpr const char* serve_help_details =
    "MTA-STS policies are cached in --cache (SQLite or Redis) and kept until their max_age ends, even if a refresh fails.\n"
    "A lookup that needs network work longer than --lookup-timeout answers TEMP (Postfix retries later).\n"
    "The workers are shared in turn between clients (a TCP peer address, or a Unix socket peer user), at most\n"
    "half of them on one client's lookups while another waits, 256 queued per client; lookups whose client\n"
    "left or timed out are dropped unstarted. So a flood from elsewhere cannot starve Postfix: give Postfix\n"
    "the Unix socket if local users could flood 127.0.0.1.\n"
    "Started as root, serve needs --user NAME (it binds, opens the cache, then switches for good) or --allow-root.\n\n"
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
    "Decision record (for `mxtls tlsrpt generate --decisions`): --record-decisions FILE appends one JSON line\n"
    "per domain whenever its decision changes, and once an hour while it is asked for: time, domain, answer,\n"
    "policy, rule, and the policy a TLS report names (policy-type tlsa with the TLSA records, sts with the\n"
    "MTA-STS policy's lines and mx patterns, or no-policy-found). Lookups that timed out are not recorded. At\n"
    "--record-max-bytes FILE is renamed FILE.1 (replacing the older one) and a new FILE begins; FILE's directory\n"
    "must then be writable by --user. Write errors are logged once; serve keeps answering.\n\n"
    "Example:\n"
    "  mxtls serve --listen 127.0.0.1:8461 --map tls --map lenient=dane --rules /etc/mxtls/rules";

void ServeCommand::add_to(CLI::App& app) {
  auto* cmd = app.add_subcommand("serve", "Answer Postfix smtp_tls_policy_maps lookups (socketmap daemon)");
  cmd->footer(
      precedence_footer(
          "\nA socketmap daemon for Postfix's smtp_tls_policy_maps. For each next-hop domain Postfix asks about, it\n"
          "answers the strongest TLS policy the domain has published or earned: the first of these rules that\n"
          "applies decides (`mxtls policy explain` names it):") +
      serve_help_details);
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
  cmd->add_option("--user", user_,
                  "Started as root: bind the sockets and open the cache, then switch to this user for good "
                  "(the cache file and Unix socket are given to it)");
  cmd->add_flag("--allow-root", allow_root_, "Run as root without --user (refused otherwise)");
  cmd->add_flag("--quiet", quiet_, "No log line per decision");
  cmd->add_flag("--tlsrpt-attributes", tlsrpt_attributes_,
                "Add Postfix 3.10+ TLSRPT attributes (policy_type=sts ...) to MTA-STS answers; Postfix 3.9 and "
                "older reject them");
  cmd->add_option("--record-decisions", record_decisions_,
                  "Append each domain's decision and its TLS-RPT policy evidence to FILE, as JSON lines, when it "
                  "changes (and hourly), for `mxtls tlsrpt generate --decisions`");
  cmd->add_option("--record-max-bytes", record_max_bytes_, "Size at which FILE is rotated to FILE.1")
      ->capture_default_str()
      ->check(CLI::Range(uint64_t{4096}, uint64_t{1} << 40));
  cmd->callback([this] { exit_status_ = run(); });
}

int ServeCommand::run() {
  socketmap::ServerOptions options;
  std::string error = sources_.read_config(*cmd_, config_);
  if (error.empty()) error = build_maps(config_, options.maps);
  if (!error.empty()) return std::cerr << "mxtls serve: " << error << "\n", 64;
  // Checked before anything starts: a typo must not leave a daemon listening on nothing.
  if (listen_ == "none") {
    options.tcp_port = 0;
  } else {
    auto tcp = listen_address("--listen", listen_);
    if (!tcp) return 64;
    options.tcp_address = tcp->host;
    options.tcp_port = tcp->port;
  }
  options.unix_path = unix_path_;
  if (!metrics_listen_.empty()) {
    auto metrics = listen_address("--metrics", metrics_listen_);
    if (!metrics) return 64;
    options.metrics_address = metrics->host;
    options.metrics_port = metrics->port;
  }
  options.lookup_timeout = std::chrono::milliseconds(static_cast<long>(lookup_timeout_seconds_ * 1000));
  options.max_clients = max_clients_;
  options.idle_timeout = std::chrono::seconds(idle_timeout_seconds_);
  options.workers = workers_;
  buffered_log(options);
  options.log_decisions = !quiet_;
  std::unique_ptr<socketmap::DecisionRecorder> recorder;
  if (!record_decisions_.empty()) {
    recorder = std::make_unique<socketmap::DecisionRecorder>(record_decisions_, record_max_bytes_, options.log);
    options.on_decision = [&recorder](const std::string& domain, const policy::Decision& d) {
      recorder->record(domain, d, std::time(nullptr));
    };
  }
  auto user = serve_user(user_, allow_root_);
  if (!user) return std::cerr << "mxtls serve: " << user.error().message << "\n", 64;
  if (*user) {
    options.after_listen = switch_to(**user, sources_.cache_file, unix_path_);
    options.user_name = (*user)->name;
  } else if (geteuid() == 0) {
    options.log("warning: running as root (--allow-root); prefer --user NAME (dist/mxtls-serve.service runs it "
                "unprivileged)");
  }
  auto open = policy::open_service(sources_.service_settings(config_.rules, workers_));
  if (!open) return std::cerr << "mxtls serve: " << open.error().message << "\n", 3;
  auto& service = *open->service;
  if (!open->notice.empty()) options.log(open->notice);
  if (open->cache_loss)
    options.cache_lost = open->cache_loss->why + " (found " +
                         format_rfc3339(open->cache_loss->since.time_since_epoch().count()) + ")";
  options.on_reload = [this, &service](auto& maps) { return reload(service, maps); };
  int status = socketmap::run_server(service, options);
  options.flush_log();
  return status;
}

void PolicyCommand::add_to(CLI::App& app) {
  auto* cmd = app.add_subcommand("policy", "Explain the Postfix TLS policy for a domain, or build a static map of them");
  cmd->require_subcommand(1);
  cmd->footer(precedence_footer("\nThe rules, as `mxtls serve` applies them: the first that applies decides."));
  auto* explain = cmd->add_subcommand("explain", "The decision for each DOMAIN, and the evidence behind it");
  explain->footer(
      "\nRuns the same engine as `mxtls serve` once per DOMAIN and prints the answer Postfix would get,\n"
      "the rule that produced it (by name, below), and all the evidence (DANE, MTA-STS, preload list, local\n"
      "rules, and with --log-evidence the delivery history of an `mxtls logs --json` report, with its counts).\n"
      "With --config /etc/mxtls/serve.conf it uses serve's settings and rules, so it answers as serve does.\n" +
      precedence_footer("\nThe rules, in order: the first that applies decides.") +
      "\nExit status: 0 answered, 3 at least one TEMP answer (or the resolver or cache could not be set up), 64\n"
      "usage or a --preload, --rules or --config file that does not parse.\n\n"
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
  auto settings = sources_.service_settings(config.rules, 1);
  settings.caller_tools = true;
  auto open = policy::open_service(settings);
  // A preload list, rules or cache file that does not parse is the caller's
  // input (64); a resolver or cache that cannot be set up is trouble (3).
  if (!open)
    return std::cerr << "mxtls policy: " << open.error().message << "\n",
           open.error().kind == ErrorKind::invalid ? 64 : 3;
  policy::Options options = sources_.decision_options();
  nlohmann::json all = nlohmann::json::array();
  int status = 0;
  for (const auto& raw : domains_) {
    std::string domain = normalize_domain(raw);
    if (!is_valid_hostname(domain)) {
      std::cerr << "mxtls policy: not a domain name: " << printable(raw) << "\n";
      return 64;
    }
    auto gathered = open->service->gather(domain, *open->tools);
    auto decision = policy::decide(gathered.evidence, options);
    if (decision.answer == policy::Answer::temp) status = 3;
    if (json_) all.push_back(policy::explain_json(gathered, decision));
    else policy::explain_text(std::cout, gathered, decision);
  }
  if (json_) std::cout << nlohmann::json{{"schema_version", 1}, {"domains", all}}.dump(2) << "\n";
  return status;
}

}  // namespace mxtls::cli
