#include "mta_sts/open_store.hpp"

#include <filesystem>

#include "mta_sts/redis_store.hpp"

namespace mxtls::policy {

Result<std::shared_ptr<StsStore>> open_store(const std::string& url, std::chrono::milliseconds redis_timeout) {
  if (is_redis_url(url)) {
    auto store = open_redis_store(url, redis_timeout);
    if (!store) return store.error();
    return std::shared_ptr<StsStore>(std::move(*store));
  }
  if (url != ":memory:") {
    // SQLite creates the file, not its directory; if this fails, opening says why.
    std::error_code ignored;
    std::filesystem::create_directories(std::filesystem::path(url).parent_path(), ignored);
  }
  auto store = open_sqlite_store(url, std::chrono::time_point_cast<std::chrono::seconds>(std::chrono::system_clock::now()));
  if (!store) return store.error();
  return std::shared_ptr<StsStore>(std::move(*store));
}

}  // namespace mxtls::policy
