#include "publish/rollover_state.hpp"

#include <charconv>

#include "base/text.hpp"
#include "base/time.hpp"
#include "dane/tlsa.hpp"

namespace mxtls::publish {
namespace {

constexpr std::string_view magic = "mxtls-rollover 1";

std::string key_text(const std::string& digest) { return dane::Tlsa{3, 1, 1, digest}.to_text(); }

// "3 1 1 <64 hex digits>": a TLSA 3 1 1 record's data, i.e. a SHA-256.
Result<std::string> parse_key(std::string_view text) {
  auto record = dane::parse_text(text);
  if (!record) return record.error();
  if (record->usage != 3 || record->selector != 1 || record->mtype != 1 || record->data.size() != 32)
    return invalid_error("not a 3 1 1 SHA-256 digest");
  return record->data;
}

template <typename Number>
bool parse_number(std::string_view text, Number& out) {
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), out);
  return ec == std::errc() && end == text.data() + text.size();
}

Result<HostProgress> parse_host(std::string_view value) {
  auto fields = split(value, ' ');
  HostProgress host;
  if (fields.size() != 3 || !is_valid_hostname(fields[0]) || !parse_number(fields[1], host.visible_since) ||
      host.visible_since < 0 || !parse_number(fields[2], host.ttl))
    return invalid_error("expected 'host NAME SINCE TTL'");
  host.mx = to_lower(fields[0]);
  return host;
}

// One "name value" line into `file`; an error says what was wrong with it.
Result<bool> parse_line(std::string_view name, std::string_view value, RolloverFile& file) {
  if (name == "chain-file") file.chain_file = value;
  else if (name == "next-key-file") file.next_key_file = value;
  else if (name == "csr-file") file.csr_file = value;
  else if (name == "current-key" || name == "next-key") {
    auto key = parse_key(value);
    if (!key) return key.error();
    (name == "current-key" ? file.current_key : file.next_key) = *key;
  } else if (name == "ttl") {
    if (!parse_number(value, file.ttl)) return invalid_error("the TTL is not a number of seconds");
  } else if (name == "host") {
    if (file.hosts.size() >= max_rollover_hosts) return invalid_error("too many hosts");
    auto host = parse_host(value);
    if (!host) return host.error();
    file.hosts.push_back(std::move(*host));
  } else {
    return invalid_error("unknown line");
  }
  return true;
}

}  // namespace

std::string format_rollover_file(const RolloverFile& file) {
  std::string out = "# mxtls postfix rollover state: written by stage and status, read by switch\n";
  out += std::string(magic) + "\n";
  out += "chain-file " + file.chain_file + "\n";
  if (!file.current_key.empty()) out += "current-key " + key_text(file.current_key) + "\n";
  if (!file.next_key.empty()) out += "next-key " + key_text(file.next_key) + "\n";
  if (!file.next_key_file.empty()) out += "next-key-file " + file.next_key_file + "\n";
  if (!file.csr_file.empty()) out += "csr-file " + file.csr_file + "\n";
  out += "ttl " + std::to_string(file.ttl) + "\n";
  for (const auto& host : file.hosts)
    out += "host " + host.mx + " " + std::to_string(host.visible_since) + " " + std::to_string(host.ttl) + "\n";
  return out;
}

Result<RolloverFile> parse_rollover_file(std::string_view text) {
  if (text.size() > max_rollover_file_size) return invalid_error("the rollover state file is too large");
  RolloverFile file;
  bool seen_magic = false;
  size_t number = 0;
  for (auto line : split(text, '\n')) {
    ++number;
    line = trim(line);
    if (line.empty() || line.front() == '#') continue;
    auto where = "line " + std::to_string(number) + ": ";
    if (!seen_magic) {
      if (line != magic) return invalid_error(where + "not an mxtls rollover state file (no '" + std::string(magic) + "')");
      seen_magic = true;
      continue;
    }
    auto space = line.find(' ');
    if (space == std::string_view::npos) return invalid_error(where + "no value: " + printable(line));
    auto parsed = parse_line(line.substr(0, space), trim(line.substr(space + 1)), file);
    if (!parsed) return invalid_error(where + parsed.error().message + ": " + printable(line));
  }
  if (!seen_magic) return invalid_error("not an mxtls rollover state file (empty)");
  if (file.chain_file.empty()) return invalid_error("the rollover state file names no chain-file");
  return file;
}

Result<bool> check_sightings(const RolloverFile& file, int64_t now) {
  for (const auto& host : file.hosts)
    if (host.visible_since > now)
      return invalid_error("host " + host.mx + ": the next key's record was first seen at " +
                           format_rfc3339(host.visible_since) + ", which is after now (" + format_rfc3339(now) +
                           "): the clock went back or the state file was edited; nothing changed. To count the "
                           "wait again from now, set that line's second field to 0 (`host " + host.mx + " 0 " +
                           std::to_string(host.ttl) + "`) and run status");
  return true;
}

RolloverState state_of(const RolloverFile& file, const HostProgress& host) {
  return RolloverState{file.next_key, host.visible_since, host.ttl};
}

HostProgress progress_of(const std::string& mx, const RolloverState& state) {
  return HostProgress{mx, state.visible_since, state.ttl};
}

}  // namespace mxtls::publish
