// `mxtls policy build`: a static Postfix TLS policy map and/or SQL rows for
// a list of domains, from the same engine as `mxtls serve`.
#include <unistd.h>

#include <condition_variable>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <mutex>
#include <nlohmann/json.hpp>

#include "policy/policy_map.hpp"
#include "policy_commands.hpp"
#include "base/text.hpp"

namespace mxtls::cli {
namespace {

bool read_text(const std::string& path, std::string& text) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return false;
  text.assign(std::istreambuf_iterator<char>(in), {});
  return true;
}

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

// Domains from arguments, a file (one per line, '#' comments) and the
// outbound recipient domains of an `mxtls logs --json` report.
bool collect_domains(std::vector<std::string>& domains, const std::string& file, const std::string& logs_json) {
  std::string text;
  if (!file.empty()) {
    if (!read_text(file, text)) return std::cerr << "mxtls policy build: cannot read " << file << "\n", false;
    for (auto line : split(text, '\n'))
      if (auto d = trim(line.substr(0, line.find('#'))); !d.empty()) domains.emplace_back(d);
  }
  if (!logs_json.empty()) {
    if (!read_text(logs_json, text)) return std::cerr << "mxtls policy build: cannot read " << logs_json << "\n", false;
    auto doc = nlohmann::json::parse(text, nullptr, false);
    if (doc.is_discarded() || !doc.contains("outbound"))
      return std::cerr << "mxtls policy build: " << logs_json << " is not an `mxtls logs --json` report\n", false;
    for (const auto& d : doc["outbound"].value("domains", nlohmann::json::array()))
      if (d.contains("domain") && d["domain"].is_string()) domains.push_back(d["domain"]);
  }
  std::vector<std::string> clean;
  for (const auto& d : domains) {
    std::string n = normalize_domain(d);
    if (!is_valid_hostname(n)) return std::cerr << "mxtls policy build: not a domain: " << printable(d) << "\n", false;
    if (std::find(clean.begin(), clean.end(), n) == clean.end()) clean.push_back(n);
  }
  domains = std::move(clean);
  return true;
}

struct Outcome {
  std::vector<policy::Decision> decisions;
  size_t done = 0;
  std::mutex mutex;
  std::condition_variable finished;
};

void decide_all(policy::PolicyService& service, const std::vector<std::string>& domains,
                const policy::Options& options, Outcome& outcome) {
  outcome.decisions.resize(domains.size());
  bool progress = isatty(STDERR_FILENO) && domains.size() > 1;
  for (size_t i = 0; i < domains.size(); ++i)
    service.lookup(domains[i], options, [&outcome, i, progress, total = domains.size()](const policy::Decision& d,
                                                                                        bool) {
      std::lock_guard lock(outcome.mutex);
      outcome.decisions[i] = d;
      if (++outcome.done == total) outcome.finished.notify_all();
      if (progress) std::cerr << "\rmxtls policy build: " << outcome.done << "/" << total << " domains" << std::flush;
    });
  std::unique_lock lock(outcome.mutex);
  outcome.finished.wait(lock, [&] { return outcome.done == domains.size(); });
  if (progress) std::cerr << "\n";
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
  if (!collect_domains(domains_, domain_file_, logs_json_)) return 3;
  if (domains_.empty()) {
    std::cerr << "mxtls policy build: no domains (arguments, --file or --from-logs)\n";
    return 64;
  }
  std::string error;
  auto store = sources_.open_cache(error);
  if (!store) return std::cerr << "mxtls policy build: " << error << "\n", 3;
  policy::PolicyService service(sources_.tools_factory(), store, {.workers = parallel_});
  if (auto e = sources_.load_into(service, config.rules); !e.empty())
    return std::cerr << "mxtls policy build: " << e << "\n", 3;
  auto log_history = sources_.read_log_history();
  if (!log_history) return std::cerr << "mxtls policy build: " << log_history.error().message << "\n", 3;
  service.set_log_history(*log_history);

  Outcome outcome;
  decide_all(service, domains_, sources_.decision_options(), outcome);

  policy::PolicyMap previous;
  std::string old_text;
  if (!map_file_.empty() && read_text(map_file_, old_text)) {
    auto parsed = policy::parse_map(old_text);
    if (!parsed) return std::cerr << "mxtls policy build: " << map_file_ << ": " << parsed.error().message << "\n", 3;
    previous = std::move(*parsed);
  }
  policy::PolicyMap next = previous;
  std::map<std::string, std::string> comments;
  std::vector<std::string> removed;
  size_t temp = 0;
  for (size_t i = 0; i < domains_.size(); ++i) {
    const auto& d = outcome.decisions[i];
    const auto& domain = domains_[i];
    if (d.answer == policy::Answer::ok) {
      next[domain] = d.policy;
      comments[domain] = std::string(to_string(d.source)) + ": " + d.reason;
    } else if (d.answer == policy::Answer::notfound) {
      next.erase(domain);
      removed.push_back(domain);
    } else {
      ++temp;
      std::cerr << "mxtls policy build: " << domain << ": TEMP (" << d.reason << "); "
                << (previous.contains(domain) ? "keeping the previous entry" : "no entry") << "\n";
    }
  }
  if (!map_file_.empty()) {
    std::string header = "Postfix TLS policy map generated by mxtls policy build (" +
                         std::to_string(domains_.size()) + " domains decided).\nmain.cf: smtp_tls_policy_maps = hash:" +
                         map_file_;
    if (!write_atomically(map_file_, policy::render_map(next, comments, header), error))
      return std::cerr << "mxtls policy build: " << error << "\n", 3;
    auto changes = policy::diff_maps(previous, next);
    for (const auto& line : changes) std::cout << line << "\n";
    std::cout << map_file_ << ": " << next.size() << " entries, " << changes.size() << " changed\n";
    if (run_postmap_ && std::system(("postmap '" + map_file_ + "'").c_str()) != 0)
      return std::cerr << "mxtls policy build: postmap " << map_file_ << " failed\n", 3;
  }
  if (!sql_file_.empty()) {
    policy::PolicyMap decided;
    for (size_t i = 0; i < domains_.size(); ++i)
      if (outcome.decisions[i].answer == policy::Answer::ok) decided[domains_[i]] = outcome.decisions[i].policy;
    if (!write_atomically(sql_file_, policy::render_sql(decided, removed), error))
      return std::cerr << "mxtls policy build: " << error << "\n", 3;
    std::cout << sql_file_ << ": " << decided.size() << " rows, " << removed.size() << " deletions\n";
  }
  return temp ? 1 : 0;
}

}  // namespace mxtls::cli
