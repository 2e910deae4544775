// mxtls tlsrpt generate: SMTP TLS reports (RFC 8460) for a Postfix that
// does not make them, from its logs and the recipient domains' policies.
#include <unistd.h>

#include <algorithm>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <optional>
#include <set>

#include "base/files.hpp"
#include "base/text.hpp"
#include "base/time.hpp"
#include "commands.hpp"
#include "dns/dns.hpp"
#include "logs/reader.hpp"
#include "mta_sts/sts.hpp"
#include "policy/setup.hpp"
#include "tlsrpt/decision_record.hpp"
#include "tlsrpt/deliver.hpp"
#include "tlsrpt/generate.hpp"
#include "tlsrpt/record.hpp"

namespace mxtls::cli {
namespace {

constexpr int usage_status = 64;
constexpr int tempfail_status = 75;

constexpr const char* generate_help =
    "\nPostfix before 3.10 sends no TLS reports. This makes them from its logs: one RFC 8460 aggregate report per\n"
    "recipient domain and UTC day, for each domain that publishes a TLS-RPT record (_smtp._tls TXT, looked up in\n"
    "the DNS), and delivers it to the record's rua addresses.\n\n"
    "Facts: the logs are read by the same reader as `mxtls logs` (plain, .gz, rotated sets). A session counts as\n"
    "successful when it delivered over TLS; a deferral or bounce with a TLS cause, or a delivery without TLS,\n"
    "counts as failed, with the receiving MX host and address and the result type the log supports:\n"
    "starttls-not-supported (\"TLS is required, but was not offered\"), certificate-expired,\n"
    "certificate-host-mismatch, certificate-not-trusted (when the log names the cause: smtp_tls_loglevel = 1);\n"
    "otherwise validation-failure, with additional-information saying what the log does not tell. The policy\n"
    "(tlsa, sts, no-policy-found) is the one `mxtls serve --record-decisions FILE` recorded for the domain last\n"
    "before each attempt, with --decisions FILE FILE.1 (a day whose policy changed gets one policies[] entry per\n"
    "policy); for attempts without one, the domain's DANE and MTA-STS state gathered now, as `mxtls policy\n"
    "explain` does. additional-information says which: the lookup may differ from what applied at delivery.\n\n"
    "Days: --day, or every complete UTC day the logs hold (not today). Run it daily after midnight UTC.\n\n"
    "Delivery: --out DIR writes SUBMITTER!DOMAIN!BEGIN!END!ID.json.gz (RFC 8460 5.1). --send mails each report\n"
    "to its mailto: rua through sendmail (RFC 8460 5.3: multipart/report; report-type=\"tlsrpt\", the headers\n"
    "TLS-Report-Domain and TLS-Report-Submitter, an application/tlsrpt+gzip part; your MTA signs it with DKIM,\n"
    "which RFC 8460 3 requires, e.g. OpenDKIM as a milter), and POSTs it to an https: rua with Content-Type\n"
    "application/tlsrpt+gzip (RFC 8460 5.4). What was sent is recorded in --sent-db (one report per domain,\n"
    "day and rua, never sent twice); a temporary failure is tried again on the next run.\n\n"
    "One line per report: \"DOMAIN DAY: N successful, M failed sessions: RESULT\", RESULT being \"written FILE\",\n"
    "\"sent to RUA\", \"already sent to RUA\", \"will retry RUA: WHY\", \"failed RUA: WHY\" or \"not delivered\".\n\n"
    "Exit status: 0 done, 1 some input or report failed for good, 64 usage, 75 some delivery failed temporarily.\n\n"
    "Examples:\n"
    "  mxtls tlsrpt generate --logs /var/log/mail.log* --submitter mail.example.net --out /tmp/reports\n"
    "  mxtls tlsrpt generate --logs /var/log/mail.log /var/log/mail.log.1 --submitter mail.example.net \\\n"
    "      --org 'Example Net' --contact tlsrpt-contact@example.net --send\n"
    "Daily, from cron (/etc/cron.d/mxtls-tlsrpt):\n"
    "  17 1 * * * mxtls /usr/local/bin/mxtls tlsrpt generate --logs /var/log/mail.log /var/log/mail.log.1 "
    "--submitter mail.example.net --send";

std::string default_submitter() {
  char name[256] = "";
  if (::gethostname(name, sizeof name - 1) != 0 || !*name) return "localhost";
  return name;
}

// --rua-map FILE: "DOMAIN RUA..." per line ('#' comments): TLS-RPT records given instead of looked up.
Result<std::map<std::string, std::vector<std::string>>> read_rua_map(const std::string& path) {
  auto text = read_bounded_file(path, 16 << 20);
  if (!text) return text.error();
  std::map<std::string, std::vector<std::string>> map;
  size_t number = 0;
  for (const auto& line : split(*text, '\n')) {
    ++number;
    auto words = split(trim(line), ' ');
    words.erase(std::remove(words.begin(), words.end(), ""), words.end());
    if (words.empty() || words[0][0] == '#') continue;
    if (words.size() < 2) return invalid_error(path + ":" + std::to_string(number) + ": expected DOMAIN RUA...");
    map[to_lower(words[0])].assign(words.begin() + 1, words.end());
  }
  return map;
}

bool usable_rua(const std::string& rua) { return rua.rfind("mailto:", 0) == 0 || rua.rfind("https://", 0) == 0; }

// The domain's rua list: from the map, or its _smtp._tls record (RFC 8460 3).
std::vector<std::string> rua_of(const std::string& domain, const std::map<std::string, std::vector<std::string>>* map,
                                dns::Resolver* resolver, std::string& note) {
  std::vector<std::string> found;
  if (map) {
    auto it = map->find(domain);
    if (it != map->end()) found = it->second;
  } else if (resolver) {
    auto txt = dns::lookup_txt(*resolver, "_smtp._tls." + domain);
    if (!txt) {
      note = txt.error().kind == ErrorKind::not_found ? "" : "TLS-RPT lookup failed: " + txt.error().message;
      return {};
    }
    auto record = tlsrpt::select_record(*txt);
    if (!record) return note = "TLS-RPT record not usable: " + record.error().message, std::vector<std::string>{};
    found = record->rua;
  }
  std::vector<std::string> usable;
  for (const auto& rua : found)
    if (usable_rua(rua)) usable.push_back(rua);
    else note = "rua " + printable(rua, 80) + " is neither mailto: nor https:";
  return usable;
}

// The policy from the domain's DANE and MTA-STS state now (RFC 8460 4.4;
// policy::reported_policy, the one serve records).
tlsrpt::PolicyFacts policy_now(const std::string& domain, policy::OpenService& open) {
  tlsrpt::PolicyFacts facts;
  facts.policy_domain = domain;
  facts.source = "the domain's DANE and MTA-STS state gathered when the report was generated (" +
                 format_rfc3339(std::time(nullptr)) + "), not a record of each delivery";
  auto reported = policy::reported_policy(open.service->gather(domain, *open.tools).evidence);
  facts.type = reported.type == "tlsa"  ? tlsrpt::PolicyType::tlsa
               : reported.type == "sts" ? tlsrpt::PolicyType::sts
                                        : tlsrpt::PolicyType::no_policy_found;
  facts.policy_string = std::move(reported.strings);
  facts.mx_host = std::move(reported.mx_patterns);
  return facts;
}

// --decisions FILE...: the records of `mxtls serve --record-decisions`.
bool read_decisions(const std::vector<std::string>& files, tlsrpt::DecisionHistory& history) {
  constexpr size_t max_file = size_t{1} << 30;
  for (const auto& file : files) {
    auto text = read_bounded_file(file, max_file);
    if (!text) return std::cerr << "mxtls tlsrpt generate: " << text.error().message << "\n", false;
    uint64_t bad_before = history.bad_lines();
    history.add_text(*text);
    if (history.bad_lines() > bad_before)
      std::cerr << "mxtls tlsrpt generate: " << file << ": " << history.bad_lines() - bad_before
                << " damaged lines skipped\n";
  }
  if (history.dropped()) std::cerr << "mxtls tlsrpt generate: " << history.dropped() << " decisions beyond the cap\n";
  return true;
}

// Reads the logs, keeping each outbound attempt by domain and UTC day.
bool read_attempts(const std::vector<std::string>& files, int year, bool utc, tlsrpt::AttemptsByDay& days) {
  logs::AnalyzeOptions options;
  if (year) options.year = year;
  if (!utc) options.local_to_utc = local_time_converter();
  options.threads = 1;  // the callback fills `days` without a lock
  options.warn = [](const std::string& m) { std::cerr << "mxtls tlsrpt generate: " << m << "\n"; };
  options.aggregate.on_attempt = [&days](const logs::Attempt& a) {
    tlsrpt::AttemptFact fact{a.delivered, a.tls,
                             std::string(a.relay.host), std::string(a.relay.ip),
                             a.delivered ? "" : logs::to_string(a.failure), std::string(a.reason),
                             std::string(a.tls_detail), a.time};
    if (a.delivered && !a.tls_known) return;  // the log cannot tell: neither success nor failure
    days.add(std::string(a.domain), a.time, std::move(fact));
  };
  auto analysis = logs::analyze(logs::order_rotated(files), options);
  return !analysis.input_errors();
}

// Delivers one report and says how it went; the worst outcome so far in `status`.
class Deliverer {
 public:
  Deliverer(const TlsrptGenerateOptions& o, tlsrpt::SentLog* sent) : o_(o), sent_(sent) {}

