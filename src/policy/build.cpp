#include "policy/build.hpp"

#include <algorithm>
#include <condition_variable>
#include <mutex>
#include <nlohmann/json.hpp>

#include "base/process.hpp"
#include "base/text.hpp"
#include "policy/setup.hpp"

namespace mxtls::policy {
namespace {

Result<bool> add_file_domains(std::vector<std::string>& domains, const std::string& path) {
  auto text = read_bounded_file(path, max_domain_file_size);
  if (!text) return text.error();
  for (auto line : split(*text, '\n'))
    if (auto d = trim(line.substr(0, line.find('#'))); !d.empty()) domains.emplace_back(d);
  return true;
}

Result<bool> add_report_domains(std::vector<std::string>& domains, const std::string& path) {
  auto text = read_log_report(path);
  if (!text) return text.error();
  auto doc = nlohmann::json::parse(*text, nullptr, false);
  if (doc.is_discarded() || !doc.is_object() || !doc.contains("outbound") || !doc["outbound"].is_object())
    return invalid_error(path + " is not an `mxtls logs --json` report");
  auto listed = doc["outbound"].value("domains", nlohmann::json::array());
  if (!listed.is_array()) return invalid_error(path + " is not an `mxtls logs --json` report");
  for (const auto& d : listed)
    if (d.is_object() && d.contains("domain") && d["domain"].is_string()) domains.push_back(d["domain"]);
  return true;
}

}  // namespace

Result<std::vector<std::string>> collect_domains(std::vector<std::string> domains, const std::string& domain_file,
                                                 const std::string& logs_report) {
  if (!domain_file.empty())
    if (auto added = add_file_domains(domains, domain_file); !added) return added.error();
  if (!logs_report.empty())
    if (auto added = add_report_domains(domains, logs_report); !added) return added.error();
  std::vector<std::string> clean;
  for (const auto& d : domains) {
    std::string n = normalize_domain(d);
    if (!is_valid_hostname(n)) return invalid_error("not a domain: " + printable(d));
    if (std::find(clean.begin(), clean.end(), n) == clean.end()) clean.push_back(n);
  }
  return clean;
}

std::vector<Decision> decide_all(PolicyService& service, const std::vector<std::string>& domains,
                                 const Options& options, const BuildProgress& progress) {
  struct Outcome {
    std::vector<Decision> decisions;
    size_t done = 0;
    std::mutex mutex;
    std::condition_variable finished;
  } outcome;
  outcome.decisions.resize(domains.size());
  const size_t total = domains.size();
  // Internal work (no Requester) is never refused, so every done runs.
  for (size_t i = 0; i < total; ++i)
    (void)service.lookup(domains[i], options, [&outcome, &progress, i, total](const Decision& d, bool) {
      std::lock_guard lock(outcome.mutex);
      outcome.decisions[i] = d;
      if (++outcome.done == total) outcome.finished.notify_all();
      if (progress) progress(outcome.done, total);
    });
  std::unique_lock lock(outcome.mutex);
  outcome.finished.wait(lock, [&] { return outcome.done == total; });
  return std::move(outcome.decisions);
}

Result<PolicyMap> read_previous_map(const std::string& path) {
  auto text = read_bounded_file(path, max_map_file_size);
  if (!text) {
    if (text.error().kind == ErrorKind::not_found) return PolicyMap{};
    return text.error();
  }
  auto parsed = parse_map(*text);
  if (!parsed) return invalid_error(path + ": " + parsed.error().message);
  return std::move(*parsed);
}

Result<int> run_postmap(const std::string& map_file) {
  std::string path = map_file.starts_with('-') ? "./" + map_file : map_file;
  auto run = run_program({"postmap", path});
  if (!run) return run.error();
  if (run->exit_status != 0)
    return permanent_error("postmap " + map_file + " failed (status " + std::to_string(run->exit_status) + ")" +
                           (run->err.empty() ? "" : ": " + std::string(trim(run->err))));
  return 0;
}

}  // namespace mxtls::policy
