#include "check/runner.hpp"

#include <atomic>
#include <ctime>
#include <mutex>
#include <optional>
#include <thread>

namespace mxtls::check {

Result<bool> check_domains(const std::vector<std::string>& domains, size_t parallel, const ToolsFactory& tools,
                           const OnReport& on_report) {
  std::atomic<size_t> next{0};
  std::mutex mutex;
  std::optional<Error> setup_error;
  size_t reported = 0;
  auto worker = [&] {
    auto equipped = tools();
    if (!equipped) {
      std::lock_guard lock(mutex);
      setup_error = equipped.error();
      return;
    }
    Environment env{*equipped->resolver, *equipped->fetcher, *equipped->prober, [] { return std::time(nullptr); }};
    env.limits = equipped->limits;
    for (size_t i; (i = next++) < domains.size();) {
      auto report = check_domain(domains[i], env);
      std::lock_guard lock(mutex);
      on_report(i, std::move(report));
      ++reported;
    }
  };
  size_t threads = std::max<size_t>(1, std::min(parallel, domains.size()));
  std::vector<std::thread> pool;
  for (size_t t = 0; t < threads; ++t) pool.emplace_back(worker);
  for (auto& t : pool) t.join();
  if (reported < domains.size() && setup_error) return *setup_error;
  return true;
}

}  // namespace mxtls::check
