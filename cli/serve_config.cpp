// The serve configuration file (--config, see src/policy/config.hpp):
// settings as serve's long options, [map NAME] sections and a [rules]
// section. serve reads all of it, and on SIGHUP the maps and rules again;
// `policy explain` and `policy build` read the settings they share with serve
// and the rules, so they answer as serve would.
#include <algorithm>

#include "policy/setup.hpp"
#include "policy_commands.hpp"

namespace mxtls::cli {
namespace {

// Settings a running daemon cannot change (listeners, cache, threads).
std::vector<std::string> changed_settings(const policy::Config& before, const policy::Config& after) {
  auto value_of = [](const policy::Config& c, const std::string& key) -> std::optional<std::string> {
    for (const auto& s : c.settings)
      if (s.key == key) return s.value;
    return std::nullopt;
  };
  std::vector<std::string> changed;
  for (const auto* c : {&before, &after})
    for (const auto& s : c->settings)
      if (value_of(before, s.key) != value_of(after, s.key) &&
          std::find(changed.begin(), changed.end(), s.key) == changed.end())
        changed.push_back(s.key);
  return changed;
}

const CLI::App& serve_command(const CLI::App& any) {
  const CLI::App* root = &any;
  while (root->get_parent()) root = root->get_parent();
  return *root->get_subcommand("serve");
}

std::optional<policy::Config> read_serve_config(const std::string& path, const CLI::App& cmd, std::string& error) {
  auto text = read_bounded_file(path, policy::max_config_file_size);
  if (!text) {
    error = text.error().message;
    return std::nullopt;
  }
  std::vector<std::string> keys;
  for (const auto* option : serve_command(cmd).get_options())
    for (const auto& name : option->get_lnames())
      if (name != "help" && name != "config" && name != "map") keys.push_back(name);
  std::vector<std::string_view> key_views(keys.begin(), keys.end());
  auto config = policy::parse_config(*text, path, key_views);
  if (!config) {
    error = config.error().message;
    return std::nullopt;
  }
  return std::move(*config);
}

// Each setting is given to its option as if it were on the command line, so
// it gets the same checks. Settings this command has no option for (serve's
// listeners, for `policy explain`) are skipped, and options given on the
// command line keep their values.
std::string apply_config_settings(CLI::App& cmd, const policy::Config& config) {
  for (const auto& setting : config.settings) {
    CLI::Option* option = cmd.get_option_no_throw("--" + setting.key);
    if (!option || option->count() > 0) continue;
    try {
      option->clear();
      option->add_result(setting.value);
      option->run_callback();
    } catch (const CLI::Error& e) {
      return setting.where + ": " + e.what();
    }
  }
  return "";
}

// The same checks as apply_config_settings, on every setting (also those the
// command line overrides), leaving each option as it was: what a restart
// with this file would refuse, a reload refuses too (issue 11.5).
std::string check_config_settings(CLI::App& cmd, const policy::Config& config) {
  for (const auto& setting : config.settings) {
    CLI::Option* option = cmd.get_option_no_throw("--" + setting.key);
    if (!option) continue;
    auto saved = option->results();
    std::string error;
    try {
      option->clear();
      option->add_result(setting.value);
      option->run_callback();
    } catch (const CLI::Error& e) {
      error = setting.where + ": " + e.what();
    }
    option->clear();
    for (const auto& value : saved) option->add_result(value);
    if (!saved.empty()) option->run_callback();
    if (!error.empty()) return error;
  }
  return "";
}

}  // namespace

std::string PolicySources::read_config(CLI::App& cmd, policy::Config& config) const {
  if (config_file.empty()) return "";
  std::string error;
  auto read = read_serve_config(config_file, cmd, error);
  if (!read) return error;
  config = std::move(*read);
  return apply_config_settings(cmd, config);
}

// --map on the command line, else the config file's [map] sections, else
// the default map "tls".
std::string ServeCommand::build_maps(const policy::Config& config,
                                     std::map<std::string, socketmap::MapConfig>& maps) const {
  policy::Options defaults = sources_.decision_options();
  defaults.tlsrpt_attributes = tlsrpt_attributes_;
  maps.clear();
  bool from_command_line = cmd_->get_option("--map")->count() > 0 || config.maps.empty();
  if (!from_command_line) {
    for (const auto& section : config.maps) {
      socketmap::MapConfig map{defaults};
      map.options.dane_level = section.dane_level.value_or(defaults.dane_level);
      map.options.tlsrpt_attributes = section.tlsrpt_attributes.value_or(defaults.tlsrpt_attributes);
      maps[section.name] = map;
    }
    return "";
  }
  for (const auto& m : maps_) {
    auto eq = m.find('=');
    socketmap::MapConfig map{defaults};
    if (eq != std::string::npos) {
      auto level = postfix::parse_dane_level(m.substr(eq + 1));
      if (!level)
        return "--map " + m + ": the level must be dane or dane-only";
      map.options.dane_level = *level;
    }
    maps[m.substr(0, eq)] = map;
  }
  return "";
}

// SIGHUP: nothing changes unless everything could be read.
std::string ServeCommand::reload(policy::PolicyService& service, std::map<std::string, socketmap::MapConfig>& maps) {
  const std::string failed = "reload failed, keeping the old configuration: ";
  auto settings = sources_.service_settings({}, workers_);
  auto log_history = policy::read_log_history(settings);
  if (!log_history) return failed + log_history.error().message;
  auto with_notice = [](std::string note, const std::string& notice) {
    return notice.empty() ? note : note + "; " + notice;
  };
  if (sources_.config_file.empty()) {
    auto notice = policy::load_lists(service, settings);
    if (!notice) return failed + notice.error().message;
    service.set_log_history(*log_history);
    return with_notice("reload: done", *notice);
  }
  std::string error;
  auto fresh = read_serve_config(sources_.config_file, *cmd_, error);
  if (!fresh) return failed + error;
  if (auto e = check_config_settings(*cmd_, *fresh); !e.empty()) return failed + e;
  std::map<std::string, socketmap::MapConfig> fresh_maps;
  if (auto e = build_maps(*fresh, fresh_maps); !e.empty()) return failed + e;
  settings.more_rules = fresh->rules;
  auto notice = policy::load_lists(service, settings);
  if (!notice) return failed + notice.error().message;
  service.set_log_history(*log_history);
  maps = std::move(fresh_maps);
  std::string note = "reload: done (" + std::to_string(maps.size()) + " maps, " +
                     std::to_string(fresh->rules.size()) + " rules in " + sources_.config_file + ")";
  auto changed = changed_settings(config_, *fresh);
  if (!changed.empty()) {
    note += "; restart to apply the changed settings:";
    for (const auto& key : changed) note += " " + key;
  }
  config_.maps = std::move(fresh->maps);
  config_.rules = std::move(fresh->rules);
  return with_notice(note, *notice);
}

}  // namespace mxtls::cli
