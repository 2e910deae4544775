#include <gtest/gtest.h>

#include "dns/message.hpp"

using namespace mxtls::dns;

namespace {

// A DNS message built byte by byte (RFC 1035 4.1), as a resolver returns it.
struct Packet {
  std::string bytes;
  void u8(int v) { bytes.push_back(static_cast<char>(v)); }
  void u16(int v) { u8(v >> 8 & 0xff), u8(v & 0xff); }
  void u32(uint32_t v) { u16(static_cast<int>(v >> 16)), u16(static_cast<int>(v & 0xffff)); }
  void name(const std::string& dotted) {
    size_t start = 0;
    while (start < dotted.size()) {
      size_t dot = dotted.find('.', start);
      if (dot == std::string::npos) dot = dotted.size();
      u8(static_cast<int>(dot - start));
      bytes += dotted.substr(start, dot - start);
      start = dot + 1;
    }
    u8(0);
  }
  void pointer(int offset) { u16(0xc000 | offset); }
  void header(int answers) { u16(0x1234), u16(0x8180), u16(1), u16(answers), u16(0), u16(0); }
  // The RRSIG's RDATA (RFC 4034 3.1), with a made-up signature.
  static std::string rrsig(int covered, uint32_t original_ttl, const std::string& signer, int labels) {
    Packet p;
    p.u16(covered), p.u8(13), p.u8(labels), p.u32(original_ttl), p.u32(1800000000), p.u32(1700000000), p.u16(4711);
    p.name(signer);
    p.bytes += std::string(64, '\x5a');
    return p.bytes;
  }
  void record_at_question(int type, uint32_t ttl, const std::string& rdata) {
    pointer(12), u16(type), u16(1), u32(ttl), u16(static_cast<int>(rdata.size()));
    bytes += rdata;
  }
};

const std::string tlsa_rdata = std::string("\x03\x01\x01", 3) + std::string(32, '\x11');

// _25._tcp.mx.example.org TLSA, the RRset cached for 17 more seconds, its
// RRSIG saying the zone's TTL is 3600.
std::string signed_tlsa_answer(uint32_t original_ttl) {
  Packet p;
  p.header(3);
  p.name("_25._tcp.mx.Example.org"), p.u16(52), p.u16(1);
  p.record_at_question(52, 17, tlsa_rdata);
  p.record_at_question(52, 17, std::string("\x03\x01\x01", 3) + std::string(32, '\x22'));
  p.record_at_question(46, 17, Packet::rrsig(52, original_ttl, "example.org", 5));
  return p.bytes;
}

}  // namespace

TEST(DnsMessage, ParsesTheAnswerSection) {
  auto records = parse_answer_section(signed_tlsa_answer(3600));
  ASSERT_TRUE(records) << records.error().message;
  ASSERT_EQ(records->size(), 3u);
  EXPECT_EQ((*records)[0].owner, "_25._tcp.mx.example.org");
  EXPECT_EQ((*records)[0].type, 52);
  EXPECT_EQ((*records)[0].ttl, 17u);
  EXPECT_EQ((*records)[0].rdata, tlsa_rdata);
  EXPECT_EQ((*records)[2].type, 46);
}

TEST(DnsMessage, TheRrsigGivesTheOriginalTtlNotTheRemainingOne) {
  auto ttl = signed_ttl(signed_tlsa_answer(3600), "_25._tcp.mx.example.org.", Type::TLSA);
  ASSERT_TRUE(ttl) << ttl.error().message;
  EXPECT_EQ(ttl->original_ttl, 3600u);
  EXPECT_EQ(ttl->signer, "example.org");
}

