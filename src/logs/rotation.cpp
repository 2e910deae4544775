#include "logs/rotation.hpp"

#include <algorithm>
#include <map>
#include <string_view>

namespace mxtls::logs {
namespace {

struct RotationKey {
  std::string base;
  long long rank = 0;  // older files rank lower; the live file is 0
};

// At most 9 digits, so that the number fits and 8-digit dates stay apart.
bool all_digits(std::string_view s) {
  return !s.empty() && s.size() <= 9 && std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

long long to_number(std::string_view digits) {
  long long n = 0;
  for (char c : digits) n = n * 10 + (c - '0');
  return n;
}

// logrotate's names: NAME.N[.gz] (N higher is older), NAME-YYYYMMDD[.gz]
// (dateext: older dates first, all before the numbered and live files).
RotationKey rotation_key(std::string_view path) {
  if (path.size() > 3 && path.substr(path.size() - 3) == ".gz") path.remove_suffix(3);
  size_t dot = path.rfind('.');
  if (dot != std::string_view::npos && all_digits(path.substr(dot + 1)))  // mail.log.3
    return {std::string(path.substr(0, dot)), -to_number(path.substr(dot + 1))};
  size_t dash = path.rfind('-');
  if (dash != std::string_view::npos && path.size() - dash - 1 == 8 && all_digits(path.substr(dash + 1)))  // -20261122
    return {std::string(path.substr(0, dash)), to_number(path.substr(dash + 1)) - 100000000};
  return {std::string(path), 0};
}

}  // namespace

std::vector<std::string> order_rotated(std::vector<std::string> paths) {
  struct Keyed {
    size_t set;  // the set's place: where its first file was given
    long long rank;
    std::string path;
  };
  std::map<std::string, size_t, std::less<>> sets;
  std::vector<Keyed> keyed;
  keyed.reserve(paths.size());
  for (auto& p : paths) {
    auto key = rotation_key(p);
    size_t set = sets.try_emplace(std::move(key.base), sets.size()).first->second;
    keyed.push_back({set, key.rank, std::move(p)});
  }
  std::stable_sort(keyed.begin(), keyed.end(),
                   [](const Keyed& a, const Keyed& b) { return a.set != b.set ? a.set < b.set : a.rank < b.rank; });
  std::vector<std::string> out;
  out.reserve(keyed.size());
  for (auto& k : keyed) out.push_back(std::move(k.path));
  return out;
}

}  // namespace mxtls::logs
