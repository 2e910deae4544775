// `mxtls serve` and `mxtls policy`: the policy engine for Postfix's
// smtp_tls_policy_maps, live (socketmap) or explained.
#pragma once

#include <CLI/CLI.hpp>
#include <memory>
#include <string>
#include <vector>

#include "policy/config.hpp"
#include "policy/log_evidence.hpp"
#include "policy/service.hpp"
#include "policy/setup.hpp"
#include "socketmap/server.hpp"

namespace mxtls::cli {

// Options shared by serve and policy: where evidence comes from.
struct PolicySources {
  std::string config_file;  // serve's configuration file
  std::string resolver_config;
  std::string trust_anchor;
  std::string ca_file;
  double timeout_seconds = 10;
  std::string cache_file = "/var/lib/mxtls/policy-cache.sqlite";
  std::string preload_file;
  std::string rules_file;
  std::string dane_level = "dane-only";
  std::string log_evidence_file;  // an `mxtls logs --json` report: opts in to log evidence
  policy::LogThresholds log_thresholds;

  void add_to(CLI::App& cmd);
  // Reads --config into `config` and gives `cmd` the settings it has options
  // for (in serve_config.cpp); an error message naming the line, or "".
  std::string read_config(CLI::App& cmd, policy::Config& config) const;
  // What policy::open_service needs, from these options; `more_rules` are
  // the config file's [rules], `workers` the threads doing network work.
  policy::ServiceSettings service_settings(const policy::LocalRules& more_rules, size_t workers) const;
  // The policy options the shared options ask for.
  policy::Options decision_options() const {
    // --dane-level is checked to be dane or dane-only when parsed.
    return {.dane_level = postfix::parse_dane_level(dane_level).value_or(postfix::Level::dane_only),
            .use_log_history = !log_evidence_file.empty()};
  }
};

class ServeCommand {
 public:
  void add_to(CLI::App& app);
  int exit_status() const { return exit_status_; }

 private:
  int run();
  // In serve_config.cpp.
  std::string build_maps(const policy::Config& config, std::map<std::string, socketmap::MapConfig>& maps) const;
  std::string reload(policy::PolicyService& service, std::map<std::string, socketmap::MapConfig>& maps);

  CLI::App* cmd_ = nullptr;
  policy::Config config_;  // as read at start (settings) or at the last reload
  PolicySources sources_;
  std::string listen_ = "127.0.0.1:8461";
  std::string unix_path_;
  std::string metrics_listen_;
  std::vector<std::string> maps_{"tls"};
  double lookup_timeout_seconds_ = 5;
  size_t workers_ = 8;
  size_t max_clients_ = 2048;
  int idle_timeout_seconds_ = 300;
  bool quiet_ = false;
  bool tlsrpt_attributes_ = false;
  std::string record_decisions_;  // --record-decisions FILE
  uint64_t record_max_bytes_ = 64ull << 20;
  std::string user_;  // --user: dropped to after binding
  bool allow_root_ = false;
  int exit_status_ = 0;
};

class PolicyCommand {
 public:
  void add_to(CLI::App& app);
  int exit_status() const { return exit_status_; }

 private:
  int explain(CLI::App& cmd);
  void add_build(CLI::App& policy_cmd);  // in policy_build.cpp
  int build(CLI::App& cmd);

  PolicySources sources_;
  std::vector<std::string> domains_;
  bool json_ = false;
  // build
  std::string domain_file_;
  std::string logs_json_;
  std::string map_file_;
  std::string sql_file_;
  bool run_postmap_ = false;
  size_t parallel_ = 8;
  int exit_status_ = 0;
};

}  // namespace mxtls::cli
