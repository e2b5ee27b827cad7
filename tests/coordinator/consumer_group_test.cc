// The consumer group protocol (KIP-848), scenario by scenario as Kafka's GroupMetadataManagerTest
// tells them: joins, revoke-then-assign, leaves, expiry, fencing, static members, regular
// expressions, topic changes, durability, and a group id shared by the two protocols.
#include "consumer_group_fixture.h"
#include "group/consumer/consumer_group_records.h"

namespace groupwire::coordinator::testing {
namespace {

class ConsumerGroupProtocolTest : public ConsumerGroupTest {};

TEST_F(ConsumerGroupProtocolTest, FirstMemberJoinsAndGetsEveryPartition) {
  create_topic("orders", 6);
  auto r = join_consumer("g", "m1", {"orders"});
  EXPECT_EQ(r.error_code(), pb::NONE);
  EXPECT_EQ(r.member_id(), "m1");
  EXPECT_EQ(r.member_epoch(), 1);
  EXPECT_EQ(r.heartbeat_interval_ms(), 5000);
  EXPECT_EQ(assignment_of(r), (Owned{{"orders", {0, 1, 2, 3, 4, 5}}}));
  EXPECT_EQ(cg_state("g"), ConsumerGroupState::kStable);
  EXPECT_EQ(consumer_group("g").group_epoch, 1);
  EXPECT_EQ(consumer_group("g").assignment_epoch, 1);
}

TEST_F(ConsumerGroupProtocolTest, V0MemberWithoutIdGetsOneFromTheCoordinator) {
  create_topic("orders", 1);
  auto req = request("g", {.member_id = "",
                           .epoch = 0,
                           .topics = std::vector<std::string>{"orders"},
                           .owned = Owned{},
                           .rebalance_timeout_ms = 30000});
  req.set_client_generates_member_id(false);
  auto r = answered_now(partition_, &GroupPartition::consumer_group_heartbeat, req);
  EXPECT_EQ(r.error_code(), pb::NONE);
  EXPECT_EQ(r.member_id().size(), 36u);
}

TEST_F(ConsumerGroupProtocolTest, SecondMemberJoinsRevokeThenAssign) {
  create_topic("orders", 6);
  join_consumer("g", "m1", {"orders"});
  auto j2 = join_consumer("g", "m2", {"orders"});
  // m2 is at the new epoch but its partitions are still m1's.
  EXPECT_EQ(j2.member_epoch(), 2);
  EXPECT_TRUE(assignment_of(j2).empty());
  EXPECT_EQ(cg_state("g"), ConsumerGroupState::kReconciling);

  // m1 must revoke first: it stays at epoch 1 and keeps only its target share.
  auto r1 = beat("g", "m1", 1, Owned{{"orders", {0, 1, 2, 3, 4, 5}}});
  EXPECT_EQ(r1.member_epoch(), 1);
  Owned kept = assignment_of(r1);
  EXPECT_EQ(count(kept), 3u);
  EXPECT_EQ(consumer_group("g").member("m1")->state, MemberState::kUnrevokedPartitions);

  // Until m1 says it released them, m2 gets nothing.
  auto r2 = beat("g", "m2", 2, Owned{});
  EXPECT_FALSE(r2.has_assignment());
  // m1 acknowledges: it moves to epoch 2.
  auto r1b = beat("g", "m1", 1, kept);
  EXPECT_EQ(r1b.member_epoch(), 2);
  // Now m2 gets the released partitions.
  auto r2b = beat("g", "m2", 2, Owned{});
  Owned got = assignment_of(r2b);
  EXPECT_EQ(count(got), 3u);
  for (std::int32_t p : got["orders"]) EXPECT_EQ(kept["orders"].count(p), 0u);
  beat("g", "m2", 2, got);
  EXPECT_EQ(cg_state("g"), ConsumerGroupState::kStable);
}

TEST_F(ConsumerGroupProtocolTest, LeaveMovesPartitionsToTheOthers) {
  create_topic("orders", 4);
  join_consumer("g", "m1", {"orders"});
  join_consumer("g", "m2", {"orders"});
  auto r1 = beat("g", "m1", 1, Owned{{"orders", {0, 1, 2, 3}}});
  beat("g", "m1", 1, assignment_of(r1));
  auto left = beat("g", "m1", kLeaveMemberEpoch, std::nullopt);
  EXPECT_EQ(left.error_code(), pb::NONE);
  EXPECT_EQ(left.member_epoch(), -1);
  EXPECT_EQ(consumer_group("g").group_epoch, 3);
  auto r2 = beat("g", "m2", 2, Owned{});
  EXPECT_EQ(r2.member_epoch(), 3);
  EXPECT_EQ(assignment_of(r2), (Owned{{"orders", {0, 1, 2, 3}}}));
}

TEST_F(ConsumerGroupProtocolTest, SessionExpiryFencesTheMember) {
  create_topic("orders", 2);
  join_consumer("g", "m1", {"orders"});
  clock_.advance(44s);
  EXPECT_EQ(beat("g", "m1", 1, std::nullopt).error_code(), pb::NONE);
  clock_.advance(44s);
  EXPECT_TRUE(consumer_group("g").has_member("m1"));
  clock_.advance(2s);
  EXPECT_FALSE(consumer_group("g").has_member("m1"));
  EXPECT_EQ(cg_state("g"), ConsumerGroupState::kEmpty);
  EXPECT_EQ(beat("g", "m1", 1, std::nullopt).error_code(), pb::UNKNOWN_MEMBER_ID);
}

TEST_F(ConsumerGroupProtocolTest, StaleAndFutureEpochsAreFenced) {
  create_topic("orders", 2);
  join_consumer("g", "m1", {"orders"});
  auto ahead = beat("g", "m1", 5, std::nullopt);
  EXPECT_EQ(ahead.error_code(), pb::FENCED_MEMBER_EPOCH);
  EXPECT_TRUE(ahead.has_error_message());
  join_consumer("g", "m2", {"orders"});
  auto revoke = beat("g", "m1", 1, Owned{{"orders", {0, 1}}});
  auto moved = beat("g", "m1", 1, assignment_of(revoke));
  ASSERT_EQ(moved.member_epoch(), 2);
  // Behind by one with only what it was given: its last response was lost, accepted.
  EXPECT_EQ(beat("g", "m1", 1, assignment_of(revoke)).error_code(), pb::NONE);
  // Behind by one still claiming what it gave up, or further behind: fenced.
  EXPECT_EQ(beat("g", "m1", 1, Owned{{"orders", {0, 1}}}).error_code(), pb::FENCED_MEMBER_EPOCH);
  EXPECT_EQ(beat("g", "m2", 7, Owned{}).error_code(), pb::FENCED_MEMBER_EPOCH);
}

TEST_F(ConsumerGroupProtocolTest, AMemberTooSlowToRevokeIsFenced) {
  create_topic("orders", 4);
  join_consumer("g", "m1", {"orders"}, {.rebalance_timeout_ms = 10000});
  join_consumer("g", "m2", {"orders"});
  beat("g", "m1", 1, Owned{{"orders", {0, 1, 2, 3}}});
  EXPECT_EQ(consumer_group("g").member("m1")->state, MemberState::kUnrevokedPartitions);
  // Keeps its session alive but never gives the partitions up.
  clock_.advance(5s);
  beat("g", "m1", 1, Owned{{"orders", {0, 1, 2, 3}}});
  clock_.advance(6s);
  EXPECT_FALSE(consumer_group("g").has_member("m1"));
  auto r2 = beat("g", "m2", 2, Owned{});
  EXPECT_EQ(assignment_of(r2), (Owned{{"orders", {0, 1, 2, 3}}}));
}

TEST_F(ConsumerGroupProtocolTest, StaticMemberLeavesForAWhileAndComesBackUnderANewId) {
  create_topic("orders", 4);
  join_consumer("g", "a1", {"orders"}, {.instance = "a"});
  auto b = join_consumer("g", "b1", {"orders"}, {.instance = "b"});
  auto ra = beat("g", "a1", 1, Owned{{"orders", {0, 1, 2, 3}}});
  Owned a_kept = assignment_of(ra);
  ConsumerHeartbeat ack{.member_id = "a1", .epoch = 1, .owned = a_kept, .instance = "a"};
  cg_heartbeat("g", ack);

  // Another incarnation cannot take the instance while a1 holds it.
  auto taken = join_consumer("g", "a2", {"orders"}, {.instance = "a"});
  EXPECT_EQ(taken.error_code(), pb::UNRELEASED_INSTANCE_ID);

  ConsumerHeartbeat away{.member_id = "a1", .epoch = kLeaveStaticMemberEpoch, .instance = "a"};
  auto left = cg_heartbeat("g", away);
  EXPECT_EQ(left.member_epoch(), kLeaveStaticMemberEpoch);
  std::int32_t epoch = consumer_group("g").group_epoch;

  auto back = join_consumer("g", "a2", {"orders"}, {.instance = "a"});
  EXPECT_EQ(back.error_code(), pb::NONE);
  EXPECT_EQ(assignment_of(back), a_kept);
  EXPECT_EQ(consumer_group("g").group_epoch, epoch) << "no rebalance for a returning instance";
  EXPECT_FALSE(consumer_group("g").has_member("a1"));
  (void)b;
}

TEST_F(ConsumerGroupProtocolTest, RegexSubscriptionPicksUpATopicCreatedLater) {
  create_topic("orders-eu", 2);
  create_topic("payments", 2);
  auto r = join_consumer("g", "m1", {}, {.regex = "orders-.*"});
  EXPECT_EQ(assignment_of(r), (Owned{{"orders-eu", {0, 1}}}));
  std::int32_t epoch = consumer_group("g").group_epoch;
  create_topic("orders-us", 3);
  auto r2 = beat("g", "m1", r.member_epoch(), Owned{{"orders-eu", {0, 1}}});
  EXPECT_GT(consumer_group("g").group_epoch, epoch);
  EXPECT_EQ(assignment_of(r2), (Owned{{"orders-eu", {0, 1}}, {"orders-us", {0, 1, 2}}}));
}

TEST_F(ConsumerGroupProtocolTest, PartitionCountChangeMovesTheGroupEpoch) {
  create_topic("orders", 2);
  auto r = join_consumer("g", "m1", {"orders"});
  create_topic("orders", 4);
  auto r2 = beat("g", "m1", r.member_epoch(), Owned{{"orders", {0, 1}}});
  EXPECT_EQ(r2.member_epoch(), 2);
  EXPECT_EQ(assignment_of(r2), (Owned{{"orders", {0, 1, 2, 3}}}));
}

TEST_F(ConsumerGroupProtocolTest, AnAddedMemberTakesOnlyItsShare) {
  create_topic("orders", 100);
  std::map<std::string, Owned> owned;
  std::map<std::string, std::int32_t> epochs;
  // Ten members reach a stable assignment.
  for (int i = 0; i < 10; ++i) join_consumer("g", "m" + std::to_string(i), {"orders"});
  for (int round = 0; round < 4; ++round) {
    for (int i = 0; i < 10; ++i) {
      std::string id = "m" + std::to_string(i);
      auto r = beat("g", id, consumer_group("g").member(id)->member_epoch, owned[id]);
      ASSERT_EQ(r.error_code(), pb::NONE);
      if (r.has_assignment()) owned[id] = assignment_of(r);
    }
  }
  ASSERT_EQ(cg_state("g"), ConsumerGroupState::kStable);
  auto before = consumer_group("g").target_assignment;
  join_consumer("g", "new", {"orders"});
  const auto& after = consumer_group("g").target_assignment;
  std::size_t moved = 0;
  for (const auto& [id, assignment] : before) {
    for (std::int32_t p : assignment.begin()->second) {
      auto it = after.find(id);
      if (it == after.end() || it->second.begin()->second.count(p) == 0) ++moved;
    }
  }
  EXPECT_EQ(moved, 9u) << "100 partitions over 11 members: the new one's share only";
}

TEST_F(ConsumerGroupProtocolTest, RequestsAreValidatedAsKafkaDoes) {
  create_topic("orders", 1);
  auto no_timeout = cg_heartbeat("g", {.member_id = "m",
                                       .epoch = 0,
                                       .topics = std::vector<std::string>{"orders"},
                                       .owned = Owned{}});
  EXPECT_EQ(no_timeout.error_code(), pb::INVALID_REQUEST);
  EXPECT_EQ(no_timeout.error_message(), "RebalanceTimeoutMs must be provided in first request.");
  auto owned = cg_heartbeat("g", {.member_id = "m",
                                  .epoch = 0,
                                  .topics = std::vector<std::string>{"orders"},
                                  .owned = Owned{{"orders", {0}}},
                                  .rebalance_timeout_ms = 1000});
  EXPECT_EQ(owned.error_message(), "TopicPartitions must be empty when (re-)joining.");
  auto nothing = cg_heartbeat(
      "g", {.member_id = "m", .epoch = 0, .owned = Owned{}, .rebalance_timeout_ms = 1000});
  EXPECT_EQ(nothing.error_message(),
            "SubscribedTopicNames or SubscribedTopicRegex must be set in first request.");
  EXPECT_EQ(cg_heartbeat("g", {.member_id = "m", .epoch = -3}).error_message(),
            "MemberEpoch is invalid.");
  EXPECT_EQ(cg_heartbeat("g", {.member_id = "", .epoch = 1}).error_message(),
            "MemberId can't be empty.");
  auto assignor = join_consumer("g", "m", {"orders"}, {.assignor = "sticky"});
  EXPECT_EQ(assignor.error_code(), pb::UNSUPPORTED_ASSIGNOR);
  auto regex = join_consumer("g", "m", {}, {.regex = "orders-("});
  EXPECT_EQ(regex.error_code(), pb::INVALID_REGULAR_EXPRESSION);
  EXPECT_EQ(beat("nope", "m", 1, std::nullopt).error_code(), pb::GROUP_ID_NOT_FOUND);
}

class SmallConsumerGroupTest : public ConsumerGroupTest {
 protected:
  static GroupConfig small() {
    GroupConfig c;
    c.consumer_max_size = 1;
    return c;
  }
  SmallConsumerGroupTest() : ConsumerGroupTest(small()) {}
};

TEST_F(SmallConsumerGroupTest, GroupMaxSizeIsEnforced) {
  create_topic("orders", 1);
  EXPECT_EQ(join_consumer("g", "m1", {"orders"}).error_code(), pb::NONE);
  EXPECT_EQ(join_consumer("g", "m2", {"orders"}).error_code(), pb::GROUP_MAX_SIZE_REACHED);
}

TEST_F(ConsumerGroupProtocolTest, OffsetsAreValidatedWithTheMemberEpoch) {
  create_topic("t", 1);
  join_consumer("g", "m1", {"t"});
  auto commit_v9 = [&](const std::string& member, int epoch, bool v9) {
    pb::OffsetCommitRequest req;
    req.set_group_id("g");
    req.set_member_id(member);
    req.set_generation_id(epoch);
    req.set_retention_time_ms(-1);
    req.set_member_epoch_aware(v9);
    req.set_unknown_group_is_not_found(v9);
    auto* p = req.add_topics();
    p->set_name("t");
    auto* part = p->add_partitions();
    part->set_committed_offset(7);
    part->set_committed_leader_epoch(-1);
    return answered_now(partition_, &GroupPartition::offset_commit, req)
        .topics(0)
        .partitions(0)
        .error_code();
  };
  EXPECT_EQ(commit_v9("m1", 1, true), pb::NONE);
  EXPECT_EQ(commit_v9("m1", 0, true), pb::STALE_MEMBER_EPOCH);
  EXPECT_EQ(commit_v9("m9", 1, true), pb::UNKNOWN_MEMBER_ID);
  EXPECT_EQ(commit_v9("m1", 1, false), pb::UNSUPPORTED_VERSION);
  EXPECT_EQ(commit_v9("", -1, true), pb::UNKNOWN_MEMBER_ID)
      << "a simple commit needs an empty group";

  pb::OffsetFetchGroup fetch;
  fetch.set_group_id("g");
  fetch.set_all_topics(true);
  fetch.set_member_id("m1");
  fetch.set_member_epoch(1);
  auto ok = fetch_now(partition_, fetch);
  EXPECT_EQ(ok.error_code(), pb::NONE);
  EXPECT_EQ(ok.topics(0).partitions(0).committed_offset(), 7);
  fetch.set_member_epoch(3);
  EXPECT_EQ(fetch_now(partition_, fetch).error_code(), pb::STALE_MEMBER_EPOCH);
  fetch.set_member_id("m9");
  EXPECT_EQ(fetch_now(partition_, fetch).error_code(), pb::UNKNOWN_MEMBER_ID);
  fetch.clear_member_id();
  fetch.set_member_epoch(-1);
  EXPECT_EQ(fetch_now(partition_, fetch).error_code(), pb::NONE) << "an admin reads any group";

  beat("g", "m1", kLeaveMemberEpoch, std::nullopt);
  EXPECT_EQ(commit_v9("", -1, true), pb::NONE) << "simple commits to an empty consumer group";
}

TEST_F(ConsumerGroupProtocolTest, AGroupIdIsClassicOrConsumer) {
  create_topic("t", 1);
  // A classic group with members that does not use the embedded consumer protocol: the consumer
  // protocol cannot have it.
  stable_group("classic", 1, {.protocol_type = "connect"});
  auto r = join_consumer("classic", "m", {"t"});
  EXPECT_EQ(r.error_code(), pb::GROUP_ID_NOT_FOUND);
  EXPECT_EQ(r.error_message(), "Group classic is not a consumer group.");

  // A consumer group with members: a classic JoinGroup of another protocol type is refused.
  join_consumer("g", "m1", {"t"});
  EXPECT_EQ(join("g", {.protocol_type = "connect"})->error_code(), pb::INCONSISTENT_GROUP_PROTOCOL);
  EXPECT_EQ(delete_group("g"), pb::NON_EMPTY_GROUP);

  pb::ListGroupsRequest consumers;
  consumers.add_types_filter("Consumer");
  std::vector<pb::ListedGroup> listed;
  partition_.list_groups(consumers, listed);
  ASSERT_EQ(listed.size(), 1u);
  EXPECT_EQ(listed[0].group_id(), "g");
  EXPECT_EQ(listed[0].group_type(), "consumer");
  EXPECT_EQ(listed[0].protocol_type(), "consumer");
  EXPECT_EQ(listed[0].group_state(), "Stable");

  auto described =
      answered_now(partition_, &GroupPartition::consumer_group_describe, std::string("g"));
  EXPECT_EQ(described.group_state(), "Stable");
  EXPECT_EQ(described.group_epoch(), 1);
  EXPECT_EQ(described.assignor_name(), "uniform");
  ASSERT_EQ(described.members_size(), 1);
  EXPECT_EQ(described.members(0).assignment(0).topic_name(), "t");
  EXPECT_EQ(
      answered_now(partition_, &GroupPartition::consumer_group_describe, std::string("classic"))
          .error_code(),
      pb::GROUP_ID_NOT_FOUND);

  beat("g", "m1", kLeaveMemberEpoch, std::nullopt);
  EXPECT_EQ(delete_group("g"), pb::NONE);
  EXPECT_EQ(partition_.find_consumer_group("g"), nullptr);
}

TEST_F(ConsumerGroupProtocolTest, AnEmptyGroupChangesProtocolBothWays) {
  create_topic("t", 1);
  // A simple group (offsets only) becomes a consumer group, keeping its offsets.
  EXPECT_EQ(commit("g", "", -1, 5), pb::NONE);
  EXPECT_EQ(join_consumer("g", "m1", {"t"}).error_code(), pb::NONE);
  EXPECT_EQ(partition_.find_group("g"), nullptr);
  beat("g", "m1", kLeaveMemberEpoch, std::nullopt);
  // Empty again: a classic member takes it back.
  auto joined = join("g");
  EXPECT_EQ(partition_.find_consumer_group("g"), nullptr);
  EXPECT_EQ(fetch("g"), 5);
  (void)joined;
}

TEST_F(ConsumerGroupProtocolTest, StateComesBackFromTheRecordsWithoutARebalance) {
  create_topic("orders", 4);
  join_consumer("g", "m1", {"orders"});
  join_consumer("g", "m2", {"orders"});
  auto r1 = beat("g", "m1", 1, Owned{{"orders", {0, 1, 2, 3}}});
  beat("g", "m1", 1, assignment_of(r1));
  auto r2 = beat("g", "m2", 2, Owned{});
  beat("g", "m2", 2, assignment_of(r2));
  ASSERT_EQ(cg_state("g"), ConsumerGroupState::kStable);

  StoredGroups stored;
  for (const auto& batch : log_.batches()) {
    for (const auto& r : batch.consumer_group_records) {
      std::erase_if(stored.consumer_group_records, [&](const ConsumerGroupRecord& s) {
        return s.group_id == r.group_id && s.kind == r.kind && s.key == r.key;
      });
      if (r.value) stored.consumer_group_records.push_back(r);
    }
  }
  ManualLog log2;
  GroupPartition reloaded(config_, clock_, log2);
  reloaded.load(stored);
  const ConsumerGroup* g = reloaded.find_consumer_group("g");
  ASSERT_NE(g, nullptr);
  EXPECT_EQ(g->state(), ConsumerGroupState::kStable);
  EXPECT_EQ(g->group_epoch, 2);
  EXPECT_EQ(g->member("m1")->assigned_partitions,
            consumer_group("g").member("m1")->assigned_partitions);
  // The members carry on at their epochs.
  auto again = ask(reloaded, &GroupPartition::consumer_group_heartbeat,
                   request("g", {.member_id = "m2", .epoch = 2, .owned = assignment_of(r2)}));
  EXPECT_EQ(again->error_code(), pb::NONE);
  EXPECT_EQ(again->member_epoch(), 2);
  EXPECT_EQ(reloaded.find_consumer_group("g")->group_epoch, 2);
}

TEST_F(ConsumerGroupProtocolTest, AHeartbeatIsAnsweredOnceItsRecordsAreDurable) {
  create_topic("orders", 1);
  log_.hold();
  auto r = heartbeat_async("g", {.member_id = "m1",
                                 .epoch = 0,
                                 .topics = std::vector<std::string>{"orders"},
                                 .owned = Owned{},
                                 .rebalance_timeout_ms = 1000});
  EXPECT_FALSE(r.done());
  log_.complete(pb::NOT_COORDINATOR);
  EXPECT_EQ(r->error_code(), pb::NOT_COORDINATOR);
  log_.complete_all();
}

}  // namespace
}  // namespace groupwire::coordinator::testing

