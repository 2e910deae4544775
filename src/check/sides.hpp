// The MX addresses (or hosts) on either side of a property: what the
// consistency findings and the recommended policy compare. Pure.
#pragma once

#include <string>
#include <vector>

#include "base/text.hpp"
#include "check/facts.hpp"

namespace mxtls::check {

struct Sides {
  std::vector<std::string> good, bad;  // subjects ("host[address]") or MX host names
  bool mixed() const { return !good.empty() && !bad.empty(); }
};

// Reachable, tested addresses by the predicate; unreachable and untested
// ones are reported on their own.
template <typename Predicate>
Sides split_addresses(const DomainFacts& facts, Predicate is_good) {
  Sides sides;
  for (const auto& mx : facts.mxs)
    for (const auto& a : mx.addresses) {
      if (a.connect_error || a.not_tested) continue;
      (is_good(mx, a) ? sides.good : sides.bad).push_back(subject_of(mx, a));
    }
  return sides;
}

// MX hosts that have addresses, split by whether they publish usable TLSA.
inline Sides split_by_dane(const DomainFacts& facts) {
  Sides sides;
  for (const auto& mx : facts.mxs)
    if (!mx.addresses.empty()) (mx.dane_usable() ? sides.good : sides.bad).push_back(mx.host);
  return sides;
}

// "host does" / "hosts do": the verb for a list of hosts.
inline std::string verb(const std::vector<std::string>& hosts, const char* singular, const char* plural) {
  return join(hosts) + " " + (hosts.size() == 1 ? singular : plural);
}

}  // namespace mxtls::check