TEST(DnsMessage, DecodesRrsigFields) {
  auto sig = decode_rrsig(Packet::rrsig(52, 300, "Example.ORG", 5));
  ASSERT_TRUE(sig) << sig.error().message;
  EXPECT_EQ(sig->type_covered, 52);
  EXPECT_EQ(sig->algorithm, 13);
  EXPECT_EQ(sig->labels, 5);
  EXPECT_EQ(sig->original_ttl, 300u);
  EXPECT_EQ(sig->key_tag, 4711);
  EXPECT_EQ(sig->signer, "example.org");
  EXPECT_FALSE(decode_rrsig(std::string(18, '\0')));
  // RFC 4034 3.1.7: the signer's name is never compressed.
  std::string compressed = Packet::rrsig(52, 300, "", 5).substr(0, 18) + std::string("\xc0\x0c", 2);
  EXPECT_FALSE(decode_rrsig(compressed));
}

TEST(DnsMessage, FollowsACnameInTheAnswer) {
  Packet p;
  p.header(3);
  p.name("_25._tcp.mx.example.org"), p.u16(52), p.u16(1);
  Packet target;
  target.name("_25._tcp.mx.hosting.example");
  p.record_at_question(5, 60, target.bytes);
  size_t target_offset = p.bytes.size() - target.bytes.size();
  p.pointer(static_cast<int>(target_offset)), p.u16(52), p.u16(1), p.u32(60), p.u16(static_cast<int>(tlsa_rdata.size()));
  p.bytes += tlsa_rdata;
  std::string sig = Packet::rrsig(52, 900, "hosting.example", 5);
  p.pointer(static_cast<int>(target_offset)), p.u16(46), p.u16(1), p.u32(60), p.u16(static_cast<int>(sig.size()));
  p.bytes += sig;
  auto ttl = signed_ttl(p.bytes, "_25._tcp.mx.example.org", Type::TLSA);
  ASSERT_TRUE(ttl) << ttl.error().message;
  EXPECT_EQ(ttl->original_ttl, 900u);
  EXPECT_EQ(ttl->signer, "hosting.example");
}

TEST(DnsMessage, AnUnsignedAnswerHasNoSignedTtl) {
  Packet p;
  p.header(1);
  p.name("_25._tcp.mx.example.org"), p.u16(52), p.u16(1);
  p.record_at_question(52, 300, tlsa_rdata);
  auto ttl = signed_ttl(p.bytes, "_25._tcp.mx.example.org", Type::TLSA);
  ASSERT_FALSE(ttl);
  EXPECT_EQ(ttl.error().kind, mxtls::ErrorKind::not_found);
  // An RRSIG over another type does not count.
  Packet q;
  q.header(1);
  q.name("_25._tcp.mx.example.org"), q.u16(52), q.u16(1);
  q.record_at_question(46, 300, Packet::rrsig(47, 300, "example.org", 5));
  EXPECT_FALSE(signed_ttl(q.bytes, "_25._tcp.mx.example.org", Type::TLSA));
}

TEST(DnsMessage, RejectsMalformedMessages) {
  std::string good = signed_tlsa_answer(3600);
  for (size_t cut : {0ul, 5ul, 12ul, 20ul, good.size() - 1})
    EXPECT_FALSE(parse_answer_section(good.substr(0, cut))) << cut;
  // A pointer to itself (a loop) and a pointer forwards are refused.
  Packet loop;
  loop.header(0);
  loop.pointer(12), loop.u16(52), loop.u16(1);
  EXPECT_FALSE(parse_answer_section(loop.bytes));
  Packet forward;
  forward.header(0);
  forward.pointer(40), forward.u16(52), forward.u16(1);
  EXPECT_FALSE(parse_answer_section(forward.bytes));
  // A name longer than 255 octets.
  Packet long_name;
  long_name.header(0);
  for (int i = 0; i < 5; ++i) long_name.u8(63), long_name.bytes += std::string(63, 'a');
  long_name.u8(0), long_name.u16(52), long_name.u16(1);
  EXPECT_FALSE(parse_answer_section(long_name.bytes));
  EXPECT_FALSE(parse_answer_section(std::string(max_message_size + 1, '\0')));
}