namespace groupwire::coordinator::testing {
namespace {

// The two protocols in one group (Kafka's group.consumer.migration.policy, bidirectional by
// default): classic members become classic-protocol members of a consumer group when a
// consumer-protocol member joins, and the group turns classic again when it leaves.
class MigrationTest : public ConsumerGroupTest {
 protected:
  explicit MigrationTest(GroupConfig config = {}) : ConsumerGroupTest(config) {}

  static std::string assignment(std::vector<std::int32_t> partitions) {
    kafka::ConsumerProtocolAssignment a;
    a.assigned_partitions.push_back({"t", std::move(partitions)});
    return kafka::encode_consumer_protocol(a, 1);
  }

  // Two classic members of "g" over topic t (4 partitions), Stable at generation 1: the leader
  // has 0 and 1, the other 2 and 3.
  std::vector<std::string> classic_group() {
    create_topic("t", 4);
    auto a = join("g");
    auto b = join("g");
    clock_.advance(5s);
    std::string leader = a->leader();
    std::string other = a->member_id() == leader ? b->member_id() : a->member_id();
    auto follower = sync("g", other, 1);
    auto synced = sync("g", leader, 1, {{leader, assignment({0, 1})}, {other, assignment({2, 3})}});
    EXPECT_EQ(synced->error_code(), pb::NONE);
    EXPECT_EQ(state("g"), GroupState::Stable);
    return {leader, other};
  }

