// `mxtls tlsrpt read --check`: each policy domain the reports' failure
// details name is checked again with the engine of `mxtls check`
// (check::check_domains, the same tools), and each failure type at each MX
// host is judged still there, gone, or not to be told
// (check/tlsrpt_recheck).
#include <iostream>
#include <map>

#include "check/report.hpp"
#include "check/tlsrpt_recheck.hpp"
#include "check_tools.hpp"
#include "commands.hpp"
#include "tlsrpt/overview.hpp"

namespace mxtls::cli {

void TlsrptCommand::add_check_options(CLI::App& read) {
  auto* check = read.add_flag("--check", check_.enabled,
                              "Check each policy domain the failures name again (as mxtls check does) and say, per "
                              "failure type and MX host, whether the problem is still there");
  auto needs_check = [&](CLI::Option* option) { option->needs(check); };
  // Not only --check's: read FILE... looks up the DKIM keys of mailed reports with it too.
  read.add_option("--resolver-config", check_.resolver_config,
                  "An unbound.conf for the resolver: the DKIM keys of mailed reports in FILE... and --check's lookups "
                  "(default: /etc/resolv.conf)")
      ->check(CLI::ExistingFile);
  needs_check(read.add_option("--trust-anchor", check_.trust_anchor, "With --check: DNSSEC trust anchor file")
                  ->check(CLI::ExistingFile));
  needs_check(read.add_option("--ca-file", check_.ca_file, "With --check: trust these CA certificates (PEM)")
                  ->check(CLI::ExistingFile));
  needs_check(read.add_option("--timeout", check_.timeout_seconds,
                              "With --check: seconds for each SMTP conversation and HTTPS fetch")
                  ->capture_default_str()
                  ->check(CLI::Range(0.1, 600.0)));
  needs_check(read.add_option("--deadline", check_.deadline_seconds, "With --check: seconds for one domain, 0: none")
                  ->capture_default_str()
                  ->check(CLI::Range(0.0, 3600.0)));
  needs_check(read.add_option("--parallel", check_.parallel, "With --check: domains checked at the same time")
                  ->capture_default_str()
                  ->check(CLI::Range(1, 256)));
}

int TlsrptCommand::print_rechecked(const tlsrpt::Overview& overview, const std::vector<tlsrpt::Report>& reports,
                                   int status) {
  size_t left_out = 0;
  auto failures = check::reported_failures(reports, &left_out);
  auto domains = check::domains_of(failures);
  std::map<std::string, check::DomainReport> checked;
  auto on_report = [&](size_t index, check::DomainReport&& report) { checked[domains[index]] = std::move(report); };
  CheckNetOptions net{check_.resolver_config, check_.trust_anchor, check_.ca_file, check_.timeout_seconds,
                      check_.deadline_seconds};
  if (!domains.empty())
    if (auto ran = check::check_domains(domains, check_.parallel, check_tools(net), on_report); !ran) {
      std::cerr << "mxtls tlsrpt read: --check: " << ran.error().message << "\n";
      return 3;  // as mxtls check: could not test
    }
  std::vector<check::RecheckResult> results;
  for (const auto& failure : failures) {
    auto now = checked.find(failure.domain);
    results.push_back(now != checked.end()
                          ? check::recheck(failure, now->second)
                          : check::RecheckResult{failure, check::RecheckVerdict::unknown, std::nullopt, "not checked"});
  }
  if (json_) {
    auto doc = tlsrpt::overview_json(overview);
    doc["recheck"] = check::recheck_json(results, left_out);
    std::cout << doc.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) << "\n";
  } else {
    std::cout << tlsrpt::render_text(overview) << check::render_recheck_text(results, left_out);
  }
  return status;
}

}  // namespace mxtls::cli
