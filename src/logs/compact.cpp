#include "logs/compact.hpp"

#include <arpa/inet.h>

#include <algorithm>
#include <cstring>
#include <functional>

namespace mxtls::logs {

std::string_view NameIndex::name(uint32_t id) const {
  uint64_t ref = refs_[id];
  return {blocks_[ref >> 32].get() + ((ref >> 16) & 0xffff), static_cast<size_t>(ref & 0xffff)};
}

size_t NameIndex::probe(std::string_view name, size_t hash) const {
  size_t mask = slots_.size() - 1;
  for (size_t i = hash & mask;; i = (i + 1) & mask)
    if (slots_[i] == 0 || this->name(slots_[i] - 1) == name) return i;
}

uint32_t NameIndex::find(std::string_view name) const {
  if (slots_.empty()) return none;
  name = name.substr(0, 0xffff);
  uint32_t slot = slots_[probe(name, std::hash<std::string_view>{}(name))];
  return slot == 0 ? none : slot - 1;
}

void NameIndex::grow() {
  std::vector<uint32_t> old = std::move(slots_);
  slots_.assign(std::max<size_t>(16, old.size() * 2), 0);
  for (uint32_t slot : old)
    if (slot) slots_[probe(name(slot - 1), std::hash<std::string_view>{}(name(slot - 1)))] = slot;
}

uint32_t NameIndex::add(std::string_view name) {
  name = name.substr(0, 0xffff);
  if ((refs_.size() + 1) * 4 > slots_.size() * 3) grow();  // load at most 3/4
  size_t slot = probe(name, std::hash<std::string_view>{}(name));
  if (slots_[slot]) return slots_[slot] - 1;
  if (blocks_.empty() || block_size - block_used_ < name.size()) {
    blocks_.push_back(std::make_unique<char[]>(block_size));
    block_used_ = 0;
  }
  if (!name.empty()) std::memcpy(blocks_.back().get() + block_used_, name.data(), name.size());
  refs_.push_back((static_cast<uint64_t>(blocks_.size() - 1) << 32) | (block_used_ << 16) | name.size());
  block_used_ += name.size();
  auto id = static_cast<uint32_t>(refs_.size() - 1);
  slots_[slot] = id + 1;
  return id;
}

std::string domain_bucket(std::string_view domain) {
  size_t last = domain.rfind('.');
  if (last == std::string_view::npos || last == 0) return "*";
  size_t second = domain.rfind('.', last - 1);
  size_t start = second == std::string_view::npos ? 0 : second + 1;
  if (last - start <= 3 && second != std::string_view::npos && second > 0) {  // co.uk, com.au, ac.jp
    size_t third = domain.rfind('.', second - 1);
    start = third == std::string_view::npos ? 0 : third + 1;
  }
  return "*." + std::string(domain.substr(start));
}

namespace {

std::string network_of(std::string ip) {
  unsigned char bytes[16];
  char text[INET6_ADDRSTRLEN];
  if (ip.find(':') == std::string::npos && inet_pton(AF_INET, ip.c_str(), bytes) == 1) {
    bytes[3] = 0;
    return std::string(inet_ntop(AF_INET, bytes, text, sizeof text)) + "/24";
  }
  if (ip.rfind("::ffff:", 0) == 0 && ip.find('.') != std::string::npos) return network_of(ip.substr(7));
  if (inet_pton(AF_INET6, ip.c_str(), bytes) != 1) return "other";
  std::fill(bytes + 6, bytes + 16, 0);
  return std::string(inet_ntop(AF_INET6, bytes, text, sizeof text)) + "/48";
}

}  // namespace

std::string address_bucket(std::string_view key) {
  size_t open = key.find('[');
  if (open == std::string_view::npos || key.size() < open + 2) return "*";
  return "*[" + network_of(std::string(key.substr(open + 1, key.size() - open - 2))) + "]";
}

}  // namespace mxtls::logs
