#include "policy/fair_queue.hpp"

#include <gtest/gtest.h>

namespace mxtls::policy {
namespace {

TEST(FairQueue, ClientsTakeTurns) {
  FairQueue q({.per_client_in_flight = 10, .per_client_queued = 100});
  for (int i = 0; i < 5; ++i) ASSERT_TRUE(q.push("flooder", "f" + std::to_string(i) + ".example"));
  ASSERT_TRUE(q.push("postfix", "a.example"));
  ASSERT_TRUE(q.push("postfix", "b.example"));
  EXPECT_EQ(q.pop(8), "f0.example");
  EXPECT_EQ(q.pop(8), "a.example") << "the second client's turn, not the flooder's second";
  EXPECT_EQ(q.pop(8), "f1.example");
  EXPECT_EQ(q.pop(8), "b.example");
  EXPECT_EQ(q.pop(8), "f2.example");
  EXPECT_EQ(q.queued(), 2u);
}

TEST(FairQueue, AClientAtItsLimitWaitsWhileAnotherHasNothingRunning) {
  FairQueue q({.per_client_in_flight = 1, .per_client_queued = 100});
  ASSERT_TRUE(q.push("flooder", "f0.example"));
  ASSERT_TRUE(q.push("flooder", "f1.example"));
  EXPECT_EQ(q.pop(2), "f0.example");
  EXPECT_EQ(q.pop(1), std::nullopt) << "the last idle worker is kept for another client";
  EXPECT_EQ(q.pop(2), "f1.example") << "with two idle, the flooder may go over its limit";
  ASSERT_TRUE(q.push("flooder", "f2.example"));
  ASSERT_TRUE(q.push("postfix", "a.example"));
  EXPECT_EQ(q.pop(1), "a.example");
  q.finished("f0.example");
  q.finished("f1.example");
  EXPECT_EQ(q.pop(1), "f2.example") << "below its limit again";
}

TEST(FairQueue, AFullClientQueueRefusesOnlyThatClient) {
  FairQueue q({.per_client_in_flight = 1, .per_client_queued = 2});
  EXPECT_TRUE(q.push("flooder", "f0.example"));
  EXPECT_TRUE(q.push("flooder", "f1.example"));
  EXPECT_FALSE(q.push("flooder", "f2.example"));
  EXPECT_TRUE(q.push("postfix", "a.example"));
  for (int i = 0; i < 1000; ++i) EXPECT_TRUE(q.push("", "r" + std::to_string(i) + ".example")) << "internal work";
}

TEST(FairQueue, DropIfRemovesQueuedDomains) {
  FairQueue q({.per_client_in_flight = 4, .per_client_queued = 2});
  ASSERT_TRUE(q.push("flooder", "f0.example"));
  ASSERT_TRUE(q.push("flooder", "f1.example"));
  EXPECT_EQ(q.drop_if("flooder", [](const std::string& d) { return d == "f0.example"; }), 1u);
  EXPECT_TRUE(q.push("flooder", "f2.example"));
  EXPECT_EQ(q.drop_if("flooder", [](const std::string&) { return true; }), 2u);
  EXPECT_EQ(q.queued(), 0u);
  EXPECT_EQ(q.pop(4), std::nullopt);
  EXPECT_EQ(q.drop_if("nobody", [](const std::string&) { return true; }), 0u);
}

TEST(FairQueue, ADomainQueuedForTwoClientsRunsOnce) {
  FairQueue q({.per_client_in_flight = 4, .per_client_queued = 10});
  ASSERT_TRUE(q.push("flooder", "x.example"));
  ASSERT_TRUE(q.push("postfix", "x.example"));
  ASSERT_TRUE(q.push("postfix", "y.example"));
  EXPECT_EQ(q.pop(4), "x.example");
  EXPECT_EQ(q.pop(4), "y.example") << "postfix's x.example is running already: skipped";
  EXPECT_EQ(q.pop(4), std::nullopt);
  q.finished("x.example");
  q.finished("y.example");
  q.finished("unknown.example");
  EXPECT_EQ(q.queued(), 0u);
}

}  // namespace
}  // namespace mxtls::policy
