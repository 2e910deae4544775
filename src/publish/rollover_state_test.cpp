// The rollover state file: what format writes, parse reads back; damage is
// refused naming the line. And the combined phase of several MX hosts.
#include <gtest/gtest.h>

#include "publish/rollover_state.hpp"

using namespace mxtls;
using namespace mxtls::publish;

namespace {

RolloverFile sample() {
  RolloverFile file;
  file.chain_file = "/etc/mxtls/certs/mx.example.test.pem";
  file.current_key = std::string(32, '\x01');
  file.next_key = std::string(32, '\x02');
  file.next_key_file = "/etc/mxtls/certs/rollover-next.key";
  file.csr_file = "/etc/mxtls/certs/rollover-next.csr";
  file.ttl = 300;
  file.hosts = {{"mx1.example.test", 0, 0}, {"mx2.example.test", 1764640000, 3600}};
  return file;
}

}  // namespace

TEST(RolloverFile, RoundTrips) {
  auto text = format_rollover_file(sample());
  auto parsed = parse_rollover_file(text);
  ASSERT_TRUE(parsed) << parsed.error().message;
  EXPECT_EQ(parsed->chain_file, sample().chain_file);
  EXPECT_EQ(parsed->current_key, sample().current_key);
  EXPECT_EQ(parsed->next_key, sample().next_key);
  EXPECT_EQ(parsed->next_key_file, sample().next_key_file);
  EXPECT_EQ(parsed->csr_file, sample().csr_file);
  EXPECT_EQ(parsed->ttl, 300u);
  ASSERT_EQ(parsed->hosts.size(), 2u);
  EXPECT_EQ(parsed->hosts[1].mx, "mx2.example.test");
  EXPECT_EQ(parsed->hosts[1].visible_since, 1764640000);
  EXPECT_EQ(parsed->hosts[1].ttl, 3600u);
  EXPECT_NE(text.find("next-key 3 1 1 0202"), std::string::npos) << text;
}

TEST(RolloverFile, NothingStagedHasNoNextKey) {
  auto file = sample();
  file.next_key.clear();
  file.hosts.clear();
  auto parsed = parse_rollover_file(format_rollover_file(file));
  ASSERT_TRUE(parsed);
  EXPECT_TRUE(parsed->next_key.empty());
}

TEST(RolloverFile, RefusesDamageNamingTheLine) {
  auto text = format_rollover_file(sample());
  auto at = text.find("host mx2");
  auto damaged = text.substr(0, at) + "host mx2.example.test soon 3600\n";
  auto parsed = parse_rollover_file(damaged);
  ASSERT_FALSE(parsed);
  EXPECT_EQ(parsed.error().kind, ErrorKind::invalid);
  EXPECT_NE(parsed.error().message.find("line 10"), std::string::npos) << parsed.error().message;
  EXPECT_FALSE(parse_rollover_file("chain-file /x\n"));
  EXPECT_FALSE(parse_rollover_file(""));
  EXPECT_FALSE(parse_rollover_file("mxtls-rollover 1\nchain-file /x\nnext-key 3 1 1 abcd\n"));  // not a SHA-256
  EXPECT_FALSE(parse_rollover_file("mxtls-rollover 1\nchain-file /x\nsurprise 1\n"));
  EXPECT_FALSE(parse_rollover_file("mxtls-rollover 1\n"));  // no chain file
  EXPECT_FALSE(parse_rollover_file(std::string(max_rollover_file_size + 1, '#')));
}

TEST(RolloverFile, BoundsTheHosts) {
  std::string text = "mxtls-rollover 1\nchain-file /x\n";
  for (size_t i = 0; i <= max_rollover_hosts; ++i) text += "host mx" + std::to_string(i) + ".example.test 0 0\n";
  EXPECT_FALSE(parse_rollover_file(text));
}

TEST(RolloverFile, StatePerHost) {
  auto file = sample();
  auto state = state_of(file, file.hosts[1]);
  EXPECT_EQ(state.next_key, file.next_key);
  EXPECT_EQ(state.visible_since, 1764640000);
  auto host = progress_of("mx2.example.test", RolloverState{file.next_key, 5, 7});
  EXPECT_EQ(host.visible_since, 5);
  EXPECT_EQ(host.ttl, 7u);
}

TEST(RolloverCombined, TheLeastAdvancedHostDecides) {
  auto with = [](std::vector<RolloverPhase> phases) {
    std::vector<RolloverStatus> hosts;
    for (auto p : phases) hosts.push_back(RolloverStatus{p, 0, "", ""});
    return combined_phase(hosts);
  };
  EXPECT_EQ(with({}), RolloverPhase::not_staged);
  EXPECT_EQ(with({RolloverPhase::ready, RolloverPhase::ready}), RolloverPhase::ready);
  EXPECT_EQ(with({RolloverPhase::ready, RolloverPhase::waiting}), RolloverPhase::waiting);
  EXPECT_EQ(with({RolloverPhase::waiting, RolloverPhase::publish_next}), RolloverPhase::publish_next);
  EXPECT_EQ(with({RolloverPhase::ready, RolloverPhase::cannot_tell, RolloverPhase::publish_next}),
            RolloverPhase::cannot_tell);
  EXPECT_EQ(rollover_exit_status(RolloverPhase::ready), 0);
  EXPECT_EQ(rollover_exit_status(RolloverPhase::waiting), 1);
  EXPECT_EQ(rollover_exit_status(RolloverPhase::publish_next), 1);
  EXPECT_EQ(rollover_exit_status(RolloverPhase::not_staged), 2);
  EXPECT_EQ(rollover_exit_status(RolloverPhase::cannot_tell), 3);
}

TEST(RolloverState, AFirstSightingInTheFutureIsRefusedNamingTheHost) {
  RolloverFile file;
  file.chain_file = "/etc/mxtls/certs/mx.pem";
  file.hosts = {{"mx1.example.test", 900, 300}, {"mx2.example.test", 5000, 300}, {"mx3.example.test", 0, 0}};
  auto checked = check_sightings(file, 1000);
  ASSERT_FALSE(checked);
  EXPECT_EQ(checked.error().kind, ErrorKind::invalid);
  EXPECT_NE(checked.error().message.find("host mx2.example.test"), std::string::npos) << checked.error().message;
  EXPECT_NE(checked.error().message.find("1970-01-01T01:23:20Z"), std::string::npos) << checked.error().message;
  EXPECT_NE(checked.error().message.find("clock went back"), std::string::npos);
  EXPECT_NE(checked.error().message.find("host mx2.example.test 0 300"), std::string::npos);
  EXPECT_TRUE(check_sightings(file, 5000));  // now is not the future
}