  std::string deliver(const tlsrpt::GeneratedReport& report, const std::string& domain,
                      const std::vector<std::string>& ruas, int& status) {
    auto gz = tlsrpt::gzip_compress(report.json);
    if (!gz) return status = std::max(status, 1), "failed: " + gz.error().message;
    auto name = tlsrpt::report_file_name(o_.submitter, domain, report.start, report.end, report.report_id);
    std::vector<std::string> said;
    if (!o_.out_dir.empty()) {
      auto path = (std::filesystem::path(o_.out_dir) / name).string();
      auto written = write_file_atomically(path, *gz);
      said.push_back(written ? "written " + path : "failed: " + written.error().message);
      if (!written) status = std::max(status, 1);
    }
    if (o_.send)
      for (const auto& rua : ruas) said.push_back(send_once(report, domain, rua, name, *gz, status));
    return said.empty() ? "not delivered (neither --out nor --send)" : join(said, "; ");
  }

 private:
  std::string send_once(const tlsrpt::GeneratedReport& report, const std::string& domain, const std::string& rua,
                        const std::string& name, const std::string& gz, int& status) {
    auto already = sent_->was_sent(domain, report.start, rua);
    if (!already) return status = tempfail_status, "will retry " + rua + ": " + already.error().message;
    if (*already) return "already sent to " + rua;
    Result<bool> sent = false;
    if (rua.rfind("mailto:", 0) == 0) {
      tlsrpt::ReportMail mail{o_.from, rua.substr(7), domain, o_.submitter, report.report_id, name, gz,
                              report.start, report.end};
      sent = tlsrpt::send_mail(o_.sendmail, mail, tlsrpt::build_report_mail(mail));
    } else {
      sent = tlsrpt::post_report(rua, gz, o_.ca_file, std::chrono::milliseconds(static_cast<int64_t>(o_.timeout_seconds * 1000)));
    }
    if (!sent) {
      bool later = sent.error().kind == ErrorKind::temporary;
      if (later) status = tempfail_status;
      else status = std::max(status == tempfail_status ? status : 0, 1);
      return (later ? "will retry " : "failed ") + rua + ": " + sent.error().message;
    }
    auto marked = sent_->mark_sent(domain, report.start, rua, report.report_id, std::time(nullptr));
    if (!marked) std::cerr << "mxtls tlsrpt generate: " << marked.error().message << " (it may be sent again)\n";
    return "sent to " + rua;
  }

