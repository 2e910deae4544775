#include "publish/render.hpp"

#include <map>

#include "base/text.hpp"

namespace mxtls::publish {

std::string zone_line(const Record& r) {
  return r.name + " " + std::to_string(r.ttl) + " IN " + r.type + " " + r.data;
}

namespace {

// Every line of `text` as a ';' comment, indented by `indent`.
std::string commented(const std::string& text, const std::string& indent = "") {
  std::string out;
  auto lines = split(text, '\n');
  if (!lines.empty() && lines.back().empty()) lines.pop_back();  // text ended with a newline
  for (auto line : lines) out += line.empty() ? ";\n" : "; " + indent + std::string(line) + "\n";
  return out;
}

// How the TLSA part of the plan reads, the records through `emit`.
template <typename Emit>
std::string tlsa_section(const Plan& plan, Emit emit) {
  if (plan.tlsa.empty()) return {};
  std::string out = ";\n; DANE (RFC 7672): TLSA records at _25._tcp.<MX host>\n";
  bool tradeoffs_said = false;
  for (const auto& t : plan.tlsa) {
    if (!t.publish) {
      out += "; " + t.refusal + "\n";
      continue;
    }
    out += "; " + t.mx + ": " + (t.records.size() > 1 ? "the current and the next key" : "the current key") +
           " (3 1 1)\n";
    out += emit(t.records);
    if (t.ca_alternative) out += "; or instead, the issuing CA (2 1 1):\n;   " + zone_line(*t.ca_alternative) + "\n";
    if (!t.ca_note.empty()) out += ";   (" + t.ca_note + ")\n";
    if (t.ca_alternative && !tradeoffs_said) out += commented(std::string(tradeoff_311) + "\n" + tradeoff_211);
    tradeoffs_said = tradeoffs_said || t.ca_alternative;
  }
  return out;
}

// --sts-mode enforce: refused (each reason) or done, and the notes.
std::string enforce_comments(const MtaStsPlan& sts) {
  if (!sts.enforce_requested) return {};
  std::string out;
  if (sts.enforce_refused.empty())
    out += commented("Mode enforce: every MX passed the probe from here" +
                     std::string(sts.enforce_notes.empty() ? " and the TLS reports show no failed session." : "."));
  else out += commented("Mode enforce refused; the policy stays in mode " + std::string(sts::to_string(sts.policy.mode)) + ":");
  for (const auto& reason : sts.enforce_refused) out += commented("- " + reason);
  for (const auto& note : sts.enforce_notes) out += commented(note);
  return out;
}

std::string mta_sts_comments(const MtaStsPlan& sts, const std::string& domain) {
  return enforce_comments(sts) +
         commented("The policy file, served at " + sts.url + "\nfrom " + sts.path + " (put it there first, then "
                   "publish the TXT record: senders fetch the policy when they see a new id, RFC 8461 3.1):") +
         commented(sts.policy_text, "  ") + commented("An nginx server block for it:") + commented(sts.nginx, "  ") +
         (sts.policy.mode == sts::Mode::enforce ? std::string() : commented(enforce_rule(domain)));
}

template <typename Emit>
std::string render(const Plan& plan, const std::string& title, Emit emit) {
  std::string out = "; mxtls publish " + plan.domain + ": " + title + "\n";
  for (const auto& note : plan.notes) out += "; " + note + "\n";
  out += tlsa_section(plan, emit);
  if (plan.mta_sts) {
    out += std::string(";\n; MTA-STS (RFC 8461), ") +
           (plan.mta_sts->policy.mode == sts::Mode::enforce ? "mode enforce" : "mode testing first") + "\n" +
           emit({plan.mta_sts->txt});
    out += mta_sts_comments(*plan.mta_sts, plan.domain);
  }
  if (plan.tlsrpt) out += ";\n; TLS-RPT (RFC 8460): where senders mail their daily reports\n" + emit({*plan.tlsrpt});
  return out;
}

}  // namespace

std::string render_zone(const Plan& plan) {
  return render(plan, "the records to publish, as zone-file lines", [](const std::vector<Record>& records) {
    std::string out;
    for (const auto& r : records) out += zone_line(r) + "\n";
    return out;
  });
}

namespace {

// One RFC 2136 update message per RRset (RFC 2136 2.3: a message updates
// one zone; an RRset is always inside one): the old RRset deleted and the
// new one added atomically. Names outside --zone are left as comments.
std::string nsupdate_message(const std::vector<Record>& records, const NsupdateTarget& target) {
  std::string out;
  for (size_t i = 0; i < records.size(); ++i) {
    const auto& r = records[i];
    bool outside = !target.zone.empty() && !in_domain(r.name.substr(0, r.name.size() - 1), target.zone);
    std::string prefix = outside ? ";   " : "";
    bool first_of_rrset = i == 0 || records[i - 1].name != r.name || records[i - 1].type != r.type;
    if (first_of_rrset) {
      if (outside) out += "; " + r.name + " is outside the zone " + target.zone + ": update its own zone with\n";
      else if (!target.zone.empty()) out += "zone " + target.zone + "\n";
      out += prefix + "update delete " + r.name + " " + r.type + "\n";
    }
    out += prefix + "update add " + r.name + " " + std::to_string(r.ttl) + " " + r.type + " " + r.data + "\n";
    bool last_of_rrset = i + 1 == records.size() || records[i + 1].name != r.name || records[i + 1].type != r.type;
    if (last_of_rrset) out += prefix + "send\n";
  }
  return out;
}

}  // namespace

std::string render_nsupdate(const Plan& plan, const NsupdateTarget& target) {
  std::string head = target.server.empty() ? "" : "server " + target.server + "\n";
  if (target.zone.empty()) head += "; no --zone: nsupdate finds each name's zone from its SOA\n";
  auto body = render(plan, "the records to publish, as nsupdate(1) input (RFC 2136)",
                     [&](const std::vector<Record>& records) { return nsupdate_message(records, target); });
  auto first_newline = body.find('\n');
  return body.substr(0, first_newline + 1) + head + body.substr(first_newline + 1);
}

namespace {

nlohmann::json record_json(const Record& r) {
  return {{"name", r.name}, {"type", r.type}, {"ttl", r.ttl}, {"data", r.data}, {"role", r.role}};
}

nlohmann::json tlsa_json(const TlsaPlan& t) {
  nlohmann::json records = nlohmann::json::array();
  for (const auto& r : t.records) records.push_back(record_json(r));
  return {{"mx", t.mx},
          {"name", t.owner},
          {"this_server", t.this_server},
          {"publish", t.publish},
          {"refusal", t.publish ? nlohmann::json(nullptr) : nlohmann::json(t.refusal)},
          {"records", records},
          {"ca_alternative", t.ca_alternative ? record_json(*t.ca_alternative) : nlohmann::json(nullptr)},
          {"ca_note", t.ca_note.empty() ? nlohmann::json(nullptr) : nlohmann::json(t.ca_note)}};
}

nlohmann::json mta_sts_json(const MtaStsPlan& sts, const std::string& domain) {
  return {{"txt", record_json(sts.txt)},
          {"policy", {{"mode", sts::to_string(sts.policy.mode)}, {"max_age", sts.policy.max_age}, {"mx", sts.policy.mx},
                      {"text", sts.policy_text}}},
          {"url", sts.url},
          {"path", sts.path},
          {"nginx", sts.nginx},
          {"enforce_rule", enforce_rule(domain)},
          {"enforce", sts.enforce_requested ? nlohmann::json{{"refused", sts.enforce_refused},
                                                             {"notes", sts.enforce_notes}}
                                            : nlohmann::json(nullptr)}};
}

}  // namespace

nlohmann::json to_json(const Plan& plan) {
  nlohmann::json tlsa = nlohmann::json::array(), records = nlohmann::json::array();
  for (const auto& t : plan.tlsa) tlsa.push_back(tlsa_json(t));
  for (const auto& r : plan.records()) records.push_back(record_json(r));
  return {{"domain", plan.domain},
          {"ttl", plan.options.ttl},
          {"notes", plan.notes},
          {"records", records},
          {"tlsa", tlsa},
          {"tradeoffs", {{"3 1 1", tradeoff_311}, {"2 1 1", tradeoff_211}}},
          {"mta_sts", plan.mta_sts ? mta_sts_json(*plan.mta_sts, plan.domain) : nlohmann::json(nullptr)},
          {"tlsrpt", plan.tlsrpt ? record_json(*plan.tlsrpt) : nlohmann::json(nullptr)}};
}

std::string render_verify_text(const std::string& domain, const Findings& findings, bool verbose) {
  std::string out;
  size_t differences = 0;
  for (const auto& f : findings.all()) {
    bool difference = f.severity == Severity::warning || f.severity == Severity::error;
    differences += difference;
    if (!difference && !verbose && f.severity != Severity::info) continue;
    out += std::string(to_string(f.severity)) + " " + f.id + " " + f.subject + ": " + f.what + "\n";
    if (!f.why.empty()) out += "    why: " + f.why + "\n";
    if (!f.fix.empty()) out += "    fix: " + f.fix + "\n";
  }
  out += domain + ": " +
         (differences == 0 ? std::string("no difference between what is live and what should be")
                           : std::to_string(differences) + (differences == 1 ? " difference" : " differences")) +
         "\n";
  return out;
}

nlohmann::json verify_to_json(const std::string& domain, const Findings& findings) {
  nlohmann::json list = nlohmann::json::array();
  for (const auto& f : findings.all())
    list.push_back({{"severity", to_string(f.severity)}, {"id", f.id}, {"subject", f.subject}, {"what", f.what},
                    {"why", f.why}, {"fix", f.fix}});
  return {{"domain", domain}, {"status", to_string(findings.worst())}, {"findings", list}};
}

int verify_exit_status(const Findings& findings) {
  switch (findings.worst()) {
    case Severity::error: return 2;
    case Severity::warning: return 1;
    default: return 0;
  }
}

}  // namespace mxtls::publish
