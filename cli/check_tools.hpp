// The network tools of the check engine, one definition for `mxtls check`
// and `mxtls tlsrpt read --check` (cli/check_command.cpp).
#pragma once

#include <string>

#include "check/runner.hpp"

namespace mxtls::cli {

struct CheckNetOptions {
  std::string resolver_config, trust_anchor, ca_file;
  double timeout_seconds = 20;    // each SMTP conversation and HTTPS fetch
  double deadline_seconds = 120;  // per domain, 0: none
  std::string helo = "mxtls.invalid";
  int smtp_port = 25;
};

// A fresh resolver, fetcher and prober per worker thread (check_domains).
check::ToolsFactory check_tools(const CheckNetOptions& options);

}  // namespace mxtls::cli