  const TlsrptGenerateOptions& o_;
  tlsrpt::SentLog* sent_;
};

// Which days to report: --day, or every complete UTC day before today.
bool wanted_day(int64_t day, const std::optional<int64_t>& only) {
  if (only) return day == *only;
  int64_t now = std::time(nullptr);
  return day + 86400 <= now;
}

// The policy of attempts serve recorded nothing for: the lookup now (once
// per domain), or none with --no-policy-lookup.
const tlsrpt::PolicyFacts& fallback_policy(const std::string& domain, policy::OpenService* open,
                                           std::map<std::string, tlsrpt::PolicyFacts>& known) {
  auto it = known.find(domain);
  if (it != known.end()) return it->second;
  tlsrpt::PolicyFacts policy;
  policy.policy_domain = domain;
  policy.source = "not looked up (--no-policy-lookup)";
  if (open) policy = policy_now(domain, *open);
  return known.emplace(domain, std::move(policy)).first->second;
}

}  // namespace

void TlsrptCommand::add_generate(CLI::App& tlsrpt_cmd) {
  auto* cmd = tlsrpt_cmd.add_subcommand("generate", "Make TLS reports (RFC 8460) from Postfix logs and send them");
  cmd->footer(generate_help);
  auto& o = gen_;
  cmd->add_option("--logs", o.logs, "Postfix log files (plain or .gz, rotated sets in any order; '-': stdin)")->required();
  cmd->add_option("--day", o.day, "Only this UTC day (YYYY-MM-DD); default: every complete day in the logs");
  cmd->add_option("--submitter", o.submitter,
                  "Your domain as reporter: TLS-Report-Submitter, report-id, file names (default: the host name)");
  cmd->add_option("--org", o.org, "organization-name in the reports (default: the submitter)");
  cmd->add_option("--contact", o.contact, "contact-info in the reports (default: postmaster@SUBMITTER)");
  cmd->add_option("--from", o.from, "Sender of report mail (default: the contact address)");
  auto* out = cmd->add_option("--out", o.out_dir, "Write each report to DIR as RFC 8460 5.1 names it");
  auto* send = cmd->add_flag("--send", o.send, "Mail (mailto:) or POST (https:) each report to its rua");
  out->excludes(send);
  cmd->add_option("--sendmail", o.sendmail, "The sendmail program for mailto: rua")->capture_default_str();
  cmd->add_option("--sent-db", o.sent_db, "Record of the reports sent (SQLite)")->default_str(tlsrpt::default_sent_database);
  cmd->add_option("--rua-map", o.rua_map, "TLS-RPT rua addresses from FILE (\"DOMAIN RUA...\" lines), not the DNS");
  cmd->add_option("--decisions", o.decisions,
                  "Records of `mxtls serve --record-decisions` (FILE FILE.1 ...): each attempt's policy is the one "
                  "serve recorded for its domain last before it; attempts without one use the lookup")
      ->expected(1, -1);
  cmd->add_flag("--no-policy-lookup", o.no_policy_lookup,
                "Do not gather DANE/MTA-STS: every report says no-policy-found (with --rua-map: no network at all)");
  cmd->add_option("--resolver-config", o.resolver_config, "unbound.conf for the validating resolver");
  cmd->add_option("--trust-anchor", o.trust_anchor, "DNSSEC trust anchor file");
  cmd->add_option("--ca-file", o.ca_file, "CAs for MTA-STS policy hosts and https: rua (default: the system's)");
  cmd->add_option("--timeout", o.timeout_seconds, "Seconds for each DNS query, HTTPS fetch and POST")->capture_default_str();
  cmd->add_option("--year", o.year, "Year of the first syslog stamp (default: from each file's modification time)")
      ->check(CLI::Range(1970, 9999));
  cmd->add_flag("--utc", o.utc, "Syslog stamps are UTC, not local time");
  cmd->callback([this] { exit_status_ = generate(); });
}

int TlsrptCommand::generate() {
  auto& o = gen_;
  std::optional<int64_t> only_day;
  if (!o.day.empty()) {
    auto parsed = parse_rfc3339_prefix(o.day + "T00:00:00Z");
    if (o.day.size() != 10 || !parsed) return std::cerr << "mxtls tlsrpt generate: --day wants YYYY-MM-DD\n", usage_status;
    only_day = parsed->epoch;
  }
  if (o.submitter.empty()) o.submitter = default_submitter();
  if (o.org.empty()) o.org = o.submitter;
  if (o.contact.empty()) o.contact = "postmaster@" + o.submitter;
  if (o.from.empty()) o.from = o.contact.rfind("mailto:", 0) == 0 ? o.contact.substr(7) : o.contact;
  std::optional<std::map<std::string, std::vector<std::string>>> rua_map;
  if (!o.rua_map.empty()) {
    auto map = read_rua_map(o.rua_map);
    if (!map) return std::cerr << "mxtls tlsrpt generate: " << map.error().message << "\n", usage_status;
    rua_map = std::move(*map);
  }
  tlsrpt::DecisionHistory history;
  if (!read_decisions(o.decisions, history)) return 1;
  tlsrpt::AttemptsByDay days;
  int status = read_attempts(o.logs, o.year, o.utc, days) ? 0 : 1;
  if (days.dropped()) std::cerr << "mxtls tlsrpt generate: " << days.dropped() << " attempts beyond the caps not counted\n";
  std::optional<policy::OpenService> open;
  if (!rua_map || !o.no_policy_lookup) {
    policy::ServiceSettings settings;
    settings.resolver_config = o.resolver_config;
    settings.trust_anchor = o.trust_anchor;
    settings.ca_file = o.ca_file;
    settings.timeout = std::chrono::milliseconds(static_cast<int64_t>(o.timeout_seconds * 1000));
    settings.caller_tools = true;
    auto opened = policy::open_service(settings);
    if (!opened) return std::cerr << "mxtls tlsrpt generate: " << opened.error().message << "\n", tempfail_status;
    open = std::move(*opened);
  }
  std::unique_ptr<tlsrpt::SentLog> sent;
  if (o.send) {
    auto log = tlsrpt::SentLog::open(o.sent_db.empty() ? tlsrpt::default_sent_database : o.sent_db);
    if (!log) return std::cerr << "mxtls tlsrpt generate: " << log.error().message << "\n", tempfail_status;
    sent = std::move(*log);
  }
  return report_all(days, only_day, rua_map ? &*rua_map : nullptr, open ? &*open : nullptr, history, sent.get(),
                    status);
}

int TlsrptCommand::report_all(const tlsrpt::AttemptsByDay& days, std::optional<int64_t> only_day,
                              const std::map<std::string, std::vector<std::string>>* rua_map,
                              policy::OpenService* open, const tlsrpt::DecisionHistory& history,
                              tlsrpt::SentLog* sent, int status) {
  auto& o = gen_;
  Deliverer deliverer(o, sent);
  std::map<std::string, std::vector<std::string>> ruas_of;        // looked up once each
  std::map<std::string, tlsrpt::PolicyFacts> policy_of;           // looked up once each, when some attempt needs it
  for (const auto& [key, attempts] : days.days()) {
    const auto& [domain, day] = key;
    if (!wanted_day(day, only_day)) continue;
    auto known = ruas_of.find(domain);
    if (known == ruas_of.end()) {
      std::string note;
      known = ruas_of.emplace(domain, rua_of(domain, rua_map, open ? open->tools->resolver.get() : nullptr, note)).first;
      if (!note.empty()) std::cerr << "mxtls tlsrpt generate: " << domain << ": " << note << "\n";
    }
    const auto& ruas = known->second;
    if (ruas.empty()) continue;  // no TLS-RPT record: nobody asked for a report
    tlsrpt::DomainDay facts{domain, day, {}, attempts, {}};
    tlsrpt::assign_recorded_policies(facts, history);
    bool needs_lookup = std::any_of(facts.attempts.begin(), facts.attempts.end(),
                                    [](const tlsrpt::AttemptFact& a) { return a.recorded < 0; });
    if (needs_lookup || facts.attempts.empty()) facts.policy = fallback_policy(domain, o.no_policy_lookup ? nullptr : open, policy_of);
    auto report = tlsrpt::generate_report(facts, {o.org, o.contact, o.submitter});
    std::string result = deliverer.deliver(report, domain, ruas, status);
    std::cout << domain << " " << format_rfc3339(day).substr(0, 10) << ": " << report.successful << " successful, "
              << report.failed << " failed sessions: " << result << "\n";
  }
  return status;
}

}  // namespace mxtls::cli
