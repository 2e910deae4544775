#include "policy/explain.hpp"

#include "base/text.hpp"

namespace mxtls::policy {
namespace {

std::string list_or_dash(const std::vector<std::string>& items) {
  auto list = join(items);
  return list.empty() ? "-" : list;
}

nlohmann::json evidence_json(const GatheredEvidence& g) {
  const auto& e = g.evidence;
  nlohmann::json j;
  j["dane"] = {{"mx_rrset_secure", e.dane.mx_rrset_secure},
               {"tlsa", tlsa_text(e.dane.tlsa)},
               {"mx_with_tlsa", e.dane.mx_with_tlsa},
               {"mx_without_tlsa", e.dane.mx_without_tlsa},
               {"detail", e.dane.detail}};
  j["mta_sts"] = {{"note", g.sts_note}, {"id", e.sts.id}, {"from_cache", e.sts.from_cache}};
  if (e.sts.policy)
    j["mta_sts"]["policy"] = {
        {"mode", sts::to_string(e.sts.policy->mode)}, {"mx", e.sts.policy->mx}, {"max_age", e.sts.policy->max_age}};
  j["preload"] = {{"listed", e.preload.listed},
                  {"enforce", e.preload.mode == PreloadEvidence::Mode::enforce},
                  {"mxs", e.preload.mxs},
                  {"list_expired", e.preload.list_expired}};
  j["local_rule"] = e.local_rule
                        ? nlohmann::json{{"policy", e.local_rule->policy}, {"origin", e.local_rule->origin}}
                        : nlohmann::json(nullptr);
  j["logs"] = e.logs.safe_level.empty() ? nlohmann::json(nullptr)
                                        : nlohmann::json{{"safe_level", e.logs.safe_level}, {"text", e.logs.text}};
  return j;
}

std::string preload_text(const PreloadEvidence& preload) {
  if (preload.list_expired) return "list expired, ignored";
  if (!preload.listed) return "not listed";
  return std::string(preload.mode == PreloadEvidence::Mode::enforce ? "enforce" : "testing") + ", mxs " +
         list_or_dash(preload.mxs);
}

}  // namespace

const char* tlsa_text(DaneEvidence::Tlsa t) {
  switch (t) {
    case DaneEvidence::Tlsa::not_looked_up: return "not looked up";
    case DaneEvidence::Tlsa::none: return "no usable TLSA";
    case DaneEvidence::Tlsa::unusable: return "TLSA records, none usable for SMTP";
    case DaneEvidence::Tlsa::usable: return "usable TLSA";
    case DaneEvidence::Tlsa::lookup_failed: return "TLSA lookup failed";
  }
  return "?";
}

nlohmann::json explain_json(const GatheredEvidence& g, const Decision& d) {
  nlohmann::json j{{"domain", g.evidence.domain},
                   {"answer", to_string(d.answer)},
                   {"policy", d.policy},
                   {"source", to_string(d.source)},
                   {"rule", d.rule},
                   {"reason", d.reason}};
  j["evidence"] = evidence_json(g);
  return j;
}

void explain_text(std::ostream& out, const GatheredEvidence& g, const Decision& d) {
  const auto& e = g.evidence;
  out << e.domain << "\n  answer:  " << to_string(d.answer) << (d.policy.empty() ? "" : " " + d.policy)
      << "\n  because: " << d.reason << " [" << to_string(d.source) << "]"
      << "\n  rule:    " << d.rule << "\n  evidence:\n"
      << "    DANE:      MX RRset " << (e.dane.mx_rrset_secure ? "DNSSEC-secure" : "not DNSSEC-secure") << "; "
      << tlsa_text(e.dane.tlsa) << " (with: " << list_or_dash(e.dane.mx_with_tlsa)
      << "; without: " << list_or_dash(e.dane.mx_without_tlsa) << ")"
      << (e.dane.detail.empty() ? "" : "; " + e.dane.detail) << "\n"
      << "    MTA-STS:   " << g.sts_note;
  if (e.sts.policy)
    out << "; mode " << sts::to_string(e.sts.policy->mode) << ", mx " << list_or_dash(e.sts.policy->mx) << ", max_age "
        << e.sts.policy->max_age;
  out << "\n    preload:   " << preload_text(e.preload)
      << "\n    local:     " << (e.local_rule ? e.local_rule->policy + " (" + e.local_rule->origin + ")" : "-")
      << "\n    logs:      " << (e.logs.safe_level.empty() ? "-" : e.logs.safe_level + ": " + e.logs.text) << "\n\n";
}

}  // namespace mxtls::policy
