// Netstrings (http://cr.yp.to/proto/netstrings.txt) as Postfix's socketmap
// protocol uses them: "<length>:<bytes>,". An incremental reader for bytes
// arriving in arbitrary pieces from an untrusted client, bounded in size.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "base/result.hpp"

namespace mxtls::socketmap {

std::string encode_netstring(std::string_view payload);

class NetstringReader {
 public:
  // Postfix's own socketmap client limits requests to 100000 bytes.
  explicit NetstringReader(size_t max_payload = 100000) : max_payload_(max_payload) {}

  // Appends received bytes. Returns false once the stream is malformed; the
  // connection should then be dropped (there is no way to resynchronise).
  // Call next() until it yields nothing after every feed: the buffer then
  // never holds more than one bounded netstring plus the last piece fed.
  bool feed(std::string_view bytes);

  // The next complete payload, if one is buffered; an Error (invalid) once
  // the stream is malformed or a length exceeds the limit.
  Result<std::optional<std::string>> next();

  size_t buffered() const { return buffer_.size(); }

 private:
  std::string buffer_;
  size_t max_payload_;
  bool broken_ = false;
  std::string why_;
};

// A socketmap request is "<map name> <key>".
struct Request {
  std::string name;
  std::string key;
};
Result<Request> parse_request(std::string_view payload);

// Reply payloads; Postfix limits a reply to 100000 bytes as well.
std::string reply_ok(std::string_view data);
std::string reply_notfound();
std::string reply_temp(std::string_view reason);
std::string reply_perm(std::string_view reason);

}  // namespace mxtls::socketmap
