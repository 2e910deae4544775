// Finding TLS reports in what arrives (I/O, mxtls_tlsrpt_io): a report file
// (.json, or .json.gz), a mail message (RFC 8460 5.3: multipart/report;
// report-type=tlsrpt with an application/tlsrpt+gzip or +json part; MIME
// parsed by GMime), an mbox, a Maildir, or standard input. The kind is told
// from the content, not the name, so stdin from a Postfix pipe(8) transport
// may be any of them.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "base/result.hpp"
#include "tlsrpt/report.hpp"

namespace mxtls::tlsrpt {

class DkimVerifier;  // tlsrpt/dkim_verify.hpp

constexpr size_t max_input_size = 64u << 20;  // one file, message or mbox, as read
constexpr size_t max_messages = 100000;       // per mbox or Maildir

// One report found (or one that could not be had) in an input.
struct Received {
  std::string origin;     // "FILE", "FILE, message 3", "FILE, part NAME.json.gz"
  Result<Report> report;  // the parsed report, or why there is none
  std::string json;       // the report's JSON as received, when there was one
};

// Every report in the input at `path` ("-": standard input). An input that
// yields no report gives one entry with the error, so a batch goes on. With
// `dkim`, each mail message's signature is verified and recorded in its
// reports (Report::dkim); without, they are not_checked. Each report of a
// mail also gets the mail's TLS-Report-Submitter header.
std::vector<Received> read_input(const std::string& path, DkimVerifier* dkim = nullptr);

// The same from bytes already read; `origin` names them in messages.
std::vector<Received> read_bytes(std::string_view bytes, const std::string& origin, DkimVerifier* dkim = nullptr);

// gzip (RFC 1952) data, whole, if it inflates to at most max_size bytes: a
// gzip bomb is refused (invalid) once the output passes the cap, without
// inflating the rest.
Result<std::string> gunzip_bounded(std::string_view data, size_t max_size);

}  // namespace mxtls::tlsrpt
