// Checks many domains concurrently, at most `parallel` at a time. Each
// worker thread gets its own environment (a resolver is single-threaded).
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "check/check.hpp"

namespace mxtls::check {

struct WorkerTools {
  std::unique_ptr<dns::Resolver> resolver;
  std::unique_ptr<https::Fetcher> fetcher;
  std::unique_ptr<Prober> prober;
  Limits limits = {};  // the per-domain deadline and caps
};

using ToolsFactory = std::function<Result<WorkerTools>()>;
// Called, serialised, as each domain finishes (index into `domains`).
using OnReport = std::function<void(size_t index, DomainReport&& report)>;

// Returns an error when no worker could be equipped (e.g. bad resolver config).
Result<bool> check_domains(const std::vector<std::string>& domains, size_t parallel, const ToolsFactory& tools,
                           const OnReport& on_report);

}  // namespace mxtls::check
