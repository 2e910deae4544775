#pragma once

#include <CLI/CLI.hpp>
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace mxtls::postfix {
struct SetupOptions;
}

namespace mxtls::tlsrpt {
class AttemptsByDay;
class DecisionHistory;
class SentLog;
struct Report;
struct Overview;
}  // namespace mxtls::tlsrpt
namespace mxtls::policy {
struct OpenService;
}  // namespace mxtls::policy

namespace mxtls::cli {

// Syslog stamps are local time: converts them to UTC (cli/logs_command.cpp).
std::function<int64_t(int64_t)> local_time_converter();

class CheckCommand {
 public:
  void add_to(CLI::App& app);
  int exit_status() const { return exit_status_; }

 private:
  int run();

  std::vector<std::string> domains_;
  std::string domain_file_;
  bool json_ = false;
  bool verbose_ = false;
  bool no_colour_ = false;
  std::string resolver_config_;
  std::string trust_anchor_;
  std::string ca_file_;
  double timeout_seconds_ = 20;
  double deadline_seconds_ = 120;  // per domain (issue 11.12)
  size_t parallel_ = 8;
  int smtp_port_ = 25;
  std::string helo_ = "mxtls.invalid";
  int exit_status_ = 0;
};

class LogsCommand {
 public:
  void add_to(CLI::App& app);
  int exit_status() const { return exit_status_; }

 private:
  int run();

  std::vector<std::string> files_;
  bool json_ = false;
  bool csv_ = false;
  std::string html_file_;
  std::string sort_ = "plaintext";
  int year_ = 0;
  bool utc_ = false;
  bool skip_local_ = false;
  bool keep_order_ = false;
  uint64_t min_messages_ = 10;
  double min_days_ = 7;
  size_t max_rows_ = 50;
  uint64_t max_peers_ = 0;
  bool no_colour_ = false;
  bool no_progress_ = false;
  unsigned threads_ = 0;  // 0: automatic
  int exit_status_ = 0;
};

// `mxtls tlsrpt ingest` and `mxtls tlsrpt read`: the SMTP TLS reports
// (RFC 8460) that senders mail to the domain's _smtp._tls address.
// The options of `mxtls tlsrpt generate`.
struct TlsrptGenerateOptions {
  std::vector<std::string> logs;
  std::string day, org, submitter, contact, from;
  std::string out_dir;
  bool send = false;
  std::string sendmail = "/usr/sbin/sendmail";
  std::string sent_db;
  std::string rua_map;
  std::vector<std::string> decisions;  // --decisions: serve's decision records
  bool no_policy_lookup = false;
  std::string resolver_config, trust_anchor, ca_file;
  double timeout_seconds = 10;
  int year = 0;
  bool utc = false;
};

// `mxtls tlsrpt read --check`: the check engine's settings (cli/tlsrpt_check.cpp).
struct TlsrptCheckOptions {
  bool enabled = false;
  std::string resolver_config, trust_anchor, ca_file;
  double timeout_seconds = 20, deadline_seconds = 120;
  size_t parallel = 8;
};

class TlsrptCommand {
 public:
  void add_to(CLI::App& app);
  int exit_status() const { return exit_status_; }

 private:
  int ingest();
  int read(const CLI::App& cmd);
  // --check (cli/tlsrpt_check.cpp): the options, and the report printed with the re-check.
  void add_check_options(CLI::App& read);
  int print_rechecked(const tlsrpt::Overview& overview, const std::vector<tlsrpt::Report>& reports, int status);
  // `mxtls tlsrpt generate` (cli/tlsrpt_generate.cpp).
  void add_generate(CLI::App& tlsrpt_cmd);
  int generate();
  int report_all(const tlsrpt::AttemptsByDay& days, std::optional<int64_t> only_day,
                 const std::map<std::string, std::vector<std::string>>* rua_map, policy::OpenService* open,
                 const tlsrpt::DecisionHistory& history, tlsrpt::SentLog* sent, int status);

  std::string database_;
  std::vector<std::string> inputs_;
  bool json_ = false;
  std::string html_file_;
  std::string since_;
  std::string resolver_config_;  // ingest: DKIM key lookups
  bool no_dkim_ = false, require_dkim_ = false;
  TlsrptGenerateOptions gen_;
  TlsrptCheckOptions check_;
  int exit_status_ = 0;
};

// mxtls postfix audit (cli/postfix_command.cpp).
class PostfixCommand {
 public:
  void add_to(CLI::App& app);
  int exit_status() const { return exit_status_; }

 private:
  int audit();
  void add_deploy_hook(CLI::App& postfix);
  int deploy_hook();
  int setup();
  void add_setup(CLI::App& postfix);
  int add_certbot_hook(postfix::SetupOptions& options);
  void add_rollover(CLI::App& postfix);  // cli/postfix_rollover.cpp
  int rollover_stage();
  int rollover_status();
  int rollover_switch();

  std::string config_dir_ = "/etc/postfix";
  // deploy-hook (cli/postfix_deploy_hook.cpp)
  std::string lineage_;
  std::vector<std::string> mx_hosts_;
  std::string install_dir_ = "/etc/mxtls/certs";
  std::string resolver_config_;
  std::string trust_anchor_;
  std::string postfix_program_ = "postfix";
  unsigned ttl_ = 3600;
  double timeout_seconds_ = 10;
  // rollover (cli/postfix_rollover.cpp; also the deploy hook's options above)
  std::string rollover_key_, rollover_chain_file_, rollover_cert_, rollover_chain_, rollover_domain_;
  bool force_ = false, allow_untrusted_ = false;
  // setup
  std::string cert_dir_, cert_file_, key_file_, domain_, resolv_conf_ = "/etc/resolv.conf";
  std::string audit_domain_;  // audit --domain
  std::string probe_key_ = "mxtls-probe.invalid";
  bool dry_run_ = false, yes_ = false, certbot_hook_ = false;
  std::string hooks_dir_ = "/etc/letsencrypt/renewal-hooks/deploy";
  std::vector<std::string> log_files_;
  std::string ca_file_;
  bool json_ = false;
  bool verbose_ = false;
  int expiry_warning_days_ = 21;
  int exit_status_ = 0;
};

// `mxtls publish DOMAIN` and `mxtls publish --verify DOMAIN`: the records a
// domain should publish (TLSA, MTA-STS, TLS-RPT) and whether they are live.
class PublishCommand {
 public:
  void add_to(CLI::App& app);
  int exit_status() const { return exit_status_; }

 private:
  int run();
  void add_network_options(CLI::App& cmd);

  std::string domain_;
  std::string cert_dir_;
  std::string cert_;
  std::string key_;
  std::string next_key_;
  std::string format_ = "zone";
  std::vector<std::string> only_;
  uint32_t ttl_ = 3600;
  std::string rua_;
  std::string webroot_;
  std::string server_;
  std::string zone_;
  bool verify_ = false;
  bool verbose_ = false;
  std::string sts_mode_ = "testing";
  uint32_t enforce_max_age_ = 1209600;  // publish::default_enforce_max_age
  std::string tlsrpt_db_;
  std::string reports_since_;
  bool without_reports_ = false;
  std::string resolver_config_;
  std::string trust_anchor_;
  std::string ca_file_;
  double timeout_seconds_ = 20;
  int smtp_port_ = 25;
  std::string helo_ = "mxtls.invalid";
  int exit_status_ = 0;
};

}  // namespace mxtls::cli
