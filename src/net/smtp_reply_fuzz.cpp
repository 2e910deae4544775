// A mail server's replies: the input is what a hostile server sends, read
// in pieces as a socket would deliver them, reply after reply.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "net/smtp_reply.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace mxtls::smtp;
  if (size == 0) return 0;
  // The first byte sets the size of the pieces, so that lines and replies
  // split across reads are exercised too, and (high bit) whether the server
  // repeats itself four times: lines past max_reply_line within -max_len=4096.
  size_t piece = 1 + (data[0] & 0x3f);
  std::string once(reinterpret_cast<const char*>(data + 1), size - 1);
  std::string input = once;
  if (data[0] & 0x80)
    for (int i = 0; i < 3; ++i) input += once;
  std::string buffer;
  size_t at = 0;
  ReplyParser parser("the fuzzer's reply");
  while (at < input.size() || !buffer.empty()) {
    size_t take = std::min(piece, input.size() - at);
    buffer.append(input, at, take);
    at += take;
    size_t before = buffer.size();
    auto parsed = parser.consume(buffer);
    if (!parsed) break;  // the conversation ends here
    if (*parsed) {
      const Reply& reply = **parsed;
      if (reply.lines.empty() || reply.lines.size() > max_reply_lines) std::abort();
      if (reply.code < 0 || reply.code > 999) std::abort();
      (void)ehlo_capabilities(reply);
      parser = ReplyParser("the fuzzer's reply");
    } else if (buffer.size() >= max_reply_line || reply_line_length(buffer)) {
      std::abort();  // "need more" with a complete line, or past the bound
    } else if (at == input.size() && buffer.size() == before) {
      break;  // a partial line and nothing left to read
    }
  }
  // The whole input fed at once, line by line, must not crash either.
  ReplyParser lines("the fuzzer's reply");
  std::string_view rest(input);
  while (auto length = reply_line_length(rest)) {
    if (!lines.feed_line(rest.substr(0, *length))) break;
    rest.remove_prefix(*length);
  }
  return 0;
}
