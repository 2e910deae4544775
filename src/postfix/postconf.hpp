// What Postfix's own postconf(1) says about a configuration: the parsers of
// `postconf -n` (main.cf), `postconf -M` (master.cf services) and
// `postconf -P` (their -o overrides). Bounded: outside input.
#pragma once

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.hpp"

namespace mxtls::postfix {

using Parameters = std::map<std::string, std::string, std::less<>>;

struct Service {
  std::string name;     // "smtp", "submission", "127.0.0.1:10025"
  std::string type;     // "inet", "unix", "pass", ...
  std::string command;  // "smtpd", "postscreen", ...
  Parameters overrides;  // its -o name=value settings (postconf -P)
};

inline constexpr size_t max_postconf_output = 4 << 20;

// "name = value" lines (postconf -n, postconf -x NAME...): the value is
// everything after " = ", verbatim ('#' is not a comment there). An Error
// names the first line that is not of that form.
Result<Parameters> parse_parameters(std::string_view text);

// postconf -M: "name type private unpriv chroot wakeup maxproc command [args]"
// per line. The -o arguments of the command are ignored: postconf -P gives
// them already split.
Result<std::vector<Service>> parse_services(std::string_view text);

// postconf -P: "name/type/parameter = value" lines, added to the overrides
// of the service they name (a line for a service -M did not list is an Error).
Result<bool> add_service_overrides(std::string_view text, std::vector<Service>& services);

// The TCP port a master.cf inet service listens on: "smtp" 25,
// "submission" 587, "smtps"/"submissions" 465, "[::1]:2525" or "2525"
// numerically; 0 when unknown.
int service_port(const Service& service);

// A table name as postmap(1) run from anywhere resolves it: Postfix's
// daemons run in queue_directory, so a relative unix: socketmap path
// ("socketmap:unix:private/mxtls:tls", as `mxtls serve --help` recommends)
// is relative to it (postconf(5) queue_directory). Other tables unchanged.
// The tables of a list parameter (smtp_tls_policy_maps, proxy_read_maps):
// separated by spaces or commas, except inside the braces of
// inline:{ a=b, c=d } and its kind (postconf(5)).
std::vector<std::string> table_names(std::string_view list);

// proxymap(8) opens TYPE:NAME for a proxy:TYPE:NAME client only when its
// proxy_read_maps (postconf -x: expanded) lists proxy:TYPE:NAME; postconf(5):
// "Table references that don't begin with proxy: are ignored."
bool proxy_read_approves(std::string_view proxy_read_maps, std::string_view table);
// The proxy_read_maps proxymap(8) runs with: main.cf's (postconf -h -x), or
// a proxymap service's master.cf -o override; nullopt when that override
// names $parameters (postconf -P does not expand them: not known).
std::optional<std::string> proxymap_read_maps(const std::string& main_value, const std::vector<Service>& services);

std::string table_for_postmap(std::string_view table, std::string_view queue_directory);

}  // namespace mxtls::postfix
