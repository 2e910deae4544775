#include "postfix/audit_report.hpp"

#include <nlohmann/json.hpp>

namespace mxtls::postfix {
namespace {

using nlohmann::json;

size_t count(const Findings& findings, Severity severity) {
  size_t n = 0;
  for (const auto& f : findings.all()) n += f.severity == severity;
  return n;
}

std::string plural(size_t n, const char* one, const char* many) { return std::to_string(n) + " " + (n == 1 ? one : many); }

json what_if_json(const LogWhatIf& w) {
  if (!w.available) return nullptr;
  return {{"messages", w.messages}, {"domains", w.domains}, {"clients", w.clients}};
}

json domain_json(const std::optional<DomainMxFacts>& mx) {
  if (!mx) return nullptr;
  json hosts = json::array();
  for (const auto& h : mx->hosts)
    hosts.push_back({{"host", h.host}, {"addresses", h.addresses}, {"here", h.here}, {"error", h.error},
                     {"dane_ee_matches", h.dane_ee_matches}, {"dane_ee_record", h.dane_ee_record},
                     {"more_chains_dane_ee", h.more_chains_dane_ee}, {"tlsa_error", h.tlsa_error},
                     {"canonical", h.canonical}});
  return {{"domain", mx->domain}, {"error", mx->error}, {"local_addresses", mx->local_addresses}, {"mx", hosts}};
}

json policy_maps_json(const std::vector<PolicyMapFacts>& maps) {
  static constexpr const char* outcomes[] = {"found", "not_found", "temporary", "failed"};
  json out = json::array();
  for (const auto& map : maps) {
    json probes = json::array();
    for (const auto& p : map.probes)
      probes.push_back({{"key", p.key}, {"outcome", outcomes[static_cast<int>(p.outcome)]}, {"answer", p.answer},
                        {"error", p.error}});
    out.push_back({{"table", (map.proxied ? "proxy:" : "") + map.type + ":" + map.source},
                   {"proxy_error", map.proxy_error}, {"probes", probes}});
  }
  return out;
}

}  // namespace

std::string audit_text(const AuditFacts& facts, const Findings& findings, bool verbose) {
  std::string out = "Postfix " + (facts.mail_version.empty() ? std::string("(version unknown)") : facts.mail_version) +
                    " in " + facts.config_dir + (facts.myhostname.empty() ? "" : ", myhostname " + facts.myhostname) +
                    "\n\n";
  for (const auto& f : findings.all()) {
    if (f.severity == Severity::ok && !verbose) continue;
    std::string label = to_string(f.severity);
    for (char& c : label) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    out += label + std::string(8 - std::min<size_t>(label.size(), 7), ' ') + f.id + "  (" + f.subject + ")\n";
    out += "        " + f.what + "\n";
    if (!f.why.empty()) out += "        Why: " + f.why + "\n";
    if (!f.fix.empty()) out += "        Fix: " + f.fix + "\n";
    out += "\n";
  }
  out += plural(count(findings, Severity::error), "error", "errors") + ", " +
         plural(count(findings, Severity::warning), "warning", "warnings") + ", " +
         plural(count(findings, Severity::info), "note", "notes") + ", " + std::to_string(count(findings, Severity::ok)) +
         " ok" + (verbose ? "" : " (--verbose shows them)") + ".\n";
  return out;
}

std::string audit_json(const AuditFacts& facts, const Findings& findings) {
  json list = json::array();
  for (const auto& f : findings.all())
    list.push_back({{"severity", to_string(f.severity)},
                    {"id", f.id},
                    {"subject", f.subject},
                    {"what", f.what},
                    {"why", f.why},
                    {"fix", f.fix}});
  json out = {{"config_dir", facts.config_dir},
              {"mail_version", facts.mail_version},
              {"myhostname", facts.myhostname},
              {"worst", to_string(findings.worst())},
              {"exit_status", exit_status(findings)},
              {"summary",
               {{"error", count(findings, Severity::error)},
                {"warning", count(findings, Severity::warning)},
                {"info", count(findings, Severity::info)},
                {"ok", count(findings, Severity::ok)}}},
              {"findings", list},
              {"domain", domain_json(facts.domain_mx)},
              {"policy_maps", policy_maps_json(facts.policy_maps)},
              {"logs",
               {{"inbound_encrypt_refused", what_if_json(facts.inbound_encrypt)},
                {"outbound_encrypt_deferred", what_if_json(facts.outbound_encrypt)}}}};
  return out.dump(2) + "\n";
}

}  // namespace mxtls::postfix
