#include "postfix/postconf.hpp"

#include <cctype>
#include <charconv>

#include "base/text.hpp"

namespace mxtls::postfix {
namespace {

constexpr size_t max_lines = 100000;

Error bad_line(std::string_view what, size_t number, std::string_view line) {
  return invalid_error(std::string(what) + " line " + std::to_string(number) + " is not understood: \"" +
                       printable(line) + "\"");
}

bool valid_name(std::string_view name) {
  if (name.empty() || name.size() > 200) return false;
  for (char c : name)
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-' || c == '.')) return false;
  return true;
}

// Calls each(line number, line) for the non-empty lines; false when too many.
template <typename Each>
Result<bool> for_each_line(std::string_view text, std::string_view what, Each each) {
  size_t number = 0;
  for (auto line : split(text, '\n')) {
    if (++number > max_lines) return invalid_error(std::string(what) + ": more than 100000 lines");
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (trim(line).empty()) continue;
    if (auto ok = each(number, line); !ok) return ok.error();
  }
  return true;
}

}  // namespace

Result<Parameters> parse_parameters(std::string_view text) {
  Parameters parameters;
  auto ok = for_each_line(text, "postconf", [&](size_t number, std::string_view line) -> Result<bool> {
    size_t equals = line.find(" =");
    std::string_view name = equals == std::string_view::npos ? line : line.substr(0, equals);
    if (!valid_name(name)) return bad_line("postconf", number, line);
    std::string_view value = line.substr(equals + 2);
    if (value.starts_with(' ')) value.remove_prefix(1);
    parameters[std::string(name)] = std::string(value);
    return true;
  });
  if (!ok) return ok.error();
  return parameters;
}

Result<std::vector<Service>> parse_services(std::string_view text) {
  std::vector<Service> services;
  auto ok = for_each_line(text, "postconf -M", [&](size_t number, std::string_view line) -> Result<bool> {
    std::vector<std::string_view> fields;
    for (auto field : split(line, ' '))
      if (!field.empty() && fields.size() < 8) fields.push_back(field);
    if (fields.size() < 8 || fields[0].size() > 300) return bad_line("postconf -M", number, line);
    services.push_back({std::string(fields[0]), std::string(fields[1]), std::string(fields[7]), {}});
    return true;
  });
  if (!ok) return ok.error();
  return services;
}

Result<bool> add_service_overrides(std::string_view text, std::vector<Service>& services) {
  return for_each_line(text, "postconf -P", [&](size_t number, std::string_view line) -> Result<bool> {
    size_t equals = line.find(" = ");
    if (equals == std::string_view::npos) return bad_line("postconf -P", number, line);
    std::string_view key = line.substr(0, equals);
    size_t last = key.rfind('/');
    size_t middle = last == std::string_view::npos || last == 0 ? std::string_view::npos : key.rfind('/', last - 1);
    if (middle == std::string_view::npos || !valid_name(key.substr(last + 1)))
      return bad_line("postconf -P", number, line);
    std::string_view name = key.substr(0, middle), type = key.substr(middle + 1, last - middle - 1);
    for (auto& service : services)
      if (service.name == name && service.type == type) {
        service.overrides[std::string(key.substr(last + 1))] = std::string(line.substr(equals + 3));
        return true;
      }
    return bad_line("postconf -P (no such service)", number, line);
  });
}

int service_port(const Service& service) {
  std::string_view name = service.name;
  if (size_t colon = name.rfind(':'); colon != std::string_view::npos) name = name.substr(colon + 1);
  if (name == "smtp") return 25;
  if (name == "submission") return 587;
  if (name == "smtps" || name == "submissions") return 465;
  int port = 0;
  auto [end, error] = std::from_chars(name.data(), name.data() + name.size(), port);
  if (error != std::errc() || end != name.data() + name.size() || port <= 0 || port > 65535) return 0;
  return port;
}

std::vector<std::string> table_names(std::string_view list) {
  std::vector<std::string> out{""};
  int depth = 0;
  for (char c : list) {
    depth += c == '{' ? 1 : c == '}' && depth > 0 ? -1 : 0;
    if (depth == 0 && (c == ' ' || c == ',' || c == '\t' || c == '\n')) {
      if (!out.back().empty()) out.emplace_back();
      continue;
    }
    out.back() += c;
  }
  if (out.back().empty()) out.pop_back();
  return out;
}

bool proxy_read_approves(std::string_view proxy_read_maps, std::string_view table) {
  for (const auto& word : table_names(proxy_read_maps))
    if (word.size() == table.size() + 6 && word.starts_with("proxy:") && std::string_view(word).substr(6) == table)
      return true;
  return false;
}

std::optional<std::string> proxymap_read_maps(const std::string& main_value, const std::vector<Service>& services) {
  for (const auto& service : services) {
    auto it = service.overrides.find("proxy_read_maps");
    if (service.command != "proxymap" || it == service.overrides.end()) continue;
    if (it->second.find('$') != std::string::npos) return std::nullopt;
    return it->second;
  }
  return main_value;
}

std::string table_for_postmap(std::string_view table, std::string_view queue_directory) {
  constexpr std::string_view unix_socketmap = "socketmap:unix:";
  if (!table.starts_with(unix_socketmap) || queue_directory.empty()) return std::string(table);
  std::string_view path = table.substr(unix_socketmap.size());
  if (path.empty() || path.front() == '/') return std::string(table);
  std::string dir(queue_directory);
  if (dir.back() != '/') dir += '/';
  return std::string(unix_socketmap) + dir + std::string(path);
}

}  // namespace mxtls::postfix
