#include "tlsrpt/inputs.hpp"

#include <gmime/gmime.h>
#include <zlib.h>

#include <algorithm>
#include <filesystem>
#include <iostream>
#include <mutex>

#include "base/files.hpp"
#include "base/text.hpp"
#include "tlsrpt/dkim_verify.hpp"

namespace mxtls::tlsrpt {
namespace {

Received parsed(std::string origin, std::string json) {
  auto report = parse_report(json);
  return {std::move(origin), std::move(report), std::move(json)};
}

Received failed(std::string origin, const Error& error) { return {std::move(origin), error, {}}; }

// A report file's bytes: gzip (by its magic) or JSON.
Received report_from_file_bytes(std::string_view bytes, const std::string& origin) {
  if (bytes.size() >= 2 && static_cast<unsigned char>(bytes[0]) == 0x1f && static_cast<unsigned char>(bytes[1]) == 0x8b) {
    auto json = gunzip_bounded(bytes, max_report_size);
    if (!json) return failed(origin, json.error());
    return parsed(origin, std::move(*json));
  }
  return parsed(origin, std::string(bytes));
}

void init_gmime() {
  static std::once_flag once;
  std::call_once(once, [] { g_mime_init(); });
}

// RAII for GObject references.
template <typename T>
struct Unref {
  T* object;
  ~Unref() {
    if (object) g_object_unref(object);
  }
};

// How a MIME part carries a report (RFC 8460 5.3), by its media type, and
// by its file name for senders that label it application/gzip or similar.
enum class Carrier { none, gzip, json };

Carrier carrier_of(GMimeObject* part) {
  char* type = g_mime_content_type_get_mime_type(g_mime_object_get_content_type(part));
  std::string media = to_lower(type ? type : "");
  g_free(type);
  if (media == "application/tlsrpt+gzip") return Carrier::gzip;
  if (media == "application/tlsrpt+json") return Carrier::json;
  const char* name = g_mime_part_get_filename(GMIME_PART(part));
  std::string file = to_lower(name ? name : "");
  bool generic = media == "application/gzip" || media == "application/x-gzip" || media == "application/json" ||
                 media == "application/octet-stream";
  if (generic && file.ends_with(".json.gz")) return Carrier::gzip;
  if (generic && file.ends_with(".json")) return Carrier::json;
  return Carrier::none;
}

// The part's content with its transfer encoding (base64...) undone.
std::string decoded_content(GMimePart* part) {
  GMimeDataWrapper* content = g_mime_part_get_content(part);
  if (!content) return {};
  Unref<GMimeStream> stream{g_mime_stream_mem_new()};
  g_mime_data_wrapper_write_to_stream(content, stream.object);
  GByteArray* bytes = g_mime_stream_mem_get_byte_array(GMIME_STREAM_MEM(stream.object));
  return std::string(reinterpret_cast<const char*>(bytes->data), bytes->len);
}

struct PartWalk {
  std::string origin;
  std::vector<Received> found;
};

void visit_part(GMimeObject* /*parent*/, GMimeObject* object, gpointer data) {
  auto& walk = *static_cast<PartWalk*>(data);
  if (!GMIME_IS_PART(object) || walk.found.size() >= max_messages) return;
  Carrier carrier = carrier_of(object);
  if (carrier == Carrier::none) return;
  const char* name = g_mime_part_get_filename(GMIME_PART(object));
  std::string origin = walk.origin + ", part " + printable(name ? name : "(unnamed)", 120);
  std::string content = decoded_content(GMIME_PART(object));
  if (carrier == Carrier::json) {
    walk.found.push_back(parsed(origin, std::move(content)));
    return;
  }
  auto json = gunzip_bounded(content, max_report_size);
  walk.found.push_back(json ? parsed(origin, std::move(*json)) : failed(origin, json.error()));
}

std::vector<Received> reports_in_message(GMimeMessage* message, const std::string& origin) {
  PartWalk walk{origin, {}};
  g_mime_message_foreach(message, visit_part, &walk);
  if (!walk.found.empty()) return std::move(walk.found);
  GMimeObject* top = g_mime_message_get_mime_part(message);
  char* type = top ? g_mime_content_type_get_mime_type(g_mime_object_get_content_type(top)) : nullptr;
  std::string media = type ? type : "none";
  g_free(type);
  const char* subject = g_mime_message_get_subject(message);
  // not_found: a mail that is no report (spam to the report address) is
  // skipped, not an error: a pipe(8) transport would bounce it to a forged
  // sender (backscatter).
  return {failed(origin, not_found_error("no application/tlsrpt+gzip or application/tlsrpt+json part (RFC 8460 5.3) "
                                       "in a message of type " + printable(media, 80) + ", subject \"" +
                                       printable(subject ? subject : "", 80) + "\""))};
}

// The bytes of the message the parser has just constructed: the whole input
// for one message, its slice of an mbox (from its headers to where the
// parser stopped, the next "From " line).
std::string_view message_bytes(GMimeParser* parser, std::string_view bytes, bool mbox) {
  if (!mbox) return bytes;
  gint64 begin = g_mime_parser_get_headers_begin(parser), end = g_mime_parser_tell(parser);
  if (begin < 0 || end < begin || static_cast<uint64_t>(end) > bytes.size()) return {};
  return bytes.substr(static_cast<size_t>(begin), static_cast<size_t>(end - begin));
}

// What every report of one message shares: its TLS-Report-Submitter header
// (RFC 8460 5.3) and its DKIM verification, done once per message.
void record_delivery(std::vector<Received>& reports, GMimeMessage* message, std::string_view raw, DkimVerifier* dkim) {
  bool any = false;
  for (const auto& item : reports) any = any || item.report.ok();
  if (!any) return;
  const char* submitter = g_mime_object_get_header(GMIME_OBJECT(message), "TLS-Report-Submitter");
  DkimResult verified;
  if (dkim) verified = dkim->verify(raw);
  for (auto& item : reports) {
    if (!item.report) continue;
    item.report->submitter = to_lower(trim(printable(submitter ? submitter : "", 253)));
    item.report->dkim = verified;
  }
}

// One message, or (mbox) every message, through GMime's parser.
std::vector<Received> reports_in_mail(std::string_view bytes, const std::string& origin, bool mbox, DkimVerifier* dkim) {
  init_gmime();
  Unref<GMimeStream> stream{g_mime_stream_mem_new_with_buffer(bytes.data(), bytes.size())};
  Unref<GMimeParser> parser{g_mime_parser_new_with_stream(stream.object)};
  g_mime_parser_set_format(parser.object, mbox ? GMIME_FORMAT_MBOX : GMIME_FORMAT_MESSAGE);
  std::vector<Received> found;
  for (size_t n = 1; n <= max_messages && !g_mime_parser_eos(parser.object); ++n) {
    Unref<GMimeMessage> message{g_mime_parser_construct_message(parser.object, nullptr)};
    if (!message.object) {
      if (n == 1) found.push_back(failed(origin, invalid_error("not a report: neither JSON, gzip nor a mail message")));
      break;
    }
    auto reports = reports_in_message(message.object, mbox ? origin + ", message " + std::to_string(n) : origin);
    record_delivery(reports, message.object, message_bytes(parser.object, bytes, mbox), dkim);
    std::move(reports.begin(), reports.end(), std::back_inserter(found));
  }
  return found;
}

std::vector<Received> read_maildir(const std::filesystem::path& dir, DkimVerifier* dkim) {
  namespace fs = std::filesystem;
  std::vector<fs::path> files;
  std::error_code ec;
  for (const char* sub : {"cur", "new"}) {
    if (!fs::is_directory(dir / sub, ec)) continue;
    for (const auto& entry : fs::directory_iterator(dir / sub, ec))
      if (entry.is_regular_file(ec) && files.size() < max_messages) files.push_back(entry.path());
  }
  if (!fs::is_directory(dir / "cur", ec) && !fs::is_directory(dir / "new", ec))
    return {failed(dir.string(), invalid_error("a directory, but not a Maildir (no cur/ or new/)"))};
  std::sort(files.begin(), files.end());
  std::vector<Received> found;
  for (const auto& file : files) {
    auto reports = read_input(file.string(), dkim);
    std::move(reports.begin(), reports.end(), std::back_inserter(found));
  }
  return found;
}

Result<std::string> read_stdin() {
  std::string data;
  char buffer[65536];
  while (std::cin.read(buffer, sizeof buffer) || std::cin.gcount() > 0) {
    data.append(buffer, static_cast<size_t>(std::cin.gcount()));
    if (data.size() > max_input_size) return invalid_error("standard input is larger than 64 MiB");
  }
  return data;
}

}  // namespace

Result<std::string> gunzip_bounded(std::string_view data, size_t max_size) {
  z_stream z{};
  if (inflateInit2(&z, 15 + 16) != Z_OK) return invalid_error("cannot start gzip decompression");
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
  z.avail_in = static_cast<uInt>(std::min<size_t>(data.size(), UINT32_MAX));
  std::string out;
  char buffer[65536];
  int rc = Z_OK;
  while (rc != Z_STREAM_END) {
    z.next_out = reinterpret_cast<Bytef*>(buffer);
    z.avail_out = sizeof buffer;
    rc = inflate(&z, Z_NO_FLUSH);
    if (rc != Z_OK && rc != Z_STREAM_END) break;
    out.append(buffer, sizeof buffer - z.avail_out);
    if (out.size() > max_size) {
      inflateEnd(&z);
      return invalid_error("gzip data inflates to more than " + std::to_string(max_size >> 20) +
                           " MiB (a gzip bomb?): refused");
    }
    if (rc == Z_STREAM_END && z.avail_in > 0 && inflateReset(&z) == Z_OK) rc = Z_OK;  // another gzip member
  }
  std::string why = rc == Z_BUF_ERROR ? "truncated gzip data" : std::string("bad gzip data: ") + (z.msg ? z.msg : "?");
  inflateEnd(&z);
  if (rc != Z_STREAM_END) return invalid_error(why);
  return out;
}

std::vector<Received> read_bytes(std::string_view bytes, const std::string& origin, DkimVerifier* dkim) {
  if (bytes.starts_with("\xEF\xBB\xBF")) bytes.remove_prefix(3);  // a UTF-8 byte order mark before JSON
  auto start = bytes.find_first_not_of(" \t\r\n");
  bool gzip = bytes.size() >= 2 && static_cast<unsigned char>(bytes[0]) == 0x1f &&
              static_cast<unsigned char>(bytes[1]) == 0x8b;
  if (gzip || start == std::string_view::npos || bytes[start] == '{') return {report_from_file_bytes(bytes, origin)};
  return reports_in_mail(bytes, origin, bytes.starts_with("From "), dkim);
}

std::vector<Received> read_input(const std::string& path, DkimVerifier* dkim) {
  if (path == "-") {
    auto data = read_stdin();
    if (!data) return {failed("standard input", data.error())};
    return read_bytes(*data, "standard input", dkim);
  }
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec)) return read_maildir(path, dkim);
  auto data = read_bounded_file(path, max_input_size);
  if (!data) return {failed(path, data.error())};
  return read_bytes(*data, path, dkim);
}

}  // namespace mxtls::tlsrpt
