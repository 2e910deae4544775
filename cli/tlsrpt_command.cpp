// mxtls tlsrpt: store and read the SMTP TLS reports (RFC 8460) senders mail in.
#include <algorithm>
#include <chrono>
#include <ctime>
#include <filesystem>
#include <iostream>
#include <map>
#include <memory>
#include <optional>

#include "base/text.hpp"
#include "base/time.hpp"
#include "commands.hpp"
#include "base/files.hpp"
#include "dns/dns.hpp"
#include "tlsrpt/dkim_verify.hpp"
#include "tlsrpt/html/overview_html.hpp"
#include "tlsrpt/inputs.hpp"
#include "tlsrpt/overview.hpp"
#include "tlsrpt/store.hpp"

namespace mxtls::cli {
namespace {

// sysexits.h codes, which Postfix's pipe(8) maps to delivery status codes.
constexpr int usage_status = 64;      // EX_USAGE
constexpr int data_error_status = 65; // EX_DATAERR: pipe(8) returns the mail to its sender, "5.6.0 data format error"
constexpr int refused_status = 77;    // EX_NOPERM: --require-dkim refused it, "5.7.0"
constexpr int tempfail_status = 75;   // EX_TEMPFAIL: Postfix's pipe(8) defers the mail and tries again

constexpr const char* tlsrpt_help =
    "\nSenders that support SMTP TLS Reporting (RFC 8460: Google, Microsoft, mail.ru, ...) mail a daily report to\n"
    "the address in your domain's _smtp._tls TXT record (\"v=TLSRPTv1; rua=mailto:tlsrpt@example.org\"): how many\n"
    "sessions to your MX hosts succeeded with TLS under your MTA-STS or DANE policy, and each failure with its\n"
    "result type, the sending and receiving addresses. `ingest` stores them, `read` says what they mean.\n"
    "`generate` makes such reports for the domains your Postfix delivers to, from its logs.";

constexpr const char* ingest_help =
    "\nInputs (the kind is told from the content, so '-' may be any of them): a report (.json, or gzip .json.gz),\n"
    "a mail message (multipart/report; report-type=tlsrpt with an application/tlsrpt+gzip or +json part, RFC 8460\n"
    "5.3; MIME parsed by GMime), an mbox, a Maildir directory (cur/ and new/), '-' for standard input.\n"
    "Limits: 64 MiB per input, 16 MiB of JSON per report (a gzip bomb is refused, the rest of the batch is read).\n"
    "Reports are kept by organisation and report-id (RFC 8460 4.4: the id is unique per reporter): one delivered\n"
    "twice counts once (\"duplicate\"), except that a copy whose DKIM verdict is more trustworthy replaces the\n"
    "stored one (\"replaced\"; the order, lowest first: failed or over-limit; unsigned or not-checked; temperror;\n"
    "verified by an unrelated d=; verified by a d= that speaks for the report), so a forged copy that arrives\n"
    "first cannot shut out the signed one.\n\n"
    "One line per report found: \"INPUT: stored REPORT-ID (ORGANISATION, START to END)\", \"INPUT: replaced ...\",\n"
    "\"INPUT: duplicate REPORT-ID\", \"INPUT: skipped: WHY\" (a mail that holds no report: spam to the report\n"
    "address is not bounced, which would send backscatter to a forged sender) or \"INPUT: error: WHY\".\n\n"
    "DKIM (RFC 8460 3: reporters sign their mail, RFC 6376): each mail's signature is verified (libopendkim, the\n"
    "key looked up through --resolver-config or /etc/resolv.conf) and stored with its reports: verified (and the\n"
    "d= domain), unsigned, temperror (the key could not be had for now: a DNS timeout or SERVFAIL, RFC 6376\n"
    "6.1.2 TEMPFAIL), over-limit (more than 5 DKIM-Signature headers, of which only the first 5 are tried, or the\n"
    "time budget of 15 s per mail ran out, RFC 6376 6.1) or failed (and why: no key record, a changed body...);\n"
    "\"unrelated to the report\" when d= is neither the mail's TLS-Report-Submitter nor the contact-info's domain.\n"
    "Unverified reports are stored all the same (evidence, flagged); --require-dkim refuses them instead. Key\n"
    "lookups of one run stop after 120 s in all (the rest are temperror), so no input stalls ingest.\n\n"
    "Exit status (sysexits.h, which a Postfix pipe(8) transport maps to the delivery status): 0 every input read\n"
    "(stored, replaced, duplicate or skipped); 65 EX_DATAERR some report could not be read (a gzip bomb, broken\n"
    "JSON: the others are stored, and Postfix returns the mail to its sender as \"5.6.0 data format error\" with\n"
    "this output, so the reporter learns); 77 EX_NOPERM --require-dkim refused a report (5.7.0); 64 usage; 75\n"
    "EX_TEMPFAIL the database could not be opened or written, or a DKIM temperror: Postfix defers the mail and\n"
    "delivers it again later, so no report is lost and its signature is verified again (without --require-dkim\n"
    "the report is stored meanwhile, as temperror, and the verified copy replaces it). 75 wins over 77 and 65.\n\n"
    "Postfix, straight from the mail (see the README): /etc/aliases\n"
    "  tlsrpt: \"|/usr/local/bin/mxtls tlsrpt ingest --db /var/lib/mxtls/tlsrpt.sqlite -\"\n"
    "or a master.cf transport\n"
    "  mxtls-tlsrpt unix - n n - 4 pipe\n"
    "    flags=RX user=mxtls argv=/usr/local/bin/mxtls tlsrpt ingest --db /var/lib/mxtls/tlsrpt.sqlite -\n"
    "with transport_maps = hash:/etc/postfix/transport and \"tlsrpt@example.org mxtls-tlsrpt:\" in it.\n\n"
    "Examples:\n"
    "  mxtls tlsrpt ingest ~/Maildir/.TLSRPT\n"
    "  mxtls tlsrpt ingest --db ./tlsrpt.sqlite google.com!example.org!1725321600!1725407999!001.json.gz\n"
    "  mxtls tlsrpt ingest - < report.eml";

constexpr const char* read_help =
    "\nWithout FILE, reads the database (--db); with FILE..., reads those inputs directly (the same kinds as\n"
    "`ingest`), storing nothing, and verifies each mail's DKIM signature as `ingest` does (the key looked up\n"
    "through --resolver-config or /etc/resolv.conf; --no-dkim: not-checked). A report seen twice (same\n"
    "organisation and report-id) counts once, the copy with the more trustworthy DKIM verdict (as `ingest`).\n"
    "Each report's DKIM verdict is listed under \"Reports\" (text) and in report_list[].dkim (JSON).\n\n"
    "The report, per reporting organisation, per policy (sts, tlsa, no-policy-found; and its domain), per\n"
    "receiving MX host: sessions, failed sessions and their share, and for each failure type (RFC 8460 4.3):\n"
    "the sessions, the sending addresses, the sender's failure-reason-code, what it means for you and the fix\n"
    "(the MX host and domain filled in). --json prints one document (schema: docs/tlsrpt-json.md); --html FILE\n"
    "also writes the same in one self-contained page, with the failure share per UTC day as a chart. Reports the\n"
    "sender got slightly wrong (a count left out, failure details that do not add up) are read and listed\n"
    "under \"Odd reports\".\n\n"
    "--check checks each policy domain the failure details name again, with the engine of `mxtls check` (its\n"
    "--resolver-config, --ca-file, --timeout, --deadline), and says per failure type and MX host \"still\" (the\n"
    "check finds the problem, naming its finding), \"gone\" (it finds the opposite) or \"cannot tell\" (and why).\n\n"
    "Exit status: 0 all read, 1 some input (or stored row) could not be read or there is no database, 2 the\n"
    "--html file could not be written, 3 --check or the DKIM verification of FILE... could not start (resolver),\n"
    "64 usage, 75 the database could not be opened.\n\n"
    "Examples:\n"
    "  mxtls tlsrpt read\n"
    "  mxtls tlsrpt read --since 2026-11-01 --json > tlsrpt.json\n"
    "  mxtls tlsrpt read --html /var/www/tlsrpt.html\n"
    "  mxtls tlsrpt read --since 2026-11-01 --check\n"
    "  mxtls tlsrpt read report.eml other.json.gz";

std::string describe(const tlsrpt::Report& report) {
  return printable(report.report_id, 120) + " (" + printable(report.organization_name, 80) + ", " +
         format_rfc3339(report.start) + " to " + format_rfc3339(report.end) + ")";
}

}  // namespace

void TlsrptCommand::add_to(CLI::App& app) {
  auto* cmd = app.add_subcommand("tlsrpt", "Store and read the SMTP TLS reports (RFC 8460) senders mail you; generate your own");
  cmd->require_subcommand(1);
  cmd->footer(tlsrpt_help);
  auto* ingest = cmd->add_subcommand("ingest", "Store the TLS reports in FILE... ('-': standard input) in the database");
  ingest->footer(ingest_help);
  ingest->add_option("--db", database_, "The report database (SQLite)")->default_str(tlsrpt::default_database);
  ingest->add_option("inputs", inputs_, "Reports, mail messages, mboxes, Maildirs; '-' for standard input")->required();
  ingest->add_option("--resolver-config", resolver_config_,
                     "An unbound.conf for the DKIM key lookups (default: /etc/resolv.conf)");
  auto* no_dkim = ingest->add_flag("--no-dkim", no_dkim_, "Do not verify DKIM signatures (reports are stored as not-checked)");
  ingest->add_flag("--require-dkim", require_dkim_,
                   "Store only reports in mail with a verified DKIM signature (RFC 8460 3); refuse the others")
      ->excludes(no_dkim);
  ingest->callback([this] { exit_status_ = this->ingest(); });
  auto* read = cmd->add_subcommand("read", "What the stored reports (or those in FILE...) say, with the fixes");
  read->footer(read_help);
  auto* db = read->add_option("--db", database_, "The report database (SQLite)")->default_str(tlsrpt::default_database);
  auto* files = read->add_option("inputs", inputs_, "Read these inputs instead of the database");
  db->excludes(files);
  read->add_flag("--json", json_, "Print one JSON document (schema: docs/tlsrpt-json.md) instead of the text");
  read->add_option("--html", html_file_, "Also write a self-contained HTML page to FILE (failure share per day as a chart)");
  auto* read_no_dkim = read->add_flag("--no-dkim", no_dkim_, "With FILE...: do not verify the DKIM signatures of mailed reports (not-checked)");
  read_no_dkim->needs(files);
  read->add_option("--since", since_, "Only reports whose period ends on or after DATE (YYYY-MM-DD, UTC, or RFC 3339)");
  add_check_options(*read);
  read->callback([this, read] { exit_status_ = this->read(*read); });
  add_generate(*cmd);
}

namespace {

// The DKIM verdict on ingest's line (RFC 8460 3); "" for reports that came in no mail.
std::string dkim_note(const tlsrpt::Report& report) {
  const auto& dkim = report.dkim;
  std::string domain = dkim.domain.empty() ? "" : " d=" + printable(dkim.domain, 120);
  std::string unrelated =
      tlsrpt::dkim_domain_related(dkim.domain, report.submitter, report.contact_info) ? "" : ", unrelated to the report";
  std::string why = " (" + printable(dkim.detail, 300) + ")";
  switch (dkim.status) {
    case tlsrpt::DkimStatus::not_checked: return "";
    case tlsrpt::DkimStatus::unsigned_mail: return ", DKIM: unsigned";
    case tlsrpt::DkimStatus::verified: return ", DKIM: verified" + domain + unrelated;
    case tlsrpt::DkimStatus::temperror: return ", DKIM: temperror" + domain + why;
    case tlsrpt::DkimStatus::over_limit: return ", DKIM: over-limit" + domain + why;
    case tlsrpt::DkimStatus::failed: break;
  }
  return ", DKIM: failed" + domain + why;
}

// Which of two exit statuses a batch ends with: a deferral first (Postfix
// tries the whole mail again: nothing is lost, and the key lookup is
// repeated), then a refusal, then a data error.
int worse_status(int a, int b) {
  auto rank = [](int status) {
    return status == tempfail_status ? 3 : status == refused_status ? 2 : status == data_error_status ? 1 : 0;
  };
  return rank(b) > rank(a) ? b : a;
}

// ingest's line for a report it stored, kept as a duplicate or stored over a less trustworthy copy.
std::string added_line(tlsrpt::ReportStore::Added added, const tlsrpt::Report& report) {
  switch (added) {
    case tlsrpt::ReportStore::Added::stored: return ": stored " + describe(report) + dkim_note(report);
    case tlsrpt::ReportStore::Added::replaced:
      return ": replaced " + describe(report) + dkim_note(report) +
             " (the stored copy's DKIM verdict was less trustworthy)";
    case tlsrpt::ReportStore::Added::duplicate: break;
  }
  return ": duplicate " + printable(report.report_id, 120) + " (already stored)";
}

// One report found by ingest, stored unless it is unreadable or refused; the
// exit status it asks for (0, or data_error, refused, tempfail).
//
// A DKIM temperror (the key could not be had for now, RFC 6376 6.1.2
// TEMPFAIL) stores the report (flagged, so nothing is lost) and asks for
// EX_TEMPFAIL: a pipe(8) transport defers the mail (Postfix pipe(8):
// "75 ... temporary failure"), delivers it again later, and that copy,
// once its signature verifies, replaces the stored one (ReportStore::add).
int store_received(tlsrpt::Received& item, tlsrpt::ReportStore& store, bool require_dkim) {
  std::string origin = printable(item.origin, 300);
  if (!item.report && item.report.error().kind == ErrorKind::not_found) {
    std::cout << origin << ": skipped: " << item.report.error().message << "\n";
    return 0;
  }
  if (!item.report) {
    std::cout << origin << ": error: " << item.report.error().message << "\n";
    return data_error_status;
  }
  const auto& dkim = item.report->dkim;
  bool later = dkim.status == tlsrpt::DkimStatus::temperror;
  if (require_dkim && dkim.status != tlsrpt::DkimStatus::verified) {
    std::cout << origin << ": refused (--require-dkim) " << printable(item.report->report_id, 120) << dkim_note(*item.report)
              << (dkim.status == tlsrpt::DkimStatus::not_checked ? ", DKIM: not a mail" : "") << "\n";
    return later ? tempfail_status : refused_status;
  }
  auto added = store.add(*item.report, item.json, static_cast<int64_t>(std::time(nullptr)));
  if (!added) {
    std::cerr << "mxtls tlsrpt ingest: " << added.error().message << "\n";
    return tempfail_status;
  }
  std::cout << origin << added_line(*added, *item.report)
            << (later ? "; deferred (EX_TEMPFAIL) so the signature is verified again on redelivery" : "") << "\n";
  return later ? tempfail_status : 0;
}

}  // namespace

namespace {

// The DKIM verifier of ingest and read FILE... (one code path, RFC 8460 3)
// with its resolver (--resolver-config, else /etc/resolv.conf).
struct Dkim {
  std::unique_ptr<dns::Resolver> resolver;
  std::unique_ptr<tlsrpt::DkimVerifier> verifier;
};

Result<Dkim> start_dkim(const std::string& resolver_config) {
  auto made = dns::make_unbound_resolver({resolver_config, {}, std::chrono::seconds(5)});
  if (!made) return made.error();
  auto verifier = tlsrpt::DkimVerifier::create(**made);
  if (!verifier) return verifier.error();
  return Dkim{std::move(*made), std::move(*verifier)};
}

}  // namespace

int TlsrptCommand::ingest() {
  Dkim dkim;
  if (!no_dkim_) {
    auto started = start_dkim(resolver_config_);
    if (!started) {
      std::cerr << "mxtls tlsrpt ingest: DKIM verification: " << started.error().message << "\n";
      return tempfail_status;
    }
    dkim = std::move(*started);
  }
  auto* verifier = dkim.verifier.get();
  auto store = tlsrpt::ReportStore::open(database_.empty() ? tlsrpt::default_database : database_);
  if (!store) {
    std::cerr << "mxtls tlsrpt ingest: " << store.error().message << "\n";
    return tempfail_status;
  }
  int status = 0;
  for (const auto& input : inputs_)
    for (auto& item : tlsrpt::read_input(input, verifier)) {
      int result = store_received(item, **store, require_dkim_);
      status = worse_status(status, result);
    }
  return status;
}

namespace {

// The stored reports ending on or after since into reports; an exit status when the database cannot be read.
std::optional<int> load_database(const std::string& path, int64_t since, std::vector<tlsrpt::Report>& reports,
                                 bool& some_failed) {
  std::error_code ec;
  if (path != ":memory:" && !std::filesystem::exists(path, ec)) {  // reading creates no database
    std::cerr << "mxtls tlsrpt read: no report database at " << path << " (mxtls tlsrpt ingest makes it)\n";
    return 1;
  }
  auto store = tlsrpt::ReportStore::open(path);
  auto loaded = store ? (*store)->load(since) : Result<tlsrpt::StoredReports>(store.error());
  if (!loaded) {
    std::cerr << "mxtls tlsrpt read: " << loaded.error().message << "\n";
    return tempfail_status;
  }
  for (const auto& problem : loaded->problems) std::cerr << "mxtls tlsrpt read: " << problem << "\n";
  some_failed = !loaded->problems.empty();
  reports = std::move(loaded->reports);
  return std::nullopt;
}

// The reports in the inputs ending on or after since, each once (of two
// copies the more trustworthy, the rule of the database: ReportStore::add);
// true when some input could not be read. With a verifier, each mail's DKIM
// signature is verified as ingest does.
bool load_inputs(const std::vector<std::string>& inputs, int64_t since, tlsrpt::DkimVerifier* verifier,
                 std::vector<tlsrpt::Report>& reports) {
  bool some_failed = false;
  std::map<std::string, size_t> seen;  // organisation and report-id -> its index in reports
  for (const auto& input : inputs)
    for (auto& item : tlsrpt::read_input(input, verifier)) {
      if (!item.report) {
        std::cerr << "mxtls tlsrpt read: " << printable(item.origin, 300) << ": " << item.report.error().message << "\n";
        some_failed = true;
        continue;
      }
      if (item.report->end < since) continue;
      auto [at, fresh] = seen.emplace(item.report->organization_name + '\n' + item.report->report_id, reports.size());
      if (fresh) reports.push_back(std::move(*item.report));
      else if (tlsrpt::dkim_trust(*item.report) > tlsrpt::dkim_trust(reports[at->second]))
        reports[at->second] = std::move(*item.report);
    }
  return some_failed;
}

}  // namespace

int TlsrptCommand::read(const CLI::App& cmd) {
  std::optional<int64_t> since;
  if (!since_.empty() && !(since = parse_date_or_rfc3339(since_))) {
    std::cerr << "mxtls tlsrpt read: --since '" << printable(since_, 60)
              << "' is neither YYYY-MM-DD nor an RFC 3339 date-time\n";
    return usage_status;
  }
  std::vector<tlsrpt::Report> reports;
  bool some_failed = false;
  if (inputs_.empty() || cmd.count("--db")) {
    std::string path = database_.empty() ? tlsrpt::default_database : database_;
    if (auto status = load_database(path, since.value_or(INT64_MIN), reports, some_failed)) return *status;
  } else {
    Dkim dkim;
    if (!no_dkim_) {
      auto started = start_dkim(check_.resolver_config);
      if (!started) {
        std::cerr << "mxtls tlsrpt read: DKIM verification: " << started.error().message << "\n";
        return 3;
      }
      dkim = std::move(*started);
    }
    some_failed = load_inputs(inputs_, since.value_or(INT64_MIN), dkim.verifier.get(), reports);
  }
  auto overview = tlsrpt::build_overview(reports);
  if (!html_file_.empty()) {
    if (auto written = write_file_atomically(html_file_, tlsrpt::render_html(overview)); !written) {
      std::cerr << "mxtls tlsrpt read: " << written.error().message << "\n";
      return 2;
    }
  }
  if (check_.enabled) return print_rechecked(overview, reports, some_failed ? 1 : 0);
  std::cout << (json_ ? tlsrpt::render_json(overview) : tlsrpt::render_text(overview));
  return some_failed ? 1 : 0;
}

}  // namespace mxtls::cli
