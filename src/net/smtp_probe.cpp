#include "net/smtp_probe.hpp"

#include <openssl/evp.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include <asio.hpp>
#include <asio/ssl.hpp>
#include <memory>

#include "base/text.hpp"
#include "net/smtp_reply.hpp"
#include "net/tls_inspect.hpp"

namespace mxtls::smtp {
namespace {

using asio::ip::tcp;

// Stops asio's read at the end of a reply line (ends_reply_line): the
// ReplyParser then takes every complete line in the buffer.
struct LineEnd {
  template <typename Iterator>
  std::pair<Iterator, bool> operator()(Iterator begin, Iterator end) const {
    for (Iterator it = begin; it != end; ++it)
      if (ends_reply_line(static_cast<unsigned char>(*it))) return {++it, true};
    return {end, false};
  }
};

}  // namespace
}  // namespace mxtls::smtp

template <>
struct asio::is_match_condition<mxtls::smtp::LineEnd> : std::true_type {};

namespace mxtls::smtp {
namespace {

// Runs one asynchronous operation to completion or until the conversation's
// deadline; on timeout the socket is closed, which ends the conversation.
class Conversation {
 public:
  Conversation(std::chrono::milliseconds timeout)
      : socket_(io_), deadline_(std::chrono::steady_clock::now() + timeout) {}

  template <typename Start>
  std::error_code run(Start start) {
    std::optional<std::error_code> result;
    start([&result](std::error_code ec, auto&&...) { result = ec; });
    io_.restart();
    io_.run_until(deadline_);
    if (result) return *result;
    std::error_code ignored;
    socket_.close(ignored);  // cancels the operation
    io_.restart();
    io_.run();
    return asio::error::timed_out;
  }

  Result<bool> connect(const std::string& address, uint16_t port) {
    std::error_code ec;
    auto ip = asio::ip::make_address(address, ec);
    if (ec) return invalid_error("\"" + address + "\" is not an IP address");
    tcp::endpoint endpoint(ip, port);
    ec = run([&](auto handler) { socket_.async_connect(endpoint, handler); });
    if (ec) return temporary_error("cannot connect to " + address + " port " + std::to_string(port) + ": " + describe(ec));
    return true;
  }

  // Reads one reply; bytes after it (a pipelining server's) stay buffered.
  template <typename Stream>
  Result<Reply> read_reply(Stream& stream, const char* waiting_for) {
    ReplyParser parser(waiting_for);
    for (;;) {
      auto parsed = parser.consume(buffer_);
      if (!parsed) return parsed.error();
      if (*parsed) return std::move(**parsed);
      // Stops at a line end, or with not_found once the buffer holds
      // max_reply_line bytes: consume() then reports the over-long line.
      auto ec = run([&](auto handler) {
        asio::async_read_until(stream, asio::dynamic_buffer(buffer_, max_reply_line), LineEnd{}, handler);
      });
      if (ec && ec != asio::error::not_found)
        return temporary_error(std::string("while waiting for ") + waiting_for + ": " + describe(ec));
    }
  }

  template <typename Stream>
  Result<bool> send(Stream& stream, const std::string& command) {
    auto ec = run([&](auto handler) { asio::async_write(stream, asio::buffer(command), handler); });
    if (ec) return temporary_error("while sending " + command.substr(0, command.find(' ')) + ": " + describe(ec));
    return true;
  }

  template <typename Stream>
  Result<Reply> command(Stream& stream, const std::string& line, const char* name) {
    auto sent = send(stream, line + "\r\n");
    if (!sent) return sent.error();
    return read_reply(stream, name);
  }

  tcp::socket& socket() { return socket_; }
  bool buffer_empty() const { return buffer_.empty(); }
  void discard_buffer() { buffer_.clear(); }

  static std::string describe(std::error_code ec) {
    if (ec == asio::error::timed_out) return "timed out";
    if (ec == asio::error::eof) return "connection closed by the server";
    return ec.message();
  }

