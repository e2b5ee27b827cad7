// The load generator's own rules, without a broker: what a consumer-protocol member says in its
// heartbeats, when the members of a group find it Stable, and what a classic leader assigns.
#include <gtest/gtest.h>

#include "group_load/consumer_membership.h"
#include "group_load/group_tracker.h"
#include "group_load/ownership.h"
#include "group_load/range_assignment.h"
#include "kafka/error_code.h"

namespace groupwire::bench {
namespace {

using kafka::ConsumerGroupHeartbeatResponse;

const BenchTopic kTopic{"orders", kafka::Uuid{1, 2, 3}, 6};

ConsumerGroupHeartbeatResponse assigned(std::int32_t epoch, std::vector<std::int32_t> partitions) {
  ConsumerGroupHeartbeatResponse r;
  r.member_epoch = epoch;
  r.heartbeat_interval_ms = 1000;
  r.assignment.emplace().topic_partitions.push_back({kTopic.id, std::move(partitions)});
  return r;
}

ConsumerGroupHeartbeatResponse unchanged(std::int32_t epoch) {
  ConsumerGroupHeartbeatResponse r;
  r.member_epoch = epoch;
  r.heartbeat_interval_ms = 1000;
  return r;
}

TEST(ConsumerMembership, JoinsWithEverythingThenSaysOnlyWhatChanged) {
  ConsumerMembership m("g", "member-1", kTopic, Millis(30000));
  auto join = m.next_heartbeat();
  EXPECT_EQ(join.member_epoch, 0);
  EXPECT_EQ(join.member_id, "member-1");
  EXPECT_EQ(join.rebalance_timeout_ms, 30000);
  ASSERT_TRUE(join.subscribed_topic_names);
  EXPECT_EQ(*join.subscribed_topic_names, std::vector<std::string>{"orders"});
  ASSERT_TRUE(join.topic_partitions);  // empty, not null: Kafka requires it when joining
  EXPECT_TRUE(join.topic_partitions->empty());

  EXPECT_EQ(m.apply(assigned(3, {4, 1})), HeartbeatOutcome::Ok);
  EXPECT_EQ(m.epoch(), 3);
  EXPECT_EQ(m.owned(), (std::vector<std::int32_t>{1, 4}));
  EXPECT_EQ(m.heartbeat_interval(), Millis(1000));
  EXPECT_TRUE(m.heartbeat_now());  // acknowledges at once

  auto ack = m.next_heartbeat();
  EXPECT_EQ(ack.member_epoch, 3);
  EXPECT_EQ(ack.rebalance_timeout_ms, -1);
  EXPECT_FALSE(ack.subscribed_topic_names);
  ASSERT_TRUE(ack.topic_partitions);
  ASSERT_EQ(ack.topic_partitions->size(), 1u);
  EXPECT_EQ((*ack.topic_partitions)[0].topic_id, kTopic.id);
  EXPECT_EQ((*ack.topic_partitions)[0].partitions, (std::vector<std::int32_t>{1, 4}));
  EXPECT_FALSE(m.heartbeat_now());

  EXPECT_EQ(m.apply(unchanged(3)), HeartbeatOutcome::Ok);
  EXPECT_FALSE(m.heartbeat_now());
  auto steady = m.next_heartbeat();
  EXPECT_FALSE(steady.topic_partitions);
  EXPECT_FALSE(steady.subscribed_topic_names);

  // A revocation is acknowledged at once too.
  EXPECT_EQ(m.apply(assigned(3, {4})), HeartbeatOutcome::Ok);
  EXPECT_TRUE(m.heartbeat_now());
  EXPECT_EQ(m.next_heartbeat().topic_partitions->at(0).partitions, std::vector<std::int32_t>{4});
}

TEST(ConsumerMembership, AnEmptyRegexGoesWithTheNamesOnly) {
  ConsumerMembership java("g", "member-1", kTopic, Millis(30000));
  EXPECT_FALSE(java.next_heartbeat().subscribed_topic_regex);

  ConsumerMembership m("g", "member-1", kTopic, Millis(30000), TopicRegex::Empty);
  auto join = m.next_heartbeat();
  ASSERT_TRUE(join.subscribed_topic_names);
  ASSERT_TRUE(join.subscribed_topic_regex);
  EXPECT_EQ(*join.subscribed_topic_regex, "");
  EXPECT_EQ(m.apply(assigned(1, {0})), HeartbeatOutcome::Ok);
  auto ack = m.next_heartbeat();
  EXPECT_FALSE(ack.subscribed_topic_names);
  EXPECT_FALSE(ack.subscribed_topic_regex);
}

TEST(ConsumerMembership, FencedGivesUpEverythingAndJoinsAgainUnderItsId) {
  ConsumerMembership m("g", "member-1", kTopic, Millis(30000));
  m.next_heartbeat();
  m.apply(assigned(2, {0, 1}));
  m.next_heartbeat();
  ConsumerGroupHeartbeatResponse fenced;
  fenced.error_code = kafka::to_wire(kafka::ErrorCode::FENCED_MEMBER_EPOCH);
  EXPECT_EQ(m.apply(fenced), HeartbeatOutcome::Rejoin);
  EXPECT_TRUE(m.owned().empty());
  EXPECT_TRUE(m.heartbeat_now());
  auto join = m.next_heartbeat();
  EXPECT_EQ(join.member_epoch, 0);
  EXPECT_EQ(join.member_id, "member-1");
  EXPECT_TRUE(join.topic_partitions && join.topic_partitions->empty());
}

TEST(ConsumerMembership, AfterAnErrorTheNextHeartbeatSaysEverythingAgain) {
  ConsumerMembership m("g", "member-1", kTopic, Millis(30000));
  m.next_heartbeat();
  m.apply(assigned(2, {0}));
  m.next_heartbeat();
  ConsumerGroupHeartbeatResponse busy;
  busy.error_code = kafka::to_wire(kafka::ErrorCode::COORDINATOR_NOT_AVAILABLE);
  EXPECT_EQ(m.apply(busy), HeartbeatOutcome::Retry);
  EXPECT_EQ(m.owned(), std::vector<std::int32_t>{0});
  auto again = m.next_heartbeat();
  EXPECT_EQ(again.member_epoch, 2);
  EXPECT_EQ(again.rebalance_timeout_ms, 30000);
  ASSERT_TRUE(again.topic_partitions);
  EXPECT_EQ(again.topic_partitions->at(0).partitions, std::vector<std::int32_t>{0});
}

TEST(ConsumerMembership, AnAnswerAtEpochZeroIsHeartbeatInFullAfterTheInterval) {
  ConsumerMembership m("g", "member-1", kTopic, Millis(30000));
  m.next_heartbeat();
  EXPECT_EQ(m.apply(unchanged(0)), HeartbeatOutcome::Ok);
  EXPECT_FALSE(m.heartbeat_now());
  auto again = m.next_heartbeat();
  EXPECT_EQ(again.member_epoch, 0);
  EXPECT_EQ(again.rebalance_timeout_ms, 30000);
  EXPECT_TRUE(again.subscribed_topic_names);
  EXPECT_TRUE(again.topic_partitions && again.topic_partitions->empty());
  EXPECT_EQ(m.apply(assigned(4, {2})), HeartbeatOutcome::Ok);
  m.next_heartbeat();
  EXPECT_EQ(m.apply(unchanged(4)), HeartbeatOutcome::Ok);
  EXPECT_FALSE(m.next_heartbeat().subscribed_topic_names);
}

TEST(ConsumerMembership, MemberIdsLookLikeKafkaUuids) {
  auto a = ConsumerMembership::random_member_id();
  EXPECT_EQ(a.size(), 22u);  // 16 bytes, base64url without padding
  EXPECT_EQ(a.find_first_of("+/="), std::string::npos);
  EXPECT_NE(a, ConsumerMembership::random_member_id());
}

TEST(GroupTracker, ConsumerGroupIsStableOnlyWithOneEpochAndEveryPartitionOwnedOnce) {
  const auto t0 = Clock::now();
  GroupTracker tracker(2, 2, 4);
  tracker.join_sent(0, t0);
  tracker.join_sent(1, t0);
  // Member 0 joined first and holds everything; member 1 waits for its share.
  EXPECT_FALSE(tracker.consumer_answered(0, 1, {0, 1, 2, 3}, t0));
  EXPECT_FALSE(tracker.consumer_answered(1, 2, {}, t0));
  // Told to revoke: it keeps its old epoch and only what it keeps. Nobody owns 2 and 3.
  EXPECT_FALSE(tracker.consumer_answered(0, 1, {0, 1}, t0));
  // Its acknowledgement moves it to epoch 2; partitions 2 and 3 are still uncovered.
  EXPECT_FALSE(tracker.consumer_answered(0, 2, {0, 1}, t0));
  EXPECT_TRUE(tracker.consumer_answered(1, 2, {2, 3}, t0 + Millis(5)));
  EXPECT_FALSE(tracker.consumer_answered(1, 2, {2, 3}, t0 + Millis(6)));  // once per round

  auto rounds = tracker.rounds();
  ASSERT_EQ(rounds.size(), 1u);
  EXPECT_EQ(rounds[0].time_to_stable, Millis(5));
  EXPECT_EQ(rounds[0].owners, (std::vector<int>{0, 0, 1, 1}));
  EXPECT_EQ(rounds[0].revoked, 2);
  EXPECT_EQ(rounds[0].first_partition.size(), 2u);
}

TEST(GroupTracker, ConsumerGroupIsNotStableWhileTwoMembersClaimAPartition) {
  const auto t0 = Clock::now();
  GroupTracker tracker(2, 2, 2);
  EXPECT_FALSE(tracker.consumer_answered(0, 3, {0, 1}, t0));
  EXPECT_FALSE(tracker.consumer_answered(1, 3, {1}, t0));
  EXPECT_TRUE(tracker.consumer_answered(0, 3, {0}, t0));
}

TEST(GroupTracker, LateRoundCountsItsMembersAndWhatMoved) {
  const auto t0 = Clock::now();
  GroupTracker tracker(2, 3, 3);
  EXPECT_FALSE(tracker.consumer_answered(0, 2, {0, 1}, t0));
  EXPECT_TRUE(tracker.consumer_answered(1, 2, {2}, t0));
  tracker.next_round(3);
  tracker.join_sent(2, t0 + Millis(10));
  EXPECT_FALSE(tracker.consumer_answered(2, 3, {}, t0 + Millis(11)));
  EXPECT_FALSE(tracker.consumer_answered(0, 2, {0}, t0 + Millis(12)));
  EXPECT_FALSE(tracker.consumer_answered(0, 3, {0}, t0 + Millis(13)));
  EXPECT_FALSE(tracker.consumer_answered(1, 3, {2}, t0 + Millis(14)));
  EXPECT_TRUE(tracker.consumer_answered(2, 3, {1}, t0 + Millis(20)));
  auto rounds = tracker.rounds();
  ASSERT_EQ(rounds.size(), 2u);
  EXPECT_EQ(rounds[1].since_start, Millis(10));
  EXPECT_EQ(rounds[1].revoked, 1);
  EXPECT_EQ(Ownership::moved(rounds[0].owners, rounds[1].owners), 1);
  ASSERT_EQ(rounds[1].first_partition.size(), 1u);
  EXPECT_EQ(rounds[1].first_partition[0], Millis(10));
}

TEST(GroupTracker, ClassicRejoinGivesUpEverything) {
  const auto t0 = Clock::now();
  GroupTracker tracker(2, 2, 4);
  tracker.leader_joined(1, 2);
  EXPECT_FALSE(tracker.synced(0, 1, {0, 1}, t0));
  EXPECT_TRUE(tracker.synced(1, 1, {2, 3}, t0));
  tracker.next_round(2);
  tracker.unsynced(0);
  tracker.unsynced(1);
  EXPECT_EQ(tracker.rounds()[1].revoked, 4);
}

TEST(RangeAssignment, SortedMembersTakeConsecutiveRangesTheFirstOnesOneMore) {
  auto out = range_assignment({"c", "a", "b"}, "orders", 8);
  ASSERT_EQ(out.size(), 3u);
  EXPECT_EQ(out[0].member_id, "c");
  EXPECT_EQ(assigned_partitions(out[1].assignment, "orders"),
            (std::vector<std::int32_t>{0, 1, 2}));  // a
  EXPECT_EQ(assigned_partitions(out[2].assignment, "orders"),
            (std::vector<std::int32_t>{3, 4, 5}));  // b
  EXPECT_EQ(assigned_partitions(out[0].assignment, "orders"),
            (std::vector<std::int32_t>{6, 7}));  // c
  EXPECT_TRUE(assigned_partitions(out[0].assignment, "other").empty());
}

TEST(RangeAssignment, NoPartitionsAssignsNothing) {
  auto out = range_assignment({"a"}, "orders", 0);
  ASSERT_EQ(out.size(), 1u);
  EXPECT_TRUE(assigned_partitions(out[0].assignment, "orders").empty());
}

}  // namespace
}  // namespace groupwire::bench
