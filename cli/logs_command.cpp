// mxtls logs: TLS statistics from Postfix logs.
#include <unistd.h>

#include <climits>
#include <cstdio>
#include <memory>
#include <ctime>
#include <fstream>
#include <iostream>

#include "base/files.hpp"
#include "commands.hpp"
#include "logs/report.hpp"
#include "logs/html/html_report.hpp"

namespace mxtls::cli {
namespace {

// The text after the options in `mxtls logs --help`.
constexpr const char* logs_help =
    "\nRead Postfix logs and tell, per correspondent domain and peer, how much mail went with and without TLS,\n"
    "at what trust level, and what would have been deferred or refused had TLS been required.\n\n"
    "Input: syslog files (\"Nov 22 10:00:00 host postfix/smtp[123]: ...\"), RFC 3339 stamps\n"
    "(\"2026-11-22T10:00:00.123456+01:00 host ...\"), Postfix's own maillog_file, multi-instance and\n"
    "master.cf service names (postfix-out/smtp, postfix/submission/smtpd); plain or gzip files, '-' for stdin.\n"
    "A rotated set (mail.log.2.gz mail.log.1 mail.log) is read oldest first whatever the order given.\n"
    "Syslog stamps have no year: it comes from --year or each file's modification time (Dec -> Jan rollover\n"
    "is followed), and they are read as local time (TZ) unless --utc.\n"
    "Postfix logs TLS details only with smtp_tls_loglevel >= 1 (outbound) and smtpd_tls_loglevel >= 1 (inbound;\n"
    "without it, the starttls=1 counter of the disconnect line still tells TLS from plaintext).\n\n"
    "Sections of the report:\n"
    "  Outbound     per recipient domain: delivered messages (status=sent), share sent over TLS, share with a\n"
    "               Verified certificate, TLS failures (deferrals and bounces caused by TLS), and the strongest\n"
    "               smtp_tls_security_level the history supports (secure, verify, encrypt, may).\n"
    "  Inbound      per sender domain (from qmgr from=<>) and per client host[ip]: messages, sessions, TLS share,\n"
    "               failed STARTTLS handshakes.\n"
    "  What if      how many messages and which domains a mandatory TLS level would have deferred (outbound:\n"
    "               encrypt, verify, secure) or refused (inbound: encrypt).\n"
    "  Evidence     per domain, a sentence like \"always Verified TLS over 30 days, 412 messages: safe to require\n"
    "               `secure`\"; a mandatory level is only suggested with --min-messages over --min-days.\n"
    "  Letters      (--json, --html) a polite, ready-to-send text for each plaintext-only correspondent domain\n"
    "               explaining STARTTLS and how to enable it.\n\n"
    "Problems in the input (unreadable or truncated files, binary junk, overlong lines) are reported on stderr\n"
    "with file and line (the first 20, then a count); everything that could be read is still reported.\n\n"
    "Exit status: 0 all input read, 2 some input unreadable, corrupt or in an unknown format, 64 usage.\n\n"
    "Examples:\n"
    "  mxtls logs /var/log/mail.log\n"
    "  mxtls logs /var/log/mail.log*                      # the whole rotated set, oldest first\n"
    "  mxtls logs --json /var/log/mail.log.1 /var/log/mail.log > tls.json\n"
    "  mxtls logs --html report.html --year 2025 old/mail.log.gz\n"
    "  journalctl -u postfix -o short-iso | mxtls logs --csv -\n"
    "  mxtls logs --sort messages --min-messages 50 --min-days 14 /var/log/mail.log";

}  // namespace

void LogsCommand::add_to(CLI::App& app) {
  auto* cmd = app.add_subcommand("logs", "TLS statistics from Postfix logs: who gets and sends mail in plaintext");
  cmd->footer(logs_help);
  cmd->add_option("files", files_, "Log files (plain or .gz), '-' for standard input")->required();
  cmd->add_flag("--json", json_, "Print one JSON document (schema: docs/logs-json.md) instead of the table");
  cmd->add_flag("--csv", csv_, "Print CSV, one row per domain or client and direction, instead of the table");
  cmd->add_option("--html", html_file_, "Also write a self-contained HTML report to FILE");
  cmd->add_option("--sort", sort_, "Order of the lists: plaintext (lowest TLS share first), messages, domain")
      ->capture_default_str()
      ->check(CLI::IsMember({"plaintext", "messages", "domain"}));
  cmd->add_option("--year", year_, "Year of the first syslog stamp (default: from each file's modification time)")
      ->check(CLI::Range(1970, 9999));
  cmd->add_flag("--utc", utc_, "Syslog stamps are UTC, not local time");
  cmd->add_flag("--skip-local", skip_local_,
                "Ignore loopback peers (127.0.0.0/8, ::1): content filters such as amavis, local tools");
  cmd->add_flag("--keep-order", keep_order_, "Read the files in the order given, not oldest rotation first");
  cmd->add_option("--min-messages", min_messages_, "Messages needed before a mandatory TLS level is suggested")
      ->capture_default_str();
  cmd->add_option("--min-days", min_days_, "Days of history needed before a mandatory TLS level is suggested")
      ->capture_default_str()
      ->check(CLI::Range(0.0, 3650.0));
  cmd->add_option("--max-peers", max_peers_,
                  "At most N distinct recipient domains, sender domains, clients and MX hosts each (0: no bound); "
                  "beyond N, new ones are counted in buckets per registered domain (*.example.com) or per /24 or "
                  "/48 network (*[192.0.2.0/24]), and the report says so")
      ->capture_default_str();
  cmd->add_option("--max-rows", max_rows_, "Rows per table in the terminal report")->capture_default_str();
  cmd->add_flag("--no-color", no_colour_, "No colour, even on a terminal");
  cmd->add_flag("--no-progress", no_progress_, "No progress bar on a terminal");
  cmd->add_option("--threads", threads_,
                  "1: read and count in one thread; 2: read, decompress and parse in one, count in another "
                  "(default: 2 on a multi-core machine)")
      ->check(CLI::Range(1, 2));
  cmd->callback([this] { exit_status_ = run(); });
}

// Syslog writes local time: find the UTC offset of each local hour once.
logs::LineParser::LocalToUtc local_time_converter() {
  struct Cache {
    int64_t hour = INT64_MIN, offset = 0;
  };
  auto cache = std::make_shared<Cache>();
  return [cache](int64_t local) {
    int64_t hour = local / 3600;
    if (hour != cache->hour) {
      time_t t = static_cast<time_t>(hour * 3600);
      struct tm fields{};
      gmtime_r(&t, &fields);
      fields.tm_isdst = -1;
      time_t utc = mktime(&fields);
      cache->hour = hour;
      cache->offset = utc == static_cast<time_t>(-1) ? 0 : static_cast<int64_t>(utc) - hour * 3600;
    }
    return local + cache->offset;
  };
}

namespace {

void show_progress(uint64_t done, uint64_t total) {
  if (total == 0) return;
  int percent = static_cast<int>(100 * std::min(done, total) / total);
  int width = 30, filled = percent * width / 100;
  std::fprintf(stderr, "\r[%s%s] %3d%%  %.0f of %.0f MB", std::string(static_cast<size_t>(filled), '#').c_str(),
               std::string(static_cast<size_t>(width - filled), '.').c_str(), percent, static_cast<double>(done) / 1e6,
               static_cast<double>(total) / 1e6);
}

}  // namespace

int LogsCommand::run() {
  if (json_ && csv_) {
    std::cerr << "mxtls logs: --json and --csv exclude each other\n";
    return 64;
  }
  logs::AnalyzeOptions options;
  if (year_) options.year = year_;
  options.threads = threads_;
  options.aggregate.skip_local = skip_local_;
  options.aggregate.min_messages = min_messages_;
  options.aggregate.min_days = min_days_;
  options.aggregate.max_peers = max_peers_;
  if (!utc_) options.local_to_utc = local_time_converter();
  options.warn = [](const std::string& message) { std::cerr << "\r\033[Kmxtls logs: " << message << "\n"; };
  if (!isatty(STDERR_FILENO)) options.warn = [](const std::string& m) { std::cerr << "mxtls logs: " << m << "\n"; };
  bool progress = !no_progress_ && isatty(STDERR_FILENO);
  uint64_t last_percent = 101;
  if (progress)
    options.progress = [&](uint64_t done, uint64_t total) {
      if (total < (64u << 20)) return;  // small inputs: no bar
      uint64_t percent = 100 * std::min(done, total) / total;
      if (percent != last_percent) show_progress(done, total), last_percent = percent;
    };
  auto files = keep_order_ ? files_ : logs::order_rotated(files_);
  auto analysis = logs::analyze(files, options);
  if (progress && last_percent != 101) std::cerr << "\r\033[K" << std::flush;
  if (json_ || csv_)  // the table shows them itself
    for (const auto& warning : analysis.report.warnings) std::cerr << "mxtls logs: " << warning << "\n";
  if (analysis.suppressed_messages)
    std::cerr << "mxtls logs: " << analysis.suppressed_messages << " more input problems not shown\n";

  auto order = sort_ == "messages" ? logs::SortOrder::messages
               : sort_ == "domain" ? logs::SortOrder::domain
                                   : logs::SortOrder::plaintext;
  if (order != logs::SortOrder::plaintext) logs::sort_report(analysis.report, order);
  if (!html_file_.empty()) {
    if (auto written = write_file_atomically(html_file_, logs::render_html(logs::to_json(analysis))); !written) {
      std::cerr << "mxtls logs: " << written.error().message << "\n";
      return 2;
    }
  }
  if (json_) {
    logs::write_json(analysis, std::cout);
  } else if (csv_) {
    std::cout << logs::render_csv(analysis);
  } else {
    bool colour = !no_colour_ && isatty(STDOUT_FILENO) && !getenv("NO_COLOR");
    std::cout << logs::render_table(analysis, colour, max_rows_);
  }
  return analysis.input_errors() ? 2 : 0;
}

}  // namespace mxtls::cli
