// Whether this machine's resolver validates DNSSEC (for setup's DANE
// decision): one UDP query, no library resolver state.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <array>
#include <random>

#include "base/files.hpp"
#include "base/text.hpp"
#include "postfix/setup_apply.hpp"

namespace mxtls::postfix {
namespace {

std::vector<std::string> nameservers(const std::string& text) {
  std::vector<std::string> out;
  for (auto line : split(text, '\n')) {
    line = trim(line);
    if (!line.starts_with("nameserver")) continue;
    auto value = trim(line.substr(10));
    out.emplace_back(value.substr(0, value.find_first_of(" \t#;")));
  }
  return out;
}

bool is_loopback(const std::string& address) {
  in_addr v4{};
  if (inet_pton(AF_INET, address.c_str(), &v4) == 1) return (ntohl(v4.s_addr) >> 24) == 127;
  return address == "::1";
}

// ". SOA IN" with RD and AD set and an OPT record with DO (RFC 6840 5.7:
// AD in a query asks for the AD bit in the answer). True when the answer
// is NOERROR with AD set.
bool root_soa_authenticated(const std::string& server) {
  sockaddr_in to{};
  to.sin_family = AF_INET, to.sin_port = htons(53);
  if (inet_pton(AF_INET, server.c_str(), &to.sin_addr) != 1) return false;
  uint16_t id = static_cast<uint16_t>(std::random_device{}());
  std::array<unsigned char, 28> query{static_cast<unsigned char>(id >> 8), static_cast<unsigned char>(id), 0x01, 0x20,
                                      0, 1, 0, 0, 0, 0, 0, 1,
                                      0, 0, 6, 0, 1,                        // ".", SOA, IN
                                      0, 0, 41, 0x04, 0xd0, 0, 0, 0x80, 0, 0, 0};  // OPT, 1232, DO
  int fd = ::socket(AF_INET, SOCK_DGRAM, 0);
  if (fd < 0) return false;
  bool ok = false;
  for (int attempt = 0; attempt < 2 && !ok; ++attempt) {
    if (::sendto(fd, query.data(), query.size(), 0, reinterpret_cast<sockaddr*>(&to), sizeof to) < 0) break;
    pollfd p{fd, POLLIN, 0};
    if (::poll(&p, 1, 1500) != 1) continue;
    std::array<unsigned char, 4096> answer{};
    ssize_t n = ::recv(fd, answer.data(), answer.size(), 0);
    if (n < 12 || answer[0] != query[0] || answer[1] != query[1]) continue;
    ok = (answer[3] & 0x0f) == 0 && (answer[3] & 0x20) != 0;
    break;
  }
  ::close(fd);
  return ok;
}

}  // namespace

std::pair<bool, std::string> resolver_validates(const std::string& resolv_conf) {
  auto text = read_bounded_file(resolv_conf, 1 << 16);
  if (!text) return {false, "cannot read " + resolv_conf};
  auto servers = nameservers(*text);
  if (servers.empty()) return {false, resolv_conf + " names no nameserver"};
  for (const auto& s : servers)
    if (!is_loopback(s))
      return {false, resolv_conf + " names " + s + ", not a loopback address: its AD bit crosses a network unprotected "
                     "(RFC 4035 section 4.9.3)"};
  if (!root_soa_authenticated(servers.front()))
    return {false, servers.front() + " does not set AD on the root zone's SOA: it does not validate DNSSEC"};
  return {true, servers.front() + " sets AD on the root zone's SOA"};
}

}  // namespace mxtls::postfix
