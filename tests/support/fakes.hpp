// Fakes of the DNS and HTTPS interfaces, and RDATA builders, shared by the
// unit tests that drive network-facing code without a network.
#pragma once

#include <map>
#include <string>
#include <utility>

#include "dns/dns.hpp"
#include "net/https.hpp"
#include "base/text.hpp"

namespace mxtls::fakes {

inline std::string name_wire(const std::string& name) {
  std::string wire;
  for (auto label : split(name, '.')) {
    wire.push_back(static_cast<char>(label.size()));
    wire += label;
  }
  return wire + std::string(1, '\0');
}
inline std::string mx_rdata(uint16_t preference, const std::string& host) {
  return std::string{static_cast<char>(preference >> 8), static_cast<char>(preference & 255)} +
         (host.empty() ? std::string(1, '\0') : name_wire(host));
}
inline std::string txt_rdata(const std::string& text) { return static_cast<char>(text.size()) + text; }
inline std::string a_rdata(uint8_t last) { return std::string{127, 0, 0, static_cast<char>(last)}; }

class FakeResolver : public dns::Resolver {
 public:
  std::map<std::pair<std::string, dns::Type>, dns::Answer> answers;
  std::map<std::string, Error> failures;
  dns::Security security = dns::Security::secure;

  void add(const std::string& name, dns::Type type, std::string rdata) {
    auto& a = answers[{name, type}];
    a.security = security;
    a.rdata.push_back(std::move(rdata));
  }
  Result<dns::Answer> query(std::string_view name, dns::Type type) override {
    if (auto f = failures.find(std::string(name)); f != failures.end()) return f->second;
    auto it = answers.find({std::string(name), type});
    if (it != answers.end()) return it->second;
    dns::Answer empty;
    empty.security = security;
    return empty;
  }
};

class FakeFetcher : public https::Fetcher {
 public:
  std::map<std::string, https::Response> responses;
  Result<https::Response> get(const std::string& url, const std::string&, const std::vector<std::string>&) override {
    auto it = responses.find(url);
    if (it == responses.end()) return temporary_error("connection refused");
    return it->second;
  }
};

}  // namespace mxtls::fakes
