#include "net/smtp_reply.hpp"

#include <gtest/gtest.h>

using namespace mxtls;
using namespace mxtls::smtp;

namespace {

// Feeds `input` to a fresh parser for "the EHLO reply" and expects the input
// consumed up to the reply's end.
Result<std::optional<Reply>> parse_all(std::string input, std::string* rest = nullptr) {
  ReplyParser parser("the EHLO reply");
  auto parsed = parser.consume(input);
  if (rest) *rest = input;
  return parsed;
}

Reply parse_complete(const std::string& input) {
  auto parsed = parse_all(input);
  EXPECT_TRUE(parsed) << parsed.error().message;
  if (!parsed || !*parsed) {
    ADD_FAILURE() << "no complete reply in \"" << input << "\"";
    return {};
  }
  return **parsed;
}

std::string error_of(const std::string& input) {
  auto parsed = parse_all(input);
  if (parsed) return "(no error)";
  EXPECT_EQ(parsed.error().kind, ErrorKind::permanent);
  return parsed.error().message;
}

}  // namespace

TEST(SmtpReply, SingleLine) {
  std::string rest;
  auto parsed = parse_all("220 mx.example.org ESMTP\r\n250 next", &rest);
  ASSERT_TRUE(parsed && *parsed);
  EXPECT_EQ((*parsed)->code, 220);
  EXPECT_EQ((*parsed)->lines, std::vector<std::string>{"mx.example.org ESMTP"});
  EXPECT_EQ(rest, "250 next");  // the next reply stays, even a partial one
}

TEST(SmtpReply, MultiLine) {
  auto reply = parse_complete("250-mx.example.org\r\n250-PIPELINING\r\n250-SIZE 10240000\r\n250 STARTTLS\r\n");
  EXPECT_EQ(reply.code, 250);
  EXPECT_EQ(reply.lines, (std::vector<std::string>{"mx.example.org", "PIPELINING", "SIZE 10240000", "STARTTLS"}));
}

TEST(SmtpReply, BareCodeEndsTheReply) {
  // RFC 5321 section 4.2: the text is optional; a bare code is a last line.
  auto reply = parse_complete("250-first\r\n250\r\n");
  EXPECT_EQ(reply.lines, (std::vector<std::string>{"first", ""}));
  EXPECT_EQ(parse_complete("220\r\n").code, 220);
  EXPECT_EQ(parse_complete("220 \r\n").lines, std::vector<std::string>{""});
}

TEST(SmtpReply, NeedsMoreUntilTheLastLine) {
  ReplyParser parser("the greeting");
  std::string input = "220-one\r\n220-tw";
  auto parsed = parser.consume(input);
  ASSERT_TRUE(parsed);
  EXPECT_FALSE(*parsed);
  EXPECT_EQ(input, "220-tw");  // the partial line waits for its end
  input += "o\r\n220 three\r\n";
  parsed = parser.consume(input);
  ASSERT_TRUE(parsed && *parsed);
  EXPECT_EQ((*parsed)->lines, (std::vector<std::string>{"one", "two", "three"}));
  EXPECT_TRUE(input.empty());
}

TEST(SmtpReply, FedLineByLine) {
  ReplyParser parser("the greeting");
  auto first = parser.feed_line("220-hello\r\n");
  ASSERT_TRUE(first);
  EXPECT_FALSE(*first);
  auto last = parser.feed_line("220 world");  // the terminator is optional here
  ASSERT_TRUE(last && *last);
  EXPECT_EQ((*last)->lines, (std::vector<std::string>{"hello", "world"}));
  // The parser starts over after a complete reply.
  auto next = parser.feed_line("250 ok\n");
  ASSERT_TRUE(next && *next);
  EXPECT_EQ((*next)->code, 250);
  EXPECT_EQ((*next)->lines.size(), 1u);
}

TEST(SmtpReply, ChangedCode) {
  EXPECT_EQ(error_of("250-one\r\n251 two\r\n"), "reply code changed within a multi-line reply: \"251 two\"");
  // Code 000 is no exception: the first line sets the code.
  EXPECT_EQ(error_of("000-one\r\n250 two\r\n"), "reply code changed within a multi-line reply: \"250 two\"");
}

