// SMTP replies (RFC 5321 section 4.2) and EHLO keywords (section 4.1.1.1),
// parsed without I/O: the most hostile input mxtls reads comes from the mail
// servers it probes. Bounded: a line, and the lines of one reply.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.hpp"

namespace mxtls::smtp {

// RFC 5321 section 4.5.3.1.5 allows 512 bytes per reply line; be lenient.
constexpr size_t max_reply_line = 4096;
constexpr size_t max_reply_lines = 100;

struct Reply {
  int code = 0;
  std::vector<std::string> lines;  // text after "NNN-" / "NNN "
};

// Whether a byte ends a reply line: LF, or early any control character
// other than CR and TAB, so a server that sends binary garbage is recognised
// at once instead of at the timeout. The control character stays in the line.
bool ends_reply_line(unsigned char c);

// The length of the first reply line in `bytes`, its terminator included, or
// nullopt when no line ends there yet.
std::optional<size_t> reply_line_length(std::string_view bytes);

// One reply, fed line by line. "NNN-text" continues it, "NNN text" or a
// bare "NNN" ends it (section 4.2.1); the code must not change within it.
// Errors are permanent (the server answered, and not in SMTP) and name what
// was awaited, `waiting_for` (e.g. "the EHLO reply").
class ReplyParser {
 public:
  explicit ReplyParser(std::string waiting_for) : waiting_for_(std::move(waiting_for)) {}

  // Takes one line (as cut by reply_line_length; trailing CR and LF are
  // dropped). The reply once its last line came, nullopt while it continues.
  Result<std::optional<Reply>> feed_line(std::string_view line);

  // Takes the complete lines at the start of `input` and erases them, up to
  // and including the reply's last line (later bytes stay: the next reply's).
  // nullopt: more bytes are needed. A line that has not ended within
  // max_reply_line bytes is an error, so a reader may stop at that bound.
  Result<std::optional<Reply>> consume(std::string& input);

 private:
  std::string waiting_for_;
  Reply reply_;
};

// What an EHLO reply advertises (section 4.1.1.1): the keyword of every line
// after the first, lower-cased (keywords are case-insensitive).
struct EhloCapabilities {
  std::vector<std::string> keywords;
  bool starttls = false;  // RFC 3207
};

EhloCapabilities ehlo_capabilities(const Reply& ehlo);

}  // namespace mxtls::smtp
