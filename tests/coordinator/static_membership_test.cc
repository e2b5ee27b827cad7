// Static membership (KIP-345), one test per rule of Kafka's classic group coordinator (names
// follow Kafka's GroupMetadataManagerTest where it has one).
#include <set>

#include "group_fixture.h"

namespace groupwire::coordinator::testing {
namespace {

class StaticMembershipTest : public GroupTest {
 protected:
  // An OffsetCommit for t-0 that carries a group instance id; returns the partition's error.
  pb::ErrorCode commit_as(const std::string& group, const std::string& member,
                          const std::string& instance, int generation) {
    pb::OffsetCommitRequest req;
    req.set_group_id(group);
    req.set_member_id(member);
    req.set_group_instance_id(instance);
    req.set_generation_id(generation);
    req.set_retention_time_ms(-1);
    auto* p = req.add_topics();
    p->set_name("t");
    auto* partition = p->add_partitions();
    partition->set_partition_index(0);
    partition->set_committed_offset(42);
    partition->set_committed_leader_epoch(-1);
    Pending<pb::OffsetCommitResponse> out;
    partition_.offset_commit(req, out.reply());
    return out->topics(0).partitions(0).error_code();
  }

  static std::set<std::string> member_ids(const pb::JoinGroupResponse& r) {
    std::set<std::string> out;
    for (const auto& m : r.members()) out.insert(m.member_id());
    return out;
  }
};

TEST_F(StaticMembershipTest, ReplaceStaticMemberInStableStateNoError) {
  auto ids = stable_static_group("g", {"a", "b"});
  auto r = join("g", {.instance = "b"});  // b restarts: same protocols, unknown member id
  ASSERT_TRUE(r.done());
  EXPECT_EQ(r->error_code(), pb::NONE);
  EXPECT_EQ(r->generation_id(), 1);
  EXPECT_NE(r->member_id(), ids[1]);
  EXPECT_EQ(r->member_id().rfind("b-", 0), 0u) << r->member_id();
  EXPECT_EQ(r->leader(), ids[0]);
  EXPECT_EQ(r->members_size(), 0);
  EXPECT_EQ(r->protocol_type(), "consumer");
  EXPECT_EQ(r->protocol_name(), "range");
  EXPECT_EQ(state("g"), GroupState::Stable);  // no rebalance
  EXPECT_EQ(group("g").generation_id, 1);
  EXPECT_FALSE(group("g").has_member(ids[1]));
  EXPECT_TRUE(group("g").has_member(r->member_id()));
  EXPECT_EQ(group("g").static_members.at("b"), r->member_id());
  // The new incarnation keeps the old one's assignment.
  auto s = sync("g", r->member_id(), 1, {}, "b");
  ASSERT_TRUE(s.done());
  EXPECT_EQ(s->error_code(), pb::NONE);
  EXPECT_EQ(s->assignment(), "assignment-of-" + ids[1]);
}

TEST_F(StaticMembershipTest, StaticMemberHeartbeatWithOldMemberIdIsFenced) {
  auto ids = stable_static_group("g", {"a", "b"});
  auto r = join("g", {.instance = "b"});
  ASSERT_TRUE(r.done());
  EXPECT_EQ(heartbeat("g", ids[1], 1, "b"), pb::FENCED_INSTANCE_ID);
  EXPECT_EQ(heartbeat("g", r->member_id(), 1, "b"), pb::NONE);
}

TEST_F(StaticMembershipTest, StaticMemberSyncWithOldMemberIdIsFenced) {
  auto ids = stable_static_group("g", {"a", "b"});
  auto r = join("g", {.instance = "b"});
  ASSERT_TRUE(r.done());
  auto s = sync("g", ids[1], 1, {}, "b");
  ASSERT_TRUE(s.done());
  EXPECT_EQ(s->error_code(), pb::FENCED_INSTANCE_ID);
}

TEST_F(StaticMembershipTest, StaticMemberOffsetCommitWithOldMemberIdIsFenced) {
  auto ids = stable_static_group("g", {"a", "b"});
  auto r = join("g", {.instance = "b"});
  ASSERT_TRUE(r.done());
  EXPECT_EQ(commit_as("g", ids[1], "b", 1), pb::FENCED_INSTANCE_ID);
  EXPECT_EQ(fetch("g"), -1);
  EXPECT_EQ(commit_as("g", r->member_id(), "b", 1), pb::NONE);
  EXPECT_EQ(fetch("g"), 42);
}

TEST_F(StaticMembershipTest, ReplaceStaticMemberInStableStateWithUpdatedProtocolTriggersRebalance) {
  JoinOptions both{
      .protocols = {{"range", subscription({"t"})}, {"roundrobin", subscription({"t"})}}};
  auto ids = stable_static_group("g", {"a", "b"}, both);
  ASSERT_EQ(group("g").protocol_name, "range");
  // b restarts supporting only roundrobin: the selected protocol would change.
  auto b = join("g", {.instance = "b", .protocols = {{"roundrobin", subscription({"t"})}}});
  EXPECT_FALSE(b.done());  // waits for a in the new join phase
  EXPECT_EQ(state("g"), GroupState::PreparingRebalance);
  EXPECT_EQ(heartbeat("g", ids[0], 1, "a"), pb::REBALANCE_IN_PROGRESS);
  auto a = join("g", {.member_id = ids[0], .instance = "a", .protocols = both.protocols});
  ASSERT_TRUE(a.done());
  ASSERT_TRUE(b.done());
  EXPECT_EQ(b->error_code(), pb::NONE);
  EXPECT_EQ(b->generation_id(), 2);
  EXPECT_EQ(b->protocol_name(), "roundrobin");
  EXPECT_EQ(member_ids(*a), (std::set<std::string>{ids[0], b->member_id()}));
}

TEST_F(StaticMembershipTest, ReplaceStaticMemberInCompletingRebalanceStateTriggersRebalance) {
  auto a = join("g", {.instance = "a"});
  auto b = join("g", {.instance = "b"});
  clock_.advance(
      5000ms);  // the initial delay, extended by later joiners up to the rebalance timeout
  ASSERT_EQ(state("g"), GroupState::CompletingRebalance);
  ASSERT_EQ(a->leader(), a->member_id());
  auto b2 = join("g", {.instance = "b"});  // the leader may already have assigned to b's old id
  EXPECT_FALSE(b2.done());
  EXPECT_EQ(state("g"), GroupState::PreparingRebalance);
  EXPECT_EQ(heartbeat("g", a->member_id(), 1, "a"), pb::REBALANCE_IN_PROGRESS);
  auto a2 = join("g", {.member_id = a->member_id(), .instance = "a"});
  ASSERT_TRUE(a2.done());
  ASSERT_TRUE(b2.done());
  EXPECT_EQ(a2->generation_id(), 2);
  EXPECT_EQ(b2->generation_id(), 2);
  EXPECT_EQ(member_ids(*a2), (std::set<std::string>{a->member_id(), b2->member_id()}));
}

TEST_F(StaticMembershipTest, ReplaceStaticMemberInPreparingRebalanceStateJoinsOngoingPhase) {
  auto ids = stable_static_group("g", {"a", "b"});
  auto a = join("g", {.member_id = ids[0], .instance = "a"});  // the leader rejoins: rebalance
  ASSERT_FALSE(a.done());
  ASSERT_EQ(state("g"), GroupState::PreparingRebalance);
  auto b = join("g", {.instance = "b"});  // b restarts: its new id joins this phase
  ASSERT_TRUE(b.done());
  ASSERT_TRUE(a.done());
  EXPECT_EQ(b->error_code(), pb::NONE);
  EXPECT_EQ(b->generation_id(), 2);
  EXPECT_NE(b->member_id(), ids[1]);
  EXPECT_EQ(a->generation_id(), 2);
  EXPECT_EQ(member_ids(*a), (std::set<std::string>{ids[0], b->member_id()}));
  EXPECT_FALSE(group("g").has_member(ids[1]));
}

TEST_F(StaticMembershipTest, StaticMemberFenceDuplicateRejoinedFollower) {
  auto ids = stable_static_group("g", {"a", "b", "c"});
  auto a = join("g", {.member_id = ids[0], .instance = "a"});
  auto b_old = join("g", {.member_id = ids[1], .instance = "b"});
  ASSERT_FALSE(b_old.done());  // parked: c has not rejoined
  auto b_new = join("g", {.instance = "b"});
  ASSERT_TRUE(b_old.done());
  EXPECT_EQ(b_old->error_code(), pb::FENCED_INSTANCE_ID);
  EXPECT_FALSE(b_new.done());
  auto c = join("g", {.member_id = ids[2], .instance = "c"});
  ASSERT_TRUE(b_new.done());
  EXPECT_TRUE(a.done());
  EXPECT_TRUE(c.done());
  EXPECT_EQ(b_new->error_code(), pb::NONE);
  EXPECT_EQ(b_new->generation_id(), 2);
  EXPECT_EQ(group("g").members.size(), 3u);
  // The old incarnation stays fenced.
  EXPECT_EQ(join("g", {.member_id = ids[1], .instance = "b"})->error_code(),
            pb::FENCED_INSTANCE_ID);
}

TEST_F(StaticMembershipTest, StaticMemberFenceDuplicateSyncingFollowerAfterMemberIdChanged) {
  auto a = join("g", {.instance = "a"});
  auto b = join("g", {.instance = "b"});
  clock_.advance(
      5000ms);  // the initial delay, extended by later joiners up to the rebalance timeout
  ASSERT_EQ(state("g"), GroupState::CompletingRebalance);
  ASSERT_EQ(a->leader(), a->member_id());
  auto b_sync = sync("g", b->member_id(), 1, {}, "b");
  ASSERT_FALSE(b_sync.done());
  auto b2 = join("g", {.instance = "b"});
  ASSERT_TRUE(b_sync.done());
  EXPECT_EQ(b_sync->error_code(), pb::FENCED_INSTANCE_ID);
  EXPECT_EQ(state("g"), GroupState::PreparingRebalance);
}

TEST_F(StaticMembershipTest, StaticMemberRejoinWithLeaderIdAndUnknownMemberId) {
  // Below JoinGroup v9 a rejoined static leader is told the leader id from before the swap.
  auto ids = stable_static_group("g", {"a", "b"});
  auto r = join("g", {.instance = "a", .supports_skip_assignment = false});
  ASSERT_TRUE(r.done());
  EXPECT_EQ(r->error_code(), pb::NONE);
  EXPECT_EQ(r->generation_id(), 1);
  EXPECT_NE(r->member_id(), ids[0]);
  EXPECT_EQ(r->leader(), ids[0]);
  EXPECT_EQ(r->members_size(), 0);
  EXPECT_FALSE(r->skip_assignment());
  EXPECT_EQ(state("g"), GroupState::Stable);
  EXPECT_TRUE(group("g").is_leader(r->member_id()));  // leadership moved to the new id
}

TEST_F(StaticMembershipTest, StaticLeaderRejoinWithSkipAssignmentGetsMembers) {
  // JoinGroup v9: the rejoined static leader gets the members and SkipAssignment.
  auto ids = stable_static_group("g", {"a", "b"});
  auto r = join("g", {.instance = "a", .supports_skip_assignment = true});
  ASSERT_TRUE(r.done());
  EXPECT_EQ(r->error_code(), pb::NONE);
  EXPECT_EQ(r->generation_id(), 1);
  EXPECT_EQ(r->leader(), r->member_id());
  EXPECT_TRUE(r->skip_assignment());
  EXPECT_EQ(member_ids(*r), (std::set<std::string>{r->member_id(), ids[1]}));
  for (const auto& m : r->members()) {
    EXPECT_EQ(m.metadata(), subscription({"t"}));
    EXPECT_TRUE(m.has_group_instance_id());
  }
  EXPECT_EQ(state("g"), GroupState::Stable);
  EXPECT_EQ(group("g").generation_id, 1);
}

TEST_F(StaticMembershipTest, StaticMemberHeartbeatWithUnknownInstanceIdIsUnknownMember) {
  auto ids = stable_static_group("g", {"a", "b"});
  EXPECT_EQ(heartbeat("g", ids[1], 1, "nobody"), pb::UNKNOWN_MEMBER_ID);
}

TEST_F(StaticMembershipTest, StaticMemberSyncWithUnknownInstanceIdIsUnknownMember) {
  auto ids = stable_static_group("g", {"a", "b"});
  auto s = sync("g", ids[1], 1, {}, "nobody");
  ASSERT_TRUE(s.done());
  EXPECT_EQ(s->error_code(), pb::UNKNOWN_MEMBER_ID);
}

TEST_F(StaticMembershipTest, LeaveGroupByInstanceIdAloneRemovesStaticMember) {
  // Admin tools evict a static member by its instance id, with member id "".
  auto ids = stable_static_group("g", {"a", "b"});
  auto resp = leave("g", {{"", "b"}});
  EXPECT_EQ(resp.error_code(), pb::NONE);
  ASSERT_EQ(resp.members_size(), 1);
  EXPECT_EQ(resp.members(0).error_code(), pb::NONE);
  EXPECT_EQ(resp.members(0).member_id(), "");
  EXPECT_EQ(resp.members(0).group_instance_id(), "b");
  EXPECT_FALSE(group("g").has_member(ids[1]));
  EXPECT_FALSE(group("g").has_static_member("b"));
  EXPECT_EQ(state("g"), GroupState::PreparingRebalance);
  auto a = join("g", {.member_id = ids[0], .instance = "a"});
  ASSERT_TRUE(a.done());
  EXPECT_EQ(a->generation_id(), 2);
  EXPECT_EQ(a->members_size(), 1);
}

TEST_F(StaticMembershipTest, StaticMemberLeaderFailToRejoinBeforeRebalanceTimeout) {
  auto ids = stable_static_group("g", {"a", "b"});
  auto d = join("g");  // a new dynamic member starts a rebalance; a and b never rejoin
  EXPECT_FALSE(d.done());
  ASSERT_EQ(state("g"), GroupState::PreparingRebalance);
  clock_.advance(4999ms);
  EXPECT_FALSE(d.done());
  clock_.advance(1ms);  // the rebalance timeout
  ASSERT_TRUE(d.done());
  EXPECT_EQ(d->error_code(), pb::NONE);
  EXPECT_EQ(d->generation_id(), 2);
  EXPECT_EQ(d->leader(), d->member_id());  // the static leader did not rejoin: a new leader
  EXPECT_EQ(member_ids(*d), (std::set<std::string>{ids[0], ids[1], d->member_id()}));
  // Static members stay at join completion.
  EXPECT_TRUE(group("g").has_member(ids[0]));
  EXPECT_TRUE(group("g").has_member(ids[1]));
  EXPECT_EQ(state("g"), GroupState::CompletingRebalance);
}

}  // namespace
}  // namespace groupwire::coordinator::testing
