#include "net/smtp_reply.hpp"

#include "base/text.hpp"

namespace mxtls::smtp {
namespace {

bool is_digit(char c) { return c >= '0' && c <= '9'; }

// Reply-code (section 4.2): three digits, then SP, "-" or the end of the line.
bool has_reply_code(std::string_view line) {
  if (line.size() < 3 || !is_digit(line[0]) || !is_digit(line[1]) || !is_digit(line[2])) return false;
  return line.size() == 3 || line[3] == ' ' || line[3] == '-';
}

}  // namespace

bool ends_reply_line(unsigned char c) { return c == '\n' || (c < 0x20 && c != '\r' && c != '\t') || c == 0x7f; }

std::optional<size_t> reply_line_length(std::string_view bytes) {
  for (size_t i = 0; i < bytes.size(); ++i)
    if (ends_reply_line(static_cast<unsigned char>(bytes[i]))) return i + 1;
  return std::nullopt;
}

Result<std::optional<Reply>> ReplyParser::feed_line(std::string_view line) {
  while (!line.empty() && (line.back() == '\n' || line.back() == '\r')) line.remove_suffix(1);
  if (!has_reply_code(line))
    return permanent_error("not an SMTP reply while waiting for " + waiting_for_ + ": \"" + printable(line, 80) + "\"");
  int code = (line[0] - '0') * 100 + (line[1] - '0') * 10 + (line[2] - '0');
  if (!reply_.lines.empty() && code != reply_.code)
    return permanent_error("reply code changed within a multi-line reply: \"" + printable(line, 80) + "\"");
  reply_.code = code;
  reply_.lines.emplace_back(line.size() > 4 ? line.substr(4) : std::string_view());
  if (line.size() == 3 || line[3] == ' ') {
    std::optional<Reply> done(std::move(reply_));
    reply_ = Reply{};
    return done;
  }
  if (reply_.lines.size() >= max_reply_lines)
    return permanent_error("more than " + std::to_string(max_reply_lines) + " lines in one reply");
  return std::optional<Reply>();
}

Result<std::optional<Reply>> ReplyParser::consume(std::string& input) {
  for (;;) {
    auto length = reply_line_length(std::string_view(input).substr(0, max_reply_line));
    if (!length) {
      if (input.size() < max_reply_line) return std::optional<Reply>();
      return permanent_error("reply line longer than " + std::to_string(max_reply_line) + " bytes while waiting for " +
                             waiting_for_ + ": \"" + printable(input, 60) + "\"");
    }
    auto fed = feed_line(std::string_view(input).substr(0, *length));
    input.erase(0, *length);
    if (!fed || *fed) return fed;
  }
}

EhloCapabilities ehlo_capabilities(const Reply& ehlo) {
  EhloCapabilities capabilities;
  for (size_t i = 1; i < ehlo.lines.size(); ++i) {  // the first line greets
    const std::string& line = ehlo.lines[i];
    auto keyword = to_lower(std::string_view(line).substr(0, line.find(' ')));
    if (keyword == "starttls") capabilities.starttls = true;
    capabilities.keywords.push_back(std::move(keyword));
  }
  return capabilities;
}

}  // namespace mxtls::smtp
