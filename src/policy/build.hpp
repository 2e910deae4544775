// `mxtls policy build`: decide a list of domains with the policy service,
// and fold the decisions into the previous static map.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "base/result.hpp"
#include "policy/policy_map.hpp"
#include "policy/service.hpp"

namespace mxtls::policy {

inline constexpr size_t max_domain_file_size = 64 * 1024 * 1024;
inline constexpr size_t max_map_file_size = 256 * 1024 * 1024;

// `domains`, then those of `domain_file` (one per line, '#' comments; "" for
// none) and the outbound recipient domains of the `mxtls logs --json` report
// `logs_report` (""; read with the bounded read_log_report), normalized, in
// order, without duplicates. An Error names the file or the bad domain.
Result<std::vector<std::string>> collect_domains(std::vector<std::string> domains, const std::string& domain_file,
                                                 const std::string& logs_report);

// One decision per domain, in their order, decided by the service's workers
// at the same time; `progress` (optional) runs after each, under a lock.
using BuildProgress = std::function<void(size_t done, size_t total)>;
std::vector<Decision> decide_all(PolicyService& service, const std::vector<std::string>& domains,
                                 const Options& options, const BuildProgress& progress = {});

// The map at `path` as written by the last build; empty if there is none
// (or it cannot be read). An Error when it is there but malformed.
Result<PolicyMap> read_previous_map(const std::string& path);

// Runs `postmap MAP_FILE` (Postfix's map compiler) without a shell: the path
// is one argument whatever characters it holds. A path starting with '-' is
// given as ./PATH so postmap cannot take it for an option.
Result<int> run_postmap(const std::string& map_file);

}  // namespace mxtls::policy