TEST(SmtpReply, NonDigitCode) {
  EXPECT_EQ(error_of("25O ok\r\n"), "not an SMTP reply while waiting for the EHLO reply: \"25O ok\"");
  EXPECT_EQ(error_of("HTTP/1.1 400 Bad Request\r\n"),
            "not an SMTP reply while waiting for the EHLO reply: \"HTTP/1.1 400 Bad Request\"");
  EXPECT_EQ(error_of("25\r\n"), "not an SMTP reply while waiting for the EHLO reply: \"25\"");
  EXPECT_EQ(error_of("2500 ok\r\n"), "not an SMTP reply while waiting for the EHLO reply: \"2500 ok\"");
  EXPECT_EQ(error_of("\r\n"), "not an SMTP reply while waiting for the EHLO reply: \"\"");
}

TEST(SmtpReply, TooLongLine) {
  std::string fits = "250 " + std::string(max_reply_line - 6, 'x') + "\r\n";  // exactly max_reply_line bytes
  ASSERT_EQ(fits.size(), max_reply_line);
  EXPECT_EQ(parse_complete(fits).lines.front().size(), max_reply_line - 6);

  std::string too_long = "250 " + std::string(max_reply_line, 'x');
  EXPECT_EQ(error_of(too_long), "reply line longer than 4096 bytes while waiting for the EHLO reply: \"250 " +
                                    std::string(56, 'x') + "...\"");
  // One byte short of the bound: the line may still end.
  auto partial = parse_all(too_long.substr(0, max_reply_line - 1));
  ASSERT_TRUE(partial);
  EXPECT_FALSE(*partial);
}

TEST(SmtpReply, TooManyLines) {
  std::string hundred;
  for (size_t i = 0; i + 1 < max_reply_lines; ++i) hundred += "250-line\r\n";
  EXPECT_EQ(parse_complete(hundred + "250 last\r\n").lines.size(), max_reply_lines);
  // The error comes with the 100th continuation line, without waiting for more.
  EXPECT_EQ(error_of(hundred + "250-more\r\n"), "more than 100 lines in one reply");
}

TEST(SmtpReply, ControlCharacters) {
  // Binary garbage ends a line at its first control character: refused at
  // once, not at the timeout.
  std::string nul("\x16\x03\x01\x02\x00", 5);
  ASSERT_EQ(reply_line_length(nul), 1u);
  EXPECT_EQ(error_of(nul), "not an SMTP reply while waiting for the EHLO reply: \"\\x16\"");
  // The control character stays in the line; printable() hides it.
  std::string rest;
  auto parsed = parse_all(std::string("220 hi\x01there\r\n", 14), &rest);
  ASSERT_TRUE(parsed && *parsed);
  EXPECT_EQ((*parsed)->lines.front(), "hi\x01");
  EXPECT_EQ(rest, "there\r\n");
  // TAB and CR do not end a line, DEL does.
  EXPECT_EQ(reply_line_length("250 a\tb\rc\n"), 10u);
  EXPECT_EQ(reply_line_length("250 a\x7f"), 6u);
  EXPECT_FALSE(reply_line_length("250 no end"));
}

TEST(SmtpReply, CrlfAndBareLf) {
  auto crlf = parse_complete("250-a\r\n250 b\r\n");
  auto lf = parse_complete("250-a\n250 b\n");
  EXPECT_EQ(crlf.lines, lf.lines);
  EXPECT_EQ(parse_complete("250 b\r\r\n").lines, std::vector<std::string>{"b"});      // stray CRs dropped
  EXPECT_EQ(parse_complete("250 a\rb\r\n").lines, std::vector<std::string>{"a\rb"});  // inner CR kept
}

TEST(SmtpReply, EhloCapabilities) {
  auto reply = parse_complete(
      "250-mx.example.org greets you\r\n250-PIPELINING\r\n250-SIZE 10240000\r\n"
      "250-StartTLS\r\n250 8BITMIME\r\n");
  auto capabilities = ehlo_capabilities(reply);
  EXPECT_EQ(capabilities.keywords, (std::vector<std::string>{"pipelining", "size", "starttls", "8bitmime"}));
  EXPECT_TRUE(capabilities.starttls);
  // The greeting line is no keyword, even when it says STARTTLS.
  EXPECT_FALSE(ehlo_capabilities(parse_complete("250 STARTTLS\r\n")).starttls);
  EXPECT_FALSE(ehlo_capabilities(parse_complete("250-x\r\n250 STARTTLSX\r\n")).starttls);
}
