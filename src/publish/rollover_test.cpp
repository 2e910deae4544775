// The staged rollover's state machine: publish the next key's TLSA, wait
// twice the TTL from when it is first seen validated, then switch.
#include <gtest/gtest.h>

#include "base/text.hpp"
#include "publish/rollover.hpp"

using namespace mxtls;
using namespace mxtls::publish;

namespace {

const std::string current(32, '\x01'), next(32, '\x02');

RolloverFacts signed_with(std::vector<dane::Tlsa> tlsa, uint32_t ttl = 300) {
  RolloverFacts facts;
  facts.mx = "mx.example.test";
  facts.security = dns::Security::secure;
  facts.tlsa = std::move(tlsa);
  facts.ttl = ttl;
  facts.current_key = current;
  facts.zone = "example.test";
  // Both authoritative servers serve what the resolver sees.
  facts.servers = {{"ns1.example.test", "192.0.2.53", std::nullopt, facts.tlsa},
                   {"ns2.example.test", "198.51.100.53", std::nullopt, facts.tlsa}};
  return facts;
}

RolloverState staged() { return RolloverState{next, 0, 0}; }

}  // namespace

TEST(Rollover, NothingStaged) {
  auto facts = signed_with({{3, 1, 1, current}});
  EXPECT_EQ(rollover_status(observe({}, facts, 1000), facts, 1000).phase, RolloverPhase::not_staged);
}

TEST(Rollover, StagedButNotPublishedAsksToPublish) {
  auto facts = signed_with({{3, 1, 1, current}});
  auto state = observe(staged(), facts, 1000);
  EXPECT_EQ(state.visible_since, 0);
  auto status = rollover_status(state, facts, 1000);
  EXPECT_EQ(status.phase, RolloverPhase::publish_next);
  EXPECT_EQ(status.record, "_25._tcp.mx.example.test. 300 IN TLSA 3 1 1 " + hex_encode(next));
}

TEST(Rollover, WaitsTwiceTheTtlFromFirstSightThenIsReady) {
  auto facts = signed_with({{3, 1, 1, current}, {3, 1, 1, next}}, 300);
  auto state = observe(staged(), facts, 1000);
  EXPECT_EQ(state.visible_since, 1000);
  state = observe(state, facts, 1100);  // seen again: the wait is counted from the first sight
  EXPECT_EQ(state.visible_since, 1000);
  auto status = rollover_status(state, facts, 1100);
  EXPECT_EQ(status.phase, RolloverPhase::waiting);
  EXPECT_EQ(status.seconds_left, 500);
  status = rollover_status(observe(state, facts, 1600), facts, 1600);
  EXPECT_EQ(status.phase, RolloverPhase::ready);
  EXPECT_EQ(status.record.find("_25._tcp.mx.example.test. 300 IN TLSA 3 1 1 0101"), 0u);  // may go after the switch
}

TEST(Rollover, WithdrawnRecordRestartsTheWait) {
  auto both = signed_with({{3, 1, 1, current}, {3, 1, 1, next}});
  auto state = observe(staged(), both, 1000);
  state = observe(state, signed_with({{3, 1, 1, current}}), 1200);
  EXPECT_EQ(state.visible_since, 0);
  state = observe(state, both, 1300);
  EXPECT_EQ(rollover_status(state, both, 1600).seconds_left, 300);
}

TEST(Rollover, RaisedTtlLengthensTheWait) {
  auto state = observe(staged(), signed_with({{3, 1, 1, next}}, 300), 1000);
  state = observe(state, signed_with({{3, 1, 1, next}}, 3600), 1100);
  EXPECT_EQ(rollover_status(state, signed_with({{3, 1, 1, next}}, 3600), 1700).phase, RolloverPhase::waiting);
}

TEST(Rollover, UnsignedOrFailedDnsRefuses) {
  auto facts = signed_with({{3, 1, 1, current}, {3, 1, 1, next}});
  facts.security = dns::Security::insecure;
  auto state = observe(staged(), facts, 1000);
  EXPECT_EQ(state.visible_since, 0);  // an unsigned record proves nothing
  auto status = rollover_status(state, facts, 1000);
  EXPECT_EQ(status.phase, RolloverPhase::cannot_tell);
  EXPECT_NE(status.message.find("insecure"), std::string::npos);
  facts.security = dns::Security::secure;
  facts.error = temporary_error("SERVFAIL");
  EXPECT_EQ(rollover_status(state, facts, 1000).phase, RolloverPhase::cannot_tell);
}

TEST(Rollover, ALaggingSecondaryHoldsTheWaitBack) {
  auto facts = signed_with({{3, 1, 1, current}, {3, 1, 1, next}}, 300);
  facts.servers[1].tlsa = {{3, 1, 1, current}};  // ns2 has not loaded the new zone
  auto state = observe(staged(), facts, 1000);
  EXPECT_EQ(state.visible_since, 0);  // not visible everywhere: the wait has not started
  auto status = rollover_status(state, facts, 1000);
  EXPECT_EQ(status.phase, RolloverPhase::publish_next);
  EXPECT_NE(status.message.find("ns2.example.test (198.51.100.53)"), std::string::npos) << status.message;
  EXPECT_EQ(status.message.find("ns1.example.test"), std::string::npos) << status.message;
  // Once it has the record, the wait counts from then, not from when the resolver first saw it.
  facts.servers[1].tlsa = facts.tlsa;
  state = observe(state, facts, 1500);
  EXPECT_EQ(state.visible_since, 1500);
  EXPECT_EQ(rollover_status(state, facts, 1600).seconds_left, 500);
  // A server that drops it again restarts the wait.
  facts.servers[0].tlsa = {{3, 1, 1, current}};
  state = observe(state, facts, 1700);
  EXPECT_EQ(state.visible_since, 0);
}

TEST(Rollover, AServerThatDoesNotAnswerMeansCannotTellAndKeepsTheState) {
  auto facts = signed_with({{3, 1, 1, current}, {3, 1, 1, next}}, 300);
  auto state = observe(staged(), facts, 1000);
  ASSERT_EQ(state.visible_since, 1000);
  facts.servers[0].error = temporary_error("DNS lookup timed out");
  facts.servers[0].tlsa.clear();
  auto kept = observe(state, facts, 1700);
  EXPECT_EQ(kept.visible_since, 1000);  // neither reset nor advanced
  auto status = rollover_status(kept, facts, 1700);
  EXPECT_EQ(status.phase, RolloverPhase::cannot_tell);
  EXPECT_NE(status.message.find("ns1.example.test (192.0.2.53): DNS lookup timed out"), std::string::npos)
      << status.message;
  // No authoritative server known at all: cannot tell either.
  facts.servers.clear();
  facts.servers_error = not_found_error("no NS records at example.test");
  status = rollover_status(observe(staged(), facts, 1000), facts, 1000);
  EXPECT_EQ(status.phase, RolloverPhase::cannot_tell);
  EXPECT_NE(status.message.find("no NS records at example.test"), std::string::npos) << status.message;
  EXPECT_EQ(observe(staged(), facts, 1000).visible_since, 0);
}

TEST(Rollover, AServerWithNoTlsaRecordsIsAnAnswerWithoutTheRecord) {
  auto facts = signed_with({{3, 1, 1, current}, {3, 1, 1, next}}, 300);
  facts.servers[1].tlsa.clear();
  facts.servers[1].error = not_found_error("no TLSA records");
  auto state = observe(staged(), facts, 1000);
  EXPECT_EQ(state.visible_since, 0);
  EXPECT_EQ(rollover_status(state, facts, 1000).phase, RolloverPhase::publish_next);
}