 private:
  asio::io_context io_;
  tcp::socket socket_;
  std::chrono::steady_clock::time_point deadline_;
  std::string buffer_;
};

void configure_context(SSL_CTX* ctx, const TlsSettings& settings, const Options& options) {
  SSL_CTX_set_verify(ctx, SSL_VERIFY_NONE, nullptr);  // we report, we do not refuse
  if (options.ca_file.empty()) SSL_CTX_set_default_verify_paths(ctx);
  else SSL_CTX_load_verify_locations(ctx, options.ca_file.c_str(), nullptr);
  SSL_CTX_set_min_proto_version(ctx, settings.min_version ? settings.min_version : TLS1_VERSION);
  SSL_CTX_set_max_proto_version(ctx, settings.max_version);
  SSL_CTX_set_cipher_list(ctx, settings.cipher_list.c_str());
  SSL_CTX_set_options(ctx, SSL_OP_NO_TICKET);
  if (!settings.tlsa.empty()) SSL_CTX_dane_enable(ctx);
}

// Arms OpenSSL's DANE verifier (RFC 7672 semantics: no name checks for DANE-EE).
void enable_dane(SSL* ssl, const std::string& host_name, const std::vector<dane::Tlsa>& tlsa) {
  SSL_dane_enable(ssl, host_name.c_str());
  SSL_dane_set_flags(ssl, DANE_FLAG_NO_DANE_EE_NAMECHECKS);
  for (const auto& r : tlsa)
    SSL_dane_tlsa_add(ssl, r.usage, r.selector, r.mtype, reinterpret_cast<const unsigned char*>(r.data.data()),
                      r.data.size());
}

std::string tls_failure(std::error_code ec) {
  if (ec.category() == asio::error::get_ssl_category()) {
    char text[256];
    ERR_error_string_n(static_cast<unsigned long>(ec.value()), text, sizeof text);
    return std::string("TLS handshake failed: ") + text;
  }
  return "TLS handshake failed: " + Conversation::describe(ec);
}

}  // namespace

Result<Session> probe(const std::string& address, uint16_t port, const std::string& host_name,
                      const TlsSettings& settings, const Options& options) {
  Conversation talk(options.timeout);
  if (auto connected = talk.connect(address, port); !connected) return connected.error();
  auto& socket = talk.socket();

  auto greeting = talk.read_reply(socket, "the greeting");
  if (!greeting) return greeting.error();
  Session session;
  session.banner = printable(greeting->lines.front());
  if (greeting->code != 220)
    return permanent_error("server greets with " + std::to_string(greeting->code) + " \"" + session.banner +
                           "\" instead of 220");

  auto ehlo = talk.command(socket, "EHLO " + options.helo_name, "the EHLO reply");
  if (!ehlo) return ehlo.error();
  if (ehlo->code != 250) return permanent_error("EHLO rejected with " + std::to_string(ehlo->code));
  auto capabilities = ehlo_capabilities(*ehlo);
  session.ehlo_keywords = std::move(capabilities.keywords);
  session.starttls_offered = capabilities.starttls;
  if (!session.starttls_offered) {
    (void)talk.command(socket, "QUIT", "the QUIT reply");
    return session;
  }

  auto starttls = talk.command(socket, "STARTTLS", "the STARTTLS reply");
  if (!starttls) return starttls.error();
  if (starttls->code != 220) {
    session.tls_error = "STARTTLS refused with " + std::to_string(starttls->code) + " \"" +
                        printable(starttls->lines.front()) + "\"";
    return session;
  }

  // Plaintext the server (or someone on the path) sent after its 220 must
  // not be read as replies inside TLS: the STARTTLS command injection
  // pattern (CVE-2011-0411, RFC 3207 section 5). Discard it.
  talk.discard_buffer();
  asio::ssl::context context(asio::ssl::context::tls_client);
  configure_context(context.native_handle(), settings, options);
  asio::ssl::stream<asio::ip::tcp::socket&> tls(socket, context);
  SSL* ssl = tls.native_handle();
  SSL_set_tlsext_host_name(ssl, host_name.c_str());
  if (!settings.tlsa.empty()) enable_dane(ssl, host_name, settings.tlsa);

  auto ec = talk.run([&](auto handler) { tls.async_handshake(asio::ssl::stream_base::client, handler); });
  if (ec) {
    session.tls_error = tls_failure(ec);
    session.tls_refused = ec.category() == asio::error::get_ssl_category();
    return session;
  }
  session.tls = inspect_tls(ssl, host_name);
  (void)talk.command(tls, "QUIT", "the QUIT reply");
  return session;
}

}  // namespace mxtls::smtp
