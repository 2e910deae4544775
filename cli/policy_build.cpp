// `mxtls policy build`: a static Postfix TLS policy map and/or SQL rows for
// a list of domains, from the same engine as `mxtls serve`.
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>

#include "policy/build.hpp"
#include "policy/policy_map.hpp"
#include "policy_commands.hpp"

namespace mxtls::cli {
namespace {

// Writes next to the target and renames over it: readers (postmap, Postfix)
// see the old file or the new one, never half of one.
bool write_atomically(const std::string& path, const std::string& text, std::string& error) {
  std::string tmp = path + ".tmp." + std::to_string(getpid());
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    out << text;
    out.flush();
    if (!out) {
      error = "cannot write " + tmp;
      std::remove(tmp.c_str());
      return false;
    }
  }
  std::error_code ec;
  std::filesystem::rename(tmp, path, ec);
  if (ec) {
    error = "cannot replace " + path + ": " + ec.message();
    std::remove(tmp.c_str());
    return false;
  }
  return true;
}

// The decisions' progress on a terminal, for more than one domain.
policy::BuildProgress progress_line(size_t domains) {
  if (!isatty(STDERR_FILENO) || domains <= 1) return {};
  return [](size_t done, size_t total) {
    std::cerr << "\rmxtls policy build: " << done << "/" << total << " domains" << std::flush;
  };
}

}  // namespace

void PolicyCommand::add_build(CLI::App& policy_cmd) {
  auto* build = policy_cmd.add_subcommand("build", "Write a static Postfix TLS policy map and/or SQL rows");
  build->footer(
      "\nDecides each domain with the same engine as `mxtls serve` (DANE, MTA-STS, preload list, local rules)\n"
      "and writes the answers that are not NOTFOUND:\n"
      "  --map FILE   a map for smtp_tls_policy_maps (\"domain<TAB>policy\", a comment with the reason above\n"
      "               each), replaced atomically; the changes against the previous FILE are printed. A domain\n"
      "               whose lookup failed temporarily, or that is not in this run, keeps its previous entry.\n"
      "  --sql FILE   SQL (SQLite and PostgreSQL) for a table tlspolicies(domain, policy, params).\n"
      "Domains come from the arguments, --file, and/or --from-logs (the outbound domains of `mxtls logs --json`).\n"
      "To also use the report's delivery history as evidence (opt-in), give it as --log-evidence too.\n\n"
      "Exit status: 0 written, 1 written but some domains answered TEMP, 3 nothing written, 64 usage.\n\n"
      "Examples:\n"
      "  mxtls logs --json /var/log/mail.log* > logs.json\n"
      "  mxtls policy build --from-logs logs.json --map /etc/postfix/tls_policy --postmap\n"
      "  # main.cf: smtp_tls_policy_maps = hash:/etc/postfix/tls_policy");
  sources_.add_to(*build);
  build->add_option("domains", domains_, "Destination domains");
  build->add_option("-f,--file", domain_file_, "Read domains from FILE, one per line");
  build->add_option("--from-logs", logs_json_,
                    "Use the outbound domains of an `mxtls logs --json` report");
  build->add_option("--map", map_file_, "Write the Postfix map here");
  build->add_option("--sql", sql_file_, "Write SQL rows here");
  build->add_flag("--postmap", run_postmap_, "Run `postmap FILE` after writing the map");
  build->add_option("--parallel", parallel_, "Domains decided at the same time")->capture_default_str()->check(CLI::Range(1, 64));
  build->callback([this, build] { exit_status_ = this->build(*build); });
}

int PolicyCommand::build(CLI::App& cmd) {
  policy::Config config;
  if (auto e = sources_.read_config(cmd, config); !e.empty()) return std::cerr << "mxtls policy build: " << e << "\n", 64;
  if (map_file_.empty() && sql_file_.empty()) {
    std::cerr << "mxtls policy build: give --map FILE and/or --sql FILE\n";
    return 64;
  }
  auto domains = policy::collect_domains(domains_, domain_file_, logs_json_);
  if (!domains) return std::cerr << "mxtls policy build: " << domains.error().message << "\n", 3;
  if (domains->empty()) {
    std::cerr << "mxtls policy build: no domains (arguments, --file or --from-logs)\n";
    return 64;
  }
  auto open = policy::open_service(sources_.service_settings(config.rules, parallel_));
  if (!open) return std::cerr << "mxtls policy build: " << open.error().message << "\n", 3;
  auto progress = progress_line(domains->size());
  auto decisions = policy::decide_all(*open->service, *domains, sources_.decision_options(), progress);
  if (progress) std::cerr << "\n";

  policy::PolicyMap previous;
  if (!map_file_.empty()) {
    auto read = policy::read_previous_map(map_file_);
    if (!read) return std::cerr << "mxtls policy build: " << read.error().message << "\n", 3;
    previous = std::move(*read);
  }
  auto update = policy::merge_decisions(previous, *domains, decisions);
  for (const auto& t : update.temp)
    std::cerr << "mxtls policy build: " << t.domain << ": TEMP (" << t.reason << "); "
              << (t.kept_previous ? "keeping the previous entry" : "no entry") << "\n";
  std::string error;
  if (!map_file_.empty()) {
    std::string header = "Postfix TLS policy map generated by mxtls policy build (" +
                         std::to_string(domains->size()) + " domains decided).\nmain.cf: smtp_tls_policy_maps = hash:" +
                         map_file_;
    if (!write_atomically(map_file_, policy::render_map(update.next, update.comments, header), error))
      return std::cerr << "mxtls policy build: " << error << "\n", 3;
    auto changes = policy::diff_maps(previous, update.next);
    for (const auto& line : changes) std::cout << line << "\n";
    std::cout << map_file_ << ": " << update.next.size() << " entries, " << changes.size() << " changed\n";
    if (run_postmap_)
      if (auto ran = policy::run_postmap(map_file_); !ran)
        return std::cerr << "mxtls policy build: " << ran.error().message << "\n", 3;
  }
  if (!sql_file_.empty()) {
    if (!write_atomically(sql_file_, policy::render_sql(update.decided, update.removed), error))
      return std::cerr << "mxtls policy build: " << error << "\n", 3;
    std::cout << sql_file_ << ": " << update.decided.size() << " rows, " << update.removed.size() << " deletions\n";
  }
  return update.temp.empty() ? 0 : 1;
}

}  // namespace mxtls::cli
