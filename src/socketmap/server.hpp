// `mxtls serve`: Postfix's socketmap protocol over TCP and a Unix socket,
// answering smtp_tls_policy_maps lookups from the policy service.
#pragma once

#include <chrono>
#include <functional>
#include <map>
#include <string>

#include "policy/service.hpp"

namespace mxtls::socketmap {

struct MapConfig {
  policy::Options options;  // e.g. dane_level
};

struct ServerOptions {
  std::string tcp_address = "127.0.0.1";
  int tcp_port = 8461;  // 0: no TCP listener
  std::string unix_path;  // empty: no Unix socket
  std::string metrics_address = "127.0.0.1";
  int metrics_port = 0;  // 0: no Prometheus endpoint
  std::map<std::string, MapConfig> maps{{"tls", {}}};
  std::chrono::milliseconds lookup_timeout{5000};  // then TEMP, so Postfix never hangs
  std::chrono::seconds idle_timeout{300};
  size_t max_clients = 2048;  // beyond it, the longest-idle client is dropped
  size_t workers = 8;         // the service's threads, for the open-file budget
  // Called on SIGHUP, in the server's thread, with the maps in force, which
  // it may replace; returns a message for the log.
  std::function<std::string(std::map<std::string, MapConfig>& maps)> on_reload;
  // Lines for the log: listening, reloads, dropped clients, and one per
  // decision unless log_decisions is off (then they are not even built).
  std::function<void(const std::string&)> log;
  std::function<void()> flush_log;  // optional: log may buffer until this is called
  bool log_decisions = true;
  // Called with each decision answered (cached ones too), in the server's
  // thread: `--record-decisions` (DecisionRecorder). Must be quick.
  std::function<void(const std::string& domain, const policy::Decision&)> on_decision;
  // The MTA-STS policy cache was found lost (empty or gone) at start: why,
  // logged at start and exposed as mxtls_policy_cache_lost 1; "" if not.
  std::string cache_lost;
  // Run once the listeners are bound, before any client is served: e.g.
  // dropping root (--user). A non-empty result is an error: the server
  // stops with it (exit 1).
  std::function<std::string()> after_listen;
  std::string user_name;  // for the log line after after_listen ran
};

// Runs until SIGTERM or SIGINT. Returns 0 on a clean stop, 1 if a listener
// could not be opened or after_listen failed (message on stderr).
int run_server(policy::PolicyService& service, const ServerOptions& options);

}  // namespace mxtls::socketmap