  pb::JoinGroupResponse rejoin(const std::string& member, std::vector<std::int32_t> owned = {}) {
    kafka::ConsumerProtocolSubscription sub;
    sub.topics = {"t"};
    if (!owned.empty()) sub.owned_partitions.push_back({"t", std::move(owned)});
    auto joined = join("g", {.member_id = member,
                             .protocols = {{"range", kafka::encode_consumer_protocol(sub, 1)}}});
    EXPECT_TRUE(joined.done()) << "a classic member of a consumer group is answered at once";
    return joined.done() ? *joined : pb::JoinGroupResponse();
  }

  std::set<std::int32_t> synced_partitions(const std::string& member, int generation) {
    auto s = sync("g", member, generation);
    EXPECT_EQ(s->error_code(), pb::NONE);
    kafka::ConsumerProtocolAssignment a;
    EXPECT_TRUE(kafka::decode_consumer_protocol(s->assignment(), a));
    std::set<std::int32_t> out;
    for (const auto& tp : a.assigned_partitions)
      out.insert(tp.partitions.begin(), tp.partitions.end());
    return out;
  }
};

TEST_F(MigrationTest, AConsumerMemberUpgradesAClassicGroupThatCarriesOn) {
  auto classic = classic_group();
  auto joined = join_consumer("g", "c1", {"t"});
  ASSERT_EQ(joined.error_code(), pb::NONE) << joined.error_message();
  EXPECT_EQ(partition_.find_group("g"), nullptr);
  const ConsumerGroup& g = consumer_group("g");
  EXPECT_EQ(g.members.size(), 3u);
  EXPECT_TRUE(g.member(classic[0])->uses_classic_protocol());
  EXPECT_EQ(g.group_epoch, 2) << "the classic generation, moved on by the new member";
  // The new member waits for partitions the classic members still own.
  EXPECT_TRUE(assignment_of(joined).empty());

  // Classic members learn of the rebalance from their heartbeats, and join again.
  EXPECT_EQ(heartbeat("g", classic[0], 1), pb::REBALANCE_IN_PROGRESS);
  auto rejoined = rejoin(classic[0], {0, 1});
  EXPECT_EQ(rejoined.error_code(), pb::NONE);
  EXPECT_EQ(rejoined.protocol_type(), "consumer");
  EXPECT_EQ(rejoined.protocol_name(), "range");
  // It keeps its share of what it owns (giving up any surplus before it moves to the new epoch)
  // and moves on once it joins without what it gave up.
  std::set<std::int32_t> kept = synced_partitions(classic[0], rejoined.generation_id());
  EXPECT_FALSE(kept.empty());
  for (std::int32_t p : kept) EXPECT_TRUE(p == 0 || p == 1) << p;
  auto again = rejoin(classic[0], {kept.begin(), kept.end()});
  EXPECT_EQ(again.generation_id(), 2);
  EXPECT_EQ(synced_partitions(classic[0], 2), kept);

  auto other = rejoin(classic[1], {2, 3});
  auto other_kept = synced_partitions(classic[1], other.generation_id());
  auto other_again = rejoin(classic[1], {other_kept.begin(), other_kept.end()});
  EXPECT_EQ(other_again.generation_id(), 2);
  EXPECT_EQ(heartbeat("g", classic[1], 2), pb::NONE);

  // The consumer-protocol member gets what the classic members released: together, every
  // partition once.
  auto c = beat("g", "c1", joined.member_epoch(), Owned{});
  std::set<std::int32_t> all = kept;
  all.insert(other_kept.begin(), other_kept.end());
  Owned given = assignment_of(c);
  for (std::int32_t p : given["t"]) EXPECT_TRUE(all.insert(p).second) << p;
  EXPECT_EQ(all, (std::set<std::int32_t>{0, 1, 2, 3}));
  EXPECT_GE(count(given), 1u);
  // Classic members commit with their generation, as before.
  EXPECT_EQ(commit("g", classic[1], 2), pb::NONE);
  EXPECT_EQ(commit("g", classic[1], 1), pb::ILLEGAL_GENERATION);
}

TEST_F(MigrationTest, TheLastConsumerMemberLeavingDowngradesTheGroup) {
  auto classic = classic_group();
  auto joined = join_consumer("g", "c1", {"t"});
  ASSERT_EQ(joined.error_code(), pb::NONE);
  auto left = beat("g", "c1", kLeaveMemberEpoch, std::nullopt);
  EXPECT_EQ(left.error_code(), pb::NONE);
  EXPECT_EQ(partition_.find_consumer_group("g"), nullptr);
  ASSERT_NE(partition_.find_group("g"), nullptr);
  EXPECT_EQ(state("g"), GroupState::PreparingRebalance) << "it rebalances as a classic group";
  EXPECT_EQ(group("g").members.size(), 2u);
  // The classic members carry on with the classic protocol.
  auto a = join("g", {.member_id = classic[0]});
  auto b = join("g", {.member_id = classic[1]});
  EXPECT_TRUE(a.done() && b.done());
  EXPECT_EQ(a->error_code(), pb::NONE);
  EXPECT_EQ(state("g"), GroupState::CompletingRebalance);
}

class MigrationDisabledTest : public MigrationTest {
 protected:
  static GroupConfig disabled() {
    GroupConfig c;
    c.consumer_migration_policy = ConsumerMigrationPolicy::kDisabled;
    return c;
  }
  MigrationDisabledTest() : MigrationTest(disabled()) {}
};

TEST_F(MigrationDisabledTest, AClassicGroupWithMembersStaysClassic) {
  classic_group();
  auto joined = join_consumer("g", "c1", {"t"});
  EXPECT_EQ(joined.error_code(), pb::GROUP_ID_NOT_FOUND);
  EXPECT_EQ(state("g"), GroupState::Stable);
}

}  // namespace
}  // namespace groupwire::coordinator::testing
