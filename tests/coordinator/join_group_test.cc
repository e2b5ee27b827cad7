// JoinGroup and the join phase, one test per rule of Kafka's classic group coordinator
// (names follow Kafka's GroupMetadataManagerTest where it has one).
#include "group_fixture.h"

namespace groupwire::coordinator::testing {
namespace {

using JoinGroupTest = GroupTest;

TEST_F(JoinGroupTest, UnknownMemberIdForMissingGroupIsUnknownMember) {
  auto r = join("g", {.member_id = "someone"});
  EXPECT_EQ(r->error_code(), pb::UNKNOWN_MEMBER_ID);
  EXPECT_EQ(r->member_id(), "someone");
}

TEST_F(JoinGroupTest, EmptyGroupIdIsInvalid) {
  EXPECT_EQ(join("")->error_code(), pb::INVALID_GROUP_ID);
}

TEST_F(JoinGroupTest, SessionTimeoutOutsideBoundsIsInvalid) {
  EXPECT_EQ(join("g", {.session_timeout_ms = 5999})->error_code(), pb::INVALID_SESSION_TIMEOUT);
  EXPECT_EQ(join("g", {.session_timeout_ms = 1800001})->error_code(), pb::INVALID_SESSION_TIMEOUT);
  EXPECT_FALSE(join("g", {.session_timeout_ms = 6000}).done());  // parked: accepted
}

TEST_F(JoinGroupTest, DynamicMemberV4GetsMemberIdRequired) {
  auto r = join("g", {.require_known_member_id = true, .client_id = "app"});
  EXPECT_EQ(r->error_code(), pb::MEMBER_ID_REQUIRED);
  EXPECT_EQ(r->member_id().rfind("app-", 0), 0u) << r->member_id();
  EXPECT_EQ(r->generation_id(), -1);
  EXPECT_TRUE(group("g").pending_join_members.count(r->member_id()));
}

TEST_F(JoinGroupTest, StaticMemberSkipsMemberIdRequired) {
  auto r = join("g", {.instance = "i-1", .require_known_member_id = true});
  EXPECT_FALSE(r.done());
  clock_.advance(
      5000ms);  // the initial delay, extended by later joiners up to the rebalance timeout
  EXPECT_EQ(r->error_code(), pb::NONE);
  EXPECT_EQ(r->member_id().rfind("i-1-", 0), 0u);
}

TEST_F(JoinGroupTest, EmptyProtocolTypeOrNoProtocolsIsInconsistent) {
  EXPECT_EQ(join("g", {.protocol_type = ""})->error_code(), pb::INCONSISTENT_GROUP_PROTOCOL);
  EXPECT_EQ(join("g", {.protocols = {}})->error_code(), pb::INCONSISTENT_GROUP_PROTOCOL);
}

TEST_F(JoinGroupTest, InconsistentGroupProtocol) {
  join("g", {.protocols = {{"range", "x"}}});
  EXPECT_EQ(join("g", {.protocol_type = "connect"})->error_code(), pb::INCONSISTENT_GROUP_PROTOCOL);
  EXPECT_EQ(join("g", {.protocols = {{"roundrobin", "x"}}})->error_code(),
            pb::INCONSISTENT_GROUP_PROTOCOL);
  EXPECT_FALSE(join("g", {.protocols = {{"roundrobin", "x"}, {"range", "x"}}}).done());
}

TEST_F(JoinGroupTest, DelayInitialRebalanceByGroupInitialRebalanceDelay) {
  auto r = join("g");
  clock_.advance(2999ms);
  EXPECT_FALSE(r.done());
  EXPECT_EQ(state("g"), GroupState::PreparingRebalance);
  clock_.advance(1ms);
  ASSERT_TRUE(r.done());
  EXPECT_EQ(r->error_code(), pb::NONE);
  EXPECT_EQ(r->generation_id(), 1);
  EXPECT_EQ(state("g"), GroupState::CompletingRebalance);
}

TEST_F(JoinGroupTest, InitialRebalanceDoesNotCompleteEarlyWhenEveryoneJoined) {
  auto a = join("g");
  auto b = join("g");
  EXPECT_TRUE(group("g").all_members_joined());
  clock_.advance(1000ms);
  EXPECT_FALSE(a.done());
  EXPECT_FALSE(b.done());
}

TEST_F(JoinGroupTest, ResetRebalanceDelayWhenNewMemberJoinsDuringInitialRebalance) {
  auto a = join("g", {.rebalance_timeout_ms = 10000});
  clock_.advance(2000ms);
  auto b = join("g", {.rebalance_timeout_ms = 10000});
  clock_.advance(1000ms);  // t=3000: b arrived in the window, so the delay restarts
  EXPECT_FALSE(a.done());
  clock_.advance(2999ms);
  EXPECT_FALSE(a.done());
  clock_.advance(1ms);  // t=6000
  EXPECT_TRUE(a.done());
  EXPECT_TRUE(b.done());
}

TEST_F(JoinGroupTest, DelayRebalanceUptoRebalanceTimeout) {
  // Members keep arriving; the initial rebalance still completes at the rebalance timeout (7 s).
  auto a = join("g", {.rebalance_timeout_ms = 7000});
  clock_.advance(2500ms);
  join("g", {.rebalance_timeout_ms = 7000});
  clock_.advance(2500ms);
  join("g", {.rebalance_timeout_ms = 7000});
  clock_.advance(1500ms);
  join("g", {.rebalance_timeout_ms = 7000});
  clock_.advance(499ms);  // t=6999
  EXPECT_FALSE(a.done());
  clock_.advance(1ms);
  ASSERT_TRUE(a.done());
  EXPECT_EQ(group("g").members.size(), 4u);
}

TEST_F(JoinGroupTest, FirstMemberIsLeaderAndOnlyLeaderGetsMembers) {
  auto a = join("g");
  auto b = join("g");
  clock_.advance(
      5000ms);  // the initial delay, extended by later joiners up to the rebalance timeout
  EXPECT_EQ(a->leader(), a->member_id());
  EXPECT_EQ(b->leader(), a->member_id());
  EXPECT_EQ(a->members_size(), 2);
  EXPECT_EQ(b->members_size(), 0);
  EXPECT_EQ(a->protocol_type(), "consumer");
  EXPECT_EQ(a->protocol_name(), "range");
  EXPECT_EQ(a->generation_id(), b->generation_id());
}

TEST_F(JoinGroupTest, ProtocolSelectedByVote) {
  auto a = join("g", {.protocols = {{"roundrobin", "a"}, {"range", "a"}}});
  auto b = join("g", {.protocols = {{"sticky", "b"}, {"range", "b"}, {"roundrobin", "b"}}});
  auto c = join("g", {.protocols = {{"roundrobin", "c"}, {"range", "c"}}});
  clock_.advance(
      5000ms);  // the initial delay, extended by later joiners up to the rebalance timeout
  EXPECT_EQ(a->protocol_name(), "roundrobin");  // 2 votes to 1; sticky is not supported by all
  for (const auto& m : a->members()) {
    EXPECT_EQ(m.metadata().size(), 1u);  // the member's metadata for the chosen protocol
  }
}

TEST_F(JoinGroupTest, GenerationIdIncrementsOnRebalance) {
  auto ids = stable_group("g", 1);
  EXPECT_EQ(group("g").generation_id, 1);
  auto r = join("g", {.member_id = ids[0]});  // the leader rejoins: a new generation
  ASSERT_TRUE(r.done());
  EXPECT_EQ(r->generation_id(), 2);
}

TEST_F(JoinGroupTest, JoinGroupAsExistingLeaderTriggersRebalanceInStableState) {
  auto ids = stable_group("g", 2);
  auto r = join("g", {.member_id = ids[0]});
  EXPECT_FALSE(r.done());  // waits for the follower to rejoin
  EXPECT_EQ(state("g"), GroupState::PreparingRebalance);
  EXPECT_EQ(heartbeat("g", ids[1], 1), pb::REBALANCE_IN_PROGRESS);
  auto f = join("g", {.member_id = ids[1]});
  ASSERT_TRUE(r.done());
  EXPECT_EQ(r->generation_id(), 2);
  EXPECT_EQ(f->generation_id(), 2);
}

TEST_F(JoinGroupTest, JoinGroupExistingMemberDoesNotTriggerRebalanceInStableState) {
  auto ids = stable_group("g", 2);
  auto r = join("g", {.member_id = ids[1]});  // follower, same metadata
  ASSERT_TRUE(r.done());
  EXPECT_EQ(r->error_code(), pb::NONE);
  EXPECT_EQ(r->generation_id(), 1);
  EXPECT_EQ(r->members_size(), 0);
  EXPECT_EQ(state("g"), GroupState::Stable);
}

TEST_F(JoinGroupTest, FollowerWithChangedMetadataTriggersRebalance) {
  auto ids = stable_group("g", 2);
  auto r = join("g", {.member_id = ids[1], .protocols = {{"range", subscription({"t", "u"})}}});
  EXPECT_FALSE(r.done());
  EXPECT_EQ(state("g"), GroupState::PreparingRebalance);
}

TEST_F(JoinGroupTest, SameMetadataInCompletingRebalanceReturnsCurrentGeneration) {
  auto a = join("g");
  clock_.advance(
      5000ms);  // the initial delay, extended by later joiners up to the rebalance timeout
  ASSERT_EQ(state("g"), GroupState::CompletingRebalance);
  auto again = join("g", {.member_id = a->member_id()});
  ASSERT_TRUE(again.done());
  EXPECT_EQ(again->generation_id(), 1);
  EXPECT_EQ(again->members_size(), 1);  // the leader gets the member list again
  EXPECT_EQ(state("g"), GroupState::CompletingRebalance);
}

TEST_F(JoinGroupTest, JoinGroupCompletionWhenPendingMemberJoins) {
  auto ids = stable_group("g", 1);
  auto b_first = join("g", {.require_known_member_id = true});
  ASSERT_EQ(b_first->error_code(), pb::MEMBER_ID_REQUIRED);
  auto a = join("g", {.member_id = ids[0]});  // leader rejoin starts a rebalance
  EXPECT_FALSE(a.done());                     // the pending member is still expected
  auto b = join("g", {.member_id = b_first->member_id()});
  ASSERT_TRUE(a.done());
  ASSERT_TRUE(b.done());
  EXPECT_EQ(a->members_size(), 2);
}

TEST_F(JoinGroupTest, JoinGroupCompletionWhenPendingMemberTimesOut) {
  auto ids = stable_group("g", 1);
  auto b_first = join("g", {.session_timeout_ms = 6000, .require_known_member_id = true});
  auto a = join("g", {.member_id = ids[0], .rebalance_timeout_ms = 60000});
  clock_.advance(5999ms);
  EXPECT_FALSE(a.done());
  clock_.advance(1ms);  // the pending member's session timeout
  ASSERT_TRUE(a.done());
  EXPECT_EQ(a->members_size(), 1);
  EXPECT_TRUE(group("g").pending_join_members.empty());
}

TEST_F(JoinGroupTest, PendingMemberRejoinIsAdded) {
  auto b = join_two_step("g");
  EXPECT_FALSE(b.done());
  clock_.advance(
      5000ms);  // the initial delay, extended by later joiners up to the rebalance timeout
  EXPECT_EQ(b->error_code(), pb::NONE);
  EXPECT_TRUE(group("g").has_member(b->member_id()));
}

TEST_F(JoinGroupTest, CompleteJoinRemoveNotYetRejoinedDynamicMembers) {
  auto ids = stable_group("g", 2);
  auto a = join("g", {.member_id = ids[0]});
  clock_.advance(5000ms);  // rebalance timeout: the follower never rejoined
  ASSERT_TRUE(a.done());
  EXPECT_EQ(a->members_size(), 1);
  EXPECT_FALSE(group("g").has_member(ids[1]));
  EXPECT_EQ(heartbeat("g", ids[1], 2), pb::UNKNOWN_MEMBER_ID);
}

TEST_F(JoinGroupTest, CompleteJoinPhaseNoMembersRejoinedExtendsJoinPhase) {
  auto a = join("g", {.instance = "a"});
  auto b = join("g", {.instance = "b"});
  clock_.advance(
      5000ms);  // the initial delay, extended by later joiners up to the rebalance timeout
  auto sa = sync("g", a->member_id(), 1, {}, "a");
  sync("g", b->member_id(), 1, {}, "b");
  ASSERT_EQ(state("g"), GroupState::Stable);
  // a leaves; b is static and does not rejoin within the rebalance timeout.
  leave("g", {{a->member_id(), "a"}});
  ASSERT_EQ(state("g"), GroupState::PreparingRebalance);
  EXPECT_EQ(heartbeat("g", b->member_id(), 1, "b"), pb::REBALANCE_IN_PROGRESS);
  clock_.advance(5000ms);
  EXPECT_EQ(state("g"), GroupState::PreparingRebalance);  // waits on: b is static
  EXPECT_EQ(group("g").generation_id, 1);
  auto rb = join("g", {.member_id = b->member_id(), .instance = "b"});
  ASSERT_TRUE(rb.done());
  EXPECT_EQ(rb->generation_id(), 2);
  EXPECT_EQ(rb->leader(), b->member_id());
}

TEST_F(JoinGroupTest, StaticMembersStayAtJoinCompletionWithoutRejoining) {
  auto a = join("g", {.instance = "a"});
  auto b = join("g", {.instance = "b"});
  clock_.advance(
      5000ms);  // the initial delay, extended by later joiners up to the rebalance timeout
  sync("g", b->member_id(), 1, {}, "b");
  sync("g", a->member_id(), 1, {}, "a");
  std::string leader = a->leader();
  auto r = join("g", {.member_id = leader, .instance = leader == a->member_id() ? "a" : "b"});
  clock_.advance(5000ms);
  ASSERT_TRUE(r.done());
  EXPECT_EQ(group("g").members.size(), 2u);
  EXPECT_EQ(r->members_size(), 2);
}

TEST_F(JoinGroupTest, NewMemberJoinExpiration) {
  // A new member parked in JoinGroup is dropped after 5 minutes, even mid-rebalance.
  JoinOptions slow{.session_timeout_ms = 1800000, .rebalance_timeout_ms = 600000};
  auto ids = stable_group("g", 1, slow);
  auto b = join("g", slow);  // new member: rebalance starts, waits for the leader
  EXPECT_FALSE(b.done());
  clock_.advance(300000ms);
  ASSERT_TRUE(b.done());
  EXPECT_EQ(b->error_code(), pb::UNKNOWN_MEMBER_ID);
  EXPECT_EQ(group("g").members.size(), 1u);
}

TEST_F(JoinGroupTest, LeaderLeavingElectsANewLeader) {
  auto ids = stable_group("g", 2);
  auto resp = leave("g", {{ids[0], std::nullopt}});
  EXPECT_EQ(resp.members(0).error_code(), pb::NONE);
  EXPECT_EQ(state("g"), GroupState::PreparingRebalance);
  auto f = join("g", {.member_id = ids[1]});
  ASSERT_TRUE(f.done());
  EXPECT_EQ(f->leader(), ids[1]);
  EXPECT_EQ(f->generation_id(), 2);
}

TEST_F(JoinGroupTest, LastMemberLeavingStableGroupEmptiesItWithANewGeneration) {
  auto ids = stable_group("g", 1);
  leave("g", {{ids[0], std::nullopt}});
  EXPECT_EQ(state("g"), GroupState::Empty);
  EXPECT_EQ(group("g").generation_id, 2);
}

TEST_F(JoinGroupTest, KnownMemberJoiningEmptyGroupIsUnknown) {
  auto ids = stable_group("g", 1);
  leave("g", {{ids[0], std::nullopt}});
  EXPECT_EQ(join("g", {.member_id = ids[0]})->error_code(), pb::UNKNOWN_MEMBER_ID);
}

class MaxGroupSizeTest : public GroupTest {
 protected:
  MaxGroupSizeTest() : GroupTest(GroupConfig{.max_group_size = 2}) {}
};

TEST_F(MaxGroupSizeTest, DynamicMembersJoinGroupWithMaxSize) {
  auto a = join("g");
  auto b = join("g");
  auto c = join("g");
  ASSERT_TRUE(c.done());
  EXPECT_EQ(c->error_code(), pb::GROUP_MAX_SIZE_REACHED);
  EXPECT_EQ(c->member_id(), "");
  clock_.advance(
      5000ms);  // the initial delay, extended by later joiners up to the rebalance timeout
  EXPECT_EQ(a->error_code(), pb::NONE);
  EXPECT_EQ(group("g").members.size(), 2u);
}

TEST_F(MaxGroupSizeTest, StableGroupRefusesNewMembersBeyondMax) {
  stable_group("g", 2);
  EXPECT_EQ(join("g")->error_code(), pb::GROUP_MAX_SIZE_REACHED);
  EXPECT_EQ(state("g"), GroupState::Stable);
}

}  // namespace
}  // namespace groupwire::coordinator::testing
