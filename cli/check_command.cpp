#include <unistd.h>

#include <fstream>
#include <iostream>
#include <map>

#include "check/runner.hpp"
#include "check_tools.hpp"
#include "commands.hpp"
#include "check/report.hpp"
#include "base/text.hpp"

namespace mxtls::cli {

namespace {

// The peer-policy rules, in order, as the report names them.
std::string peer_policy_rules_text() {
  std::vector<NamedItem> items;
  for (const auto& rule : check::peer_policy_rules()) items.push_back({rule.name, rule.summary});
  return numbered_list(items, "  ");
}

}  // namespace

void CheckCommand::add_to(CLI::App& app) {
  auto* cmd = app.add_subcommand("check", "Test the inbound mail transport security of domains");
  cmd->footer(
      "\nTest the inbound mail transport security of each DOMAIN, as a sending mail server sees it.\n\n"
      "For every MX host and address: connect to port 25, read the banner, EHLO, STARTTLS, complete the TLS\n"
      "handshake, probe each TLS version and DHE group size, verify the certificate chain, name and expiry.\n"
      "Then DANE (TLSA under DNSSEC, verified with OpenSSL's DANE code), MTA-STS (TXT record and HTTPS policy,\n"
      "RFC 8461 rules), TLS-RPT, consistency across MX hosts, and the Postfix TLS policy that peers could apply\n"
      "(dane-only, secure, verify, encrypt, may).\n\n"
      "Each finding says what is wrong, why it matters and the exact fix.\n\n"
      "The policy for peers comes from the same rules as `mxtls serve` (see mxtls serve --help), fed with the\n"
      "DNS and MTA-STS evidence check gathered; the report prints serve's answer and rule beside it. The first\n"
      "of these peer-policy rules that applies decides:\n" +
      peer_policy_rules_text() + "\n"
      "Exit status: 0 all good, 1 warnings, 2 errors, 3 could not test (DNS failure, bad input), 64 usage.\n\n"
      "Examples:\n"
      "  mxtls check example.org\n"
      "  mxtls check --json --parallel 16 --file domains.txt > report.json\n"
      "  mxtls check --resolver-config testbed/run/unbound.conf --ca-file testbed/run/ca/root.pem good.example");
  cmd->add_option("domains", domains_, "Domains to test");
  cmd->add_option("-f,--file", domain_file_, "Read domains from FILE, one per line ('#' comments), '-' for stdin");
  cmd->add_flag("--json", json_, "Print one JSON document (schema: docs/check-json.md) instead of the report");
  cmd->add_flag("-v,--verbose", verbose_, "Also list the checks that passed");
  cmd->add_flag("--no-color", no_colour_, "No colour, even on a terminal");
  cmd->add_option("--resolver-config", resolver_config_,
                  "An unbound.conf for the validating resolver (root hints, trust anchors, forwarders); "
                  "default: /etc/resolv.conf and the system's root trust anchor")
      ->check(CLI::ExistingFile);
  cmd->add_option("--trust-anchor", trust_anchor_, "DNSSEC trust anchor file (DS or DNSKEY records)")
      ->check(CLI::ExistingFile);
  cmd->add_option("--ca-file", ca_file_, "Trust these CA certificates (PEM) instead of the system store")
      ->check(CLI::ExistingFile);
  cmd->add_option("--timeout", timeout_seconds_, "Seconds allowed for each SMTP conversation and HTTPS fetch")
      ->capture_default_str()
      ->check(CLI::Range(0.1, 600.0));
  cmd->add_option("--deadline", deadline_seconds_,
                  "Seconds allowed for one domain; probes after it (and MX hosts beyond the first 10, addresses "
                  "beyond the first 4 of a host) are reported as not tested, 0: no deadline")
      ->capture_default_str()
      ->check(CLI::Range(0.0, 3600.0));
  cmd->add_option("--parallel", parallel_, "Domains tested at the same time")->capture_default_str()->check(CLI::Range(1, 256));
  cmd->add_option("--helo", helo_, "Name sent in EHLO")->capture_default_str();
  cmd->add_option("--smtp-port", smtp_port_, "SMTP port (testing only; mail servers listen on 25)")
      ->capture_default_str()
      ->check(CLI::Range(1, 65535));
  cmd->callback([this] { exit_status_ = run(); });
}

namespace {

bool read_domain_file(const std::string& path, std::vector<std::string>& domains) {
  std::ifstream file;
  std::istream* in = &std::cin;
  if (path != "-") {
    file.open(path);
    if (!file) return false;
    in = &file;
  }
  for (std::string line; std::getline(*in, line);) {
    auto entry = trim(std::string_view(line).substr(0, line.find('#')));
    if (!entry.empty()) domains.emplace_back(entry);
  }
  return true;
}

}  // namespace

check::ToolsFactory check_tools(const CheckNetOptions& options) {
  return [options]() -> Result<check::WorkerTools> {
    auto timeout = std::chrono::milliseconds(static_cast<long>(options.timeout_seconds * 1000));
    auto resolver = dns::make_unbound_resolver({options.resolver_config, options.trust_anchor, timeout});
    if (!resolver) return resolver.error();
    smtp::Options smtp_options{timeout, options.helo, options.ca_file};
    check::Limits limits;
    limits.deadline = std::chrono::milliseconds(static_cast<long>(options.deadline_seconds * 1000));
    return check::WorkerTools{std::move(*resolver), https::make_curl_fetcher({options.ca_file, timeout}),
                              check::make_network_prober(smtp_options, static_cast<uint16_t>(options.smtp_port)),
                              limits};
  };
}

int CheckCommand::run() {
  if (!domain_file_.empty() && !read_domain_file(domain_file_, domains_)) {
    std::cerr << "mxtls check: cannot read " << domain_file_ << "\n";
    return 3;
  }
  if (domains_.empty()) {
    std::cerr << "mxtls check: no domain given (see mxtls check --help)\n";
    return 64;
  }
  auto tools = check_tools({resolver_config_, trust_anchor_, ca_file_, timeout_seconds_, deadline_seconds_, helo_,
                            smtp_port_});

  bool colour = !no_colour_ && isatty(STDOUT_FILENO) && !getenv("NO_COLOR");
  bool progress = isatty(STDERR_FILENO) && domains_.size() > 1;
  std::vector<std::optional<check::DomainReport>> reports(domains_.size());
  size_t printed = 0, done = 0;
  int status = 0;
  auto on_report = [&](size_t index, check::DomainReport&& report) {
    status = std::max(status, report.exit_status());
    reports[index] = std::move(report);
    ++done;
    if (progress) std::cerr << "\r" << done << "/" << domains_.size() << " domains checked" << std::flush;
    if (json_) return;
    for (; printed < reports.size() && reports[printed]; ++printed) {  // keep the input order
      if (progress) std::cerr << "\r\033[K";
      std::cout << report::render_text(*reports[printed], colour, verbose_) << "\n" << std::flush;
    }
  };
  auto ran = check::check_domains(domains_, parallel_, tools, on_report);
  if (progress) std::cerr << "\r\033[K";
  if (!ran) {
    std::cerr << "mxtls check: " << ran.error().message << "\n";
    return 3;
  }
  if (json_) {
    std::vector<check::DomainReport> all;
    for (auto& r : reports) all.push_back(std::move(*r));
    std::cout << report::to_json_document(all).dump(2) << "\n";
  }
  return status;
}

}  // namespace mxtls::cli
