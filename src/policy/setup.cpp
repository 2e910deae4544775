#include "policy/setup.hpp"

#include "base/time.hpp"
#include "mta_sts/open_store.hpp"
#include "policy/preload.hpp"

namespace mxtls::policy {
namespace {

Result<std::shared_ptr<const PreloadList>> read_preload(PolicyService& service, const ServiceSettings& settings,
                                                        std::string& notice) {
  if (settings.preload_file.empty()) return std::shared_ptr<const PreloadList>();
  auto text = read_bounded_file(settings.preload_file, max_preload_list_size);
  if (!text) return text.error();
  auto list = parse_preload_list(*text);
  if (!list) return invalid_error(settings.preload_file + ": " + list.error().message);
  auto now = std::chrono::floor<std::chrono::seconds>(std::chrono::system_clock::now());
  auto choice = choose_preload_list(service.preload_list(), std::move(*list), now);
  if (!choice.refused.empty())
    notice = settings.preload_file + ": " + choice.refused + "; the preload list in use stays";
  // Loudly, once per load (corpora report P3): each decision would
  // otherwise just say there is no preload entry, even for listed domains.
  if (choice.list && expired(*choice.list, now)) {
    if (!notice.empty()) notice += "; ";
    notice += "WARNING: preload list " + settings.preload_file + " expired on " +
              format_rfc3339(choice.list->expires.time_since_epoch().count()) +
              ", ignored: no domain gets a policy from it until an up-to-date list is loaded";
  }
  return choice.list;
}

Result<LocalRules> read_rules(const ServiceSettings& settings) {
  LocalRules rules;
  if (!settings.rules_file.empty()) {
    auto text = read_bounded_file(settings.rules_file, max_rules_file_size);
    if (!text) return text.error();
    auto parsed = parse_rules(*text, settings.rules_file);
    if (!parsed) return parsed.error();
    rules = std::move(*parsed);
  }
  for (const auto& [domain, rule] : settings.more_rules)
    if (auto [at, added] = rules.emplace(domain, rule); !added)
      return invalid_error(domain + " has two rules: " + at->second.origin + " and " + rule.origin);
  return rules;
}

}  // namespace

NetworkToolsFactory network_tools_factory(const ServiceSettings& settings) {
  return [config = settings.resolver_config, anchor = settings.trust_anchor, ca = settings.ca_file,
          timeout = settings.timeout]() -> Result<NetworkTools> {
    auto resolver = dns::make_unbound_resolver({config, anchor, timeout});
    if (!resolver) return resolver.error();
    return NetworkTools{std::move(*resolver), https::make_curl_fetcher({ca, timeout})};
  };
}

Result<std::string> load_lists(PolicyService& service, const ServiceSettings& settings) {
  std::string notice;
  auto preload = read_preload(service, settings, notice);
  if (!preload) return preload.error();
  auto rules = read_rules(settings);
  if (!rules) return rules.error();
  service.reload(*preload, rules->empty() ? nullptr : std::make_shared<const LocalRules>(std::move(*rules)));
  return notice;
}

Result<std::shared_ptr<const LogHistory>> read_log_history(const ServiceSettings& settings) {
  const auto& path = settings.log_evidence_file;
  if (path.empty()) return std::shared_ptr<const LogHistory>();
  auto text = read_log_report(path);
  if (!text) return text.error();
  auto history = parse_log_history(*text, settings.log_thresholds, path);
  if (!history) return invalid_error(path + ": " + history.error().message);
  return std::make_shared<const LogHistory>(std::move(*history));
}

Result<OpenService> open_service(const ServiceSettings& settings) {
  auto store = open_store(settings.cache_url);
  if (!store) return store.error();
  auto factory = network_tools_factory(settings);
  auto loss = (*store)->loss();
  OpenService open{std::make_unique<PolicyService>(factory, std::move(*store), settings.service), std::nullopt, loss, {}};
  auto loaded = load_lists(*open.service, settings);
  if (!loaded) return loaded.error();
  open.notice = std::move(*loaded);
  auto history = read_log_history(settings);
  if (!history) return history.error();
  open.service->set_log_history(std::move(*history));
  if (settings.caller_tools) {
    auto tools = factory();
    if (!tools) return tools.error();
    open.tools = std::move(*tools);
  }
  return open;
}

}  // namespace mxtls::policy
