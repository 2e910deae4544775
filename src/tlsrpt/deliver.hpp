// Delivering generated TLS reports (RFC 8460 section 5; I/O, mxtls_tlsrpt_io):
// gzip (zlib), the report mail (GMime) handed to the local sendmail(1), the
// HTTPS POST (libcurl), and the record of what was sent (SQLite), so that
// no report is sent twice and one that failed temporarily is sent on a
// later run.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "base/result.hpp"

namespace mxtls::tlsrpt {

constexpr const char* default_sent_database = "/var/lib/mxtls/tlsrpt-sent.sqlite";

// gzip (RFC 1952) of data, as RFC 8460 5.1 asks ("application/tlsrpt+gzip").
Result<std::string> gzip_compress(std::string_view data);

// What a report mail needs (RFC 8460 5.3).
struct ReportMail {
  std::string from;       // the envelope and header sender, e.g. postmaster@mail.example.net
  std::string to;         // the rua address without "mailto:"
  std::string domain;     // the policy domain: TLS-Report-Domain
  std::string submitter;  // the reporter's domain: TLS-Report-Submitter
  std::string report_id;
  std::string file_name;  // report_file_name(): the attachment's name
  std::string gzipped;    // the report, gzipped
  int64_t start = 0, end = 0;
};

// The message, built with GMime: the TLS-Report-Domain and
// TLS-Report-Submitter headers, a Subject with both and the report-id,
// Content-Type multipart/report; report-type="tlsrpt", a text/plain part
// for people, and the report as an application/tlsrpt+gzip attachment
// (base64). No DKIM signature: the MTA (an OpenDKIM milter) signs it, as
// RFC 8460 3 requires of mailed reports.
std::string build_report_mail(const ReportMail& mail);

// Hands the message to `sendmail -oi -f FROM -- TO` (argument vector, no
// shell). temporary Error when sendmail exits 75 (EX_TEMPFAIL) or cannot be
// run, permanent on another non-zero status.
Result<bool> send_mail(const std::string& sendmail, const ReportMail& mail, const std::string& message);

// RFC 8460 5.4: POST of the gzipped report with Content-Type
// application/tlsrpt+gzip. 2xx: sent; 5xx, 429 and transport errors:
// temporary; other statuses: permanent.
Result<bool> post_report(const std::string& url, std::string_view gzipped, const std::string& ca_file,
                         std::chrono::milliseconds timeout);

// Which reports went to which rua, one row per policy domain, day and rua:
// one report per day (RFC 8460 4.1), even if the log grows and the report
// would come out different.
class SentLog {
 public:
  static Result<std::unique_ptr<SentLog>> open(const std::string& path);
  virtual ~SentLog() = default;
  virtual Result<bool> was_sent(const std::string& domain, int64_t start, const std::string& rua) = 0;
  virtual Result<bool> mark_sent(const std::string& domain, int64_t start, const std::string& rua,
                                 const std::string& report_id, int64_t now) = 0;
};

}  // namespace mxtls::tlsrpt
