#include "tlsrpt/deliver.hpp"

#include <curl/curl.h>
#include <gmime/gmime.h>
#include <sqlite3.h>
#include <unistd.h>
#include <zlib.h>

#include <cstdlib>
#include <ctime>
#include <mutex>

#include "base/sqlite.hpp"
#include "base/process.hpp"
#include "base/text.hpp"
#include "base/time.hpp"

namespace mxtls::tlsrpt {
namespace {

template <typename T>
struct Unref {
  T* object;
  ~Unref() {
    if (object) g_object_unref(object);
  }
};

GMimeObject* text_part(const ReportMail& mail) {
  GMimeTextPart* text = g_mime_text_part_new_with_subtype("plain");
  std::string body = "This is an aggregate TLS report (RFC 8460) from " + mail.submitter + " for " + mail.domain +
                     ",\ncovering " + format_rfc3339(mail.start) + " to " + format_rfc3339(mail.end) +
                     ".\nReport-ID: " + mail.report_id + "\n";
  g_mime_text_part_set_text(text, body.c_str());
  return GMIME_OBJECT(text);
}

GMimeObject* report_part(const ReportMail& mail) {
  GMimePart* part = g_mime_part_new_with_type("application", "tlsrpt+gzip");
  Unref<GMimeStream> stream{g_mime_stream_mem_new_with_buffer(mail.gzipped.data(), mail.gzipped.size())};
  Unref<GMimeDataWrapper> content{g_mime_data_wrapper_new_with_stream(stream.object, GMIME_CONTENT_ENCODING_DEFAULT)};
  g_mime_part_set_content(part, content.object);
  g_mime_part_set_content_encoding(part, GMIME_CONTENT_ENCODING_BASE64);
  g_mime_part_set_filename(part, mail.file_name.c_str());  // Content-Disposition: attachment
  return GMIME_OBJECT(part);
}

void set_headers(GMimeMessage* message, const ReportMail& mail) {
  g_mime_message_add_mailbox(message, GMIME_ADDRESS_TYPE_FROM, nullptr, mail.from.c_str());
  g_mime_message_add_mailbox(message, GMIME_ADDRESS_TYPE_TO, nullptr, mail.to.c_str());
  // RFC 8460 5.3: the subject's suggested form, and the two required headers.
  std::string subject =
      "Report Domain: " + mail.domain + " Submitter: " + mail.submitter + " Report-ID: <" + mail.report_id + ">";
  g_mime_message_set_subject(message, subject.c_str(), nullptr);
  auto* object = GMIME_OBJECT(message);
  g_mime_object_set_header(object, "TLS-Report-Domain", mail.domain.c_str(), nullptr);
  g_mime_object_set_header(object, "TLS-Report-Submitter", mail.submitter.c_str(), nullptr);
  GDateTime* now = g_date_time_new_now_utc();
  g_mime_message_set_date(message, now);
  g_date_time_unref(now);
  static unsigned counter = 0;
  std::string id = "tlsrpt." + std::to_string(mail.start) + "." + std::to_string(::getpid()) + "." +
                   std::to_string(++counter) + "." + std::to_string(std::time(nullptr)) + "@" + mail.submitter;
  g_mime_message_set_message_id(message, id.c_str());
}

std::string temporary_file(const std::string& contents) {
  const char* dir = std::getenv("TMPDIR");
  std::string path = std::string(dir && *dir ? dir : "/tmp") + "/mxtls-tlsrpt-XXXXXX";
  int fd = ::mkstemp(path.data());
  if (fd < 0) return "";
  size_t done = 0;
  while (done < contents.size()) {
    ssize_t n = ::write(fd, contents.data() + done, contents.size() - done);
    if (n <= 0) break;
    done += static_cast<size_t>(n);
  }
  ::close(fd);
  if (done != contents.size()) return ::unlink(path.c_str()), "";
  return path;
}

size_t discard_body(char*, size_t size, size_t n, void*) { return size * n; }

class SqliteSentLog final : public SentLog {
 public:
  explicit SqliteSentLog(sqlite3* db) : db_(db) {}
  ~SqliteSentLog() override { sqlite3_close(db_); }
  SqliteSentLog(const SqliteSentLog&) = delete;
  SqliteSentLog& operator=(const SqliteSentLog&) = delete;

  Result<bool> was_sent(const std::string& domain, int64_t start, const std::string& rua) override {
    sqlite::Statement st(db_, "SELECT 1 FROM tlsrpt_sent WHERE domain = ?1 AND period_start = ?2 AND rua = ?3");
    if (!st) return temporary_error(std::string("sent-report database: ") + sqlite3_errmsg(db_));
    bind(st.get(), domain, start, rua);
    int rc = sqlite3_step(st.get());
    if (rc != SQLITE_ROW && rc != SQLITE_DONE) return temporary_error(std::string("sent-report database: ") + sqlite3_errmsg(db_));
    return rc == SQLITE_ROW;
  }

  Result<bool> mark_sent(const std::string& domain, int64_t start, const std::string& rua, const std::string& id,
                         int64_t now) override {
    sqlite::Statement st(db_,
                         "INSERT OR IGNORE INTO tlsrpt_sent (domain, period_start, rua, report_id, sent_at)"
                         " VALUES (?1, ?2, ?3, ?4, ?5)");
    if (!st) return temporary_error(std::string("sent-report database: ") + sqlite3_errmsg(db_));
    bind(st.get(), domain, start, rua);
    sqlite3_bind_text(st.get(), 4, id.c_str(), -1, SQLITE_TRANSIENT);
    sqlite3_bind_int64(st.get(), 5, now);
    int rc = sqlite3_step(st.get());
    if (rc != SQLITE_DONE) return temporary_error(std::string("sent-report database: ") + sqlite3_errmsg(db_));
    return true;
  }

 private:
  static void bind(sqlite3_stmt* st, const std::string& domain, int64_t start, const std::string& rua) {
    sqlite3_bind_text(st, 1, domain.c_str(), -1, SQLITE_TRANSIENT);
    sqlite3_bind_int64(st, 2, start);
    sqlite3_bind_text(st, 3, rua.c_str(), -1, SQLITE_TRANSIENT);
  }
  sqlite3* db_;
};

}  // namespace

Result<std::string> gzip_compress(std::string_view data) {
  z_stream z{};
  if (deflateInit2(&z, 9, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK) return temporary_error("zlib: deflateInit2");
  std::string out(deflateBound(&z, static_cast<uLong>(data.size())) + 32, '\0');
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
  z.avail_in = static_cast<uInt>(data.size());
  z.next_out = reinterpret_cast<Bytef*>(out.data());
  z.avail_out = static_cast<uInt>(out.size());
  int rc = deflate(&z, Z_FINISH);
  out.resize(z.total_out);
  deflateEnd(&z);
  if (rc != Z_STREAM_END) return temporary_error("zlib: deflate failed");
  return out;
}

std::string build_report_mail(const ReportMail& mail) {
  static std::once_flag once;
  std::call_once(once, [] { g_mime_init(); });
  Unref<GMimeMessage> message{g_mime_message_new(TRUE)};
  set_headers(message.object, mail);
  Unref<GMimeMultipart> report{g_mime_multipart_new_with_subtype("report")};
  g_mime_object_set_content_type_parameter(GMIME_OBJECT(report.object), "report-type", "tlsrpt");
  Unref<GMimeObject> text{text_part(mail)};
  Unref<GMimeObject> attachment{report_part(mail)};
  g_mime_multipart_add(report.object, text.object);
  g_mime_multipart_add(report.object, attachment.object);
  g_mime_message_set_mime_part(message.object, GMIME_OBJECT(report.object));
  char* text_of = g_mime_object_to_string(GMIME_OBJECT(message.object), nullptr);
  std::string result = text_of ? text_of : "";
  g_free(text_of);
  return result;
}

Result<bool> send_mail(const std::string& sendmail, const ReportMail& mail, const std::string& message) {
  std::string path = temporary_file(message);
  if (path.empty()) return temporary_error("cannot write the report mail to a temporary file");
  auto run = run_program({sendmail, "-oi", "-f", mail.from, "--", mail.to}, 64 * 1024, path);
  ::unlink(path.c_str());
  if (!run) return temporary_error(run.error().message);
  if (run->exit_status == 0) return true;
  std::string why = sendmail + " exited with status " + std::to_string(run->exit_status) + ": " + printable(run->err, 300);
  return run->exit_status == 75 ? temporary_error(why) : permanent_error(why);
}

Result<bool> post_report(const std::string& url, std::string_view gzipped, const std::string& ca_file,
                         std::chrono::milliseconds timeout) {
  CURL* h = curl_easy_init();
  if (!h) return temporary_error("curl_easy_init failed");
  curl_slist* headers = curl_slist_append(nullptr, "Content-Type: application/tlsrpt+gzip");
  char error[CURL_ERROR_SIZE] = "";
  curl_easy_setopt(h, CURLOPT_URL, url.c_str());
  curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "https");
  curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 0L);
  curl_easy_setopt(h, CURLOPT_POSTFIELDS, gzipped.data());
  curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE, static_cast<long>(gzipped.size()));
  curl_easy_setopt(h, CURLOPT_HTTPHEADER, headers);
  curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, static_cast<long>(timeout.count()));
  curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(h, CURLOPT_USERAGENT, "mxtls");
  curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, discard_body);
  curl_easy_setopt(h, CURLOPT_ERRORBUFFER, error);
  if (!ca_file.empty()) curl_easy_setopt(h, CURLOPT_CAINFO, ca_file.c_str());
  CURLcode rc = curl_easy_perform(h);
  long status = 0;
  curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
  curl_slist_free_all(headers);
  curl_easy_cleanup(h);
  if (rc != CURLE_OK) return temporary_error("POST " + url + ": " + (*error ? error : curl_easy_strerror(rc)));
  if (status >= 200 && status < 300) return true;
  std::string why = "POST " + url + ": HTTP status " + std::to_string(status);
  return status >= 500 || status == 429 ? temporary_error(why) : permanent_error(why);
}

Result<std::unique_ptr<SentLog>> SentLog::open(const std::string& path) {
  sqlite3* db = nullptr;
  if (sqlite3_open(path.c_str(), &db) != SQLITE_OK) {
    std::string why = db ? sqlite3_errmsg(db) : "out of memory";
    sqlite3_close(db);
    return temporary_error("cannot open the sent-report database " + path + ": " + why);
  }
  sqlite3_busy_timeout(db, 10000);
  const char* schema =
      "CREATE TABLE IF NOT EXISTS tlsrpt_sent (domain TEXT NOT NULL, period_start INTEGER NOT NULL, rua TEXT NOT NULL,"
      " report_id TEXT NOT NULL, sent_at INTEGER NOT NULL, PRIMARY KEY (domain, period_start, rua))";
  if (sqlite3_exec(db, schema, nullptr, nullptr, nullptr) != SQLITE_OK) {
    std::string why = sqlite3_errmsg(db);
    sqlite3_close(db);
    return temporary_error("cannot use the sent-report database " + path + ": " + why);
  }
  return std::unique_ptr<SentLog>(new SqliteSentLog(db));
}

}  // namespace mxtls::tlsrpt
