// SyncGroup, Heartbeat, LeaveGroup and the session and sync timers, one test per rule of Kafka's
// classic group coordinator (names follow Kafka's GroupMetadataManagerTest where it has one).
#include "group_fixture.h"

namespace groupwire::coordinator::testing {
namespace {

// ---- Heartbeat ----------------------------------------------------------------------------

using HeartbeatTest = GroupTest;

TEST_F(HeartbeatTest, HeartbeatUnknownGroup) {
  EXPECT_EQ(heartbeat("missing", "member", 1), pb::UNKNOWN_MEMBER_ID);
}

TEST_F(HeartbeatTest, HeartbeatEmptyGroupIdIsInvalid) {
  EXPECT_EQ(heartbeat("", "member", 1), pb::INVALID_GROUP_ID);
}

TEST_F(HeartbeatTest, HeartbeatEmptyGroup) {
  auto ids = stable_group("g", 1);
  leave("g", {{ids[0], std::nullopt}});
  ASSERT_EQ(state("g"), GroupState::Empty);
  EXPECT_EQ(heartbeat("g", ids[0], group("g").generation_id), pb::UNKNOWN_MEMBER_ID);
  // A simple group (commits only) is Empty too.
  ASSERT_EQ(commit("simple", "", -1), pb::NONE);
  ASSERT_EQ(state("simple"), GroupState::Empty);
  EXPECT_EQ(heartbeat("simple", "member", 0), pb::UNKNOWN_MEMBER_ID);
}

TEST_F(HeartbeatTest, HeartbeatUnknownMemberId) {
  stable_group("g", 1);
  EXPECT_EQ(heartbeat("g", "nobody", 1), pb::UNKNOWN_MEMBER_ID);
}

TEST_F(HeartbeatTest, HeartbeatDuringPreparingRebalance) {
  auto ids = stable_group("g", 2);
  join("g", {.member_id = ids[0]});
  ASSERT_EQ(state("g"), GroupState::PreparingRebalance);
  EXPECT_EQ(heartbeat("g", ids[1], 1), pb::REBALANCE_IN_PROGRESS);
}

TEST_F(HeartbeatTest, HeartbeatDuringCompletingRebalance) {
  auto a = join("g");
  clock_.advance(
      5000ms);  // the initial delay, extended by later joiners up to the rebalance timeout
  ASSERT_EQ(state("g"), GroupState::CompletingRebalance);
  EXPECT_EQ(heartbeat("g", a->member_id(), 1), pb::NONE);
}

TEST_F(HeartbeatTest, HeartbeatInStableState) {
  auto ids = stable_group("g", 2);
  EXPECT_EQ(heartbeat("g", ids[0], 1), pb::NONE);
  EXPECT_EQ(heartbeat("g", ids[1], 1), pb::NONE);
}

TEST_F(HeartbeatTest, HeartbeatIllegalGenerationIsCheckedBeforeState) {
  auto ids = stable_group("g", 2);
  join("g", {.member_id = ids[0]});
  ASSERT_EQ(state("g"), GroupState::PreparingRebalance);
  EXPECT_EQ(heartbeat("g", ids[1], 2), pb::ILLEGAL_GENERATION);
  EXPECT_EQ(heartbeat("g", ids[1], 0), pb::ILLEGAL_GENERATION);
}

TEST_F(HeartbeatTest, HeartbeatDuringPreparingRebalanceKeepsSessionAlive) {
  auto ids = stable_group("g", 2);  // t=5000: session deadlines at t=15000
  // The leader rejoins with a long rebalance timeout: the join phase lasts until t=35000.
  auto a = join("g", {.member_id = ids[0], .rebalance_timeout_ms = 30000});
  for (int i = 0; i < 7; ++i) {
    clock_.advance(3000ms);
    EXPECT_EQ(heartbeat("g", ids[1], 1), pb::REBALANCE_IN_PROGRESS);
  }
  // t=26000: well past the follower's first session deadline.
  EXPECT_TRUE(group("g").has_member(ids[1]));
  EXPECT_FALSE(a.done());
  auto b = join("g", {.member_id = ids[1]});
  ASSERT_TRUE(a.done());
  ASSERT_TRUE(b.done());
  EXPECT_EQ(a->generation_id(), 2);
  EXPECT_EQ(a->members_size(), 2);
}

// ---- SyncGroup ----------------------------------------------------------------------------

class SyncGroupTest : public GroupTest {
 protected:
  // Two dynamic members joined generation 1 and the group waits for SyncGroup: returns
  // {leader, follower}.
  std::pair<std::string, std::string> completing_group() {
    auto a = join("g");
    auto b = join("g");
    clock_.advance(
        5000ms);  // the initial delay, extended by later joiners up to the rebalance timeout
    EXPECT_EQ(state("g"), GroupState::CompletingRebalance);
    EXPECT_EQ(a->leader(), a->member_id());
    return {a->member_id(), b->member_id()};
  }

  Pending<pb::SyncGroupResponse> sync_with_protocol(const std::string& member, int generation,
                                                    std::optional<std::string> type,
                                                    std::optional<std::string> name) {
    pb::SyncGroupRequest req;
    req.set_group_id("g");
    req.set_member_id(member);
    req.set_generation_id(generation);
    if (type) req.set_protocol_type(*type);
    if (name) req.set_protocol_name(*name);
    Pending<pb::SyncGroupResponse> out;
    partition_.sync_group(req, out.reply());
    return out;
  }
};

TEST_F(SyncGroupTest, SyncGroupFromUnknownGroup) {
  auto s = sync("missing", "member", 1);
  ASSERT_TRUE(s.done());
  EXPECT_EQ(s->error_code(), pb::UNKNOWN_MEMBER_ID);
}

TEST_F(SyncGroupTest, SyncGroupFromUnknownMember) {
  completing_group();
  auto s = sync("g", "nobody", 1);
  ASSERT_TRUE(s.done());
  EXPECT_EQ(s->error_code(), pb::UNKNOWN_MEMBER_ID);
}

TEST_F(SyncGroupTest, SyncGroupFromIllegalGeneration) {
  auto [leader, follower] = completing_group();
  auto s = sync("g", leader, 2);
  ASSERT_TRUE(s.done());
  EXPECT_EQ(s->error_code(), pb::ILLEGAL_GENERATION);
  EXPECT_EQ(state("g"), GroupState::CompletingRebalance);
}

TEST_F(SyncGroupTest, SyncGroupWithInconsistentProtocolType) {
  auto [leader, follower] = completing_group();
  auto s = sync_with_protocol(follower, 1, "connect", std::nullopt);
  ASSERT_TRUE(s.done());
  EXPECT_EQ(s->error_code(), pb::INCONSISTENT_GROUP_PROTOCOL);
  EXPECT_FALSE(sync_with_protocol(follower, 1, "consumer", std::nullopt).done());  // parked
}

TEST_F(SyncGroupTest, SyncGroupWithInconsistentProtocolName) {
  auto [leader, follower] = completing_group();
  auto s = sync_with_protocol(follower, 1, "consumer", "roundrobin");
  ASSERT_TRUE(s.done());
  EXPECT_EQ(s->error_code(), pb::INCONSISTENT_GROUP_PROTOCOL);
  EXPECT_FALSE(sync_with_protocol(follower, 1, "consumer", "range").done());  // parked
}

TEST_F(SyncGroupTest, SyncGroupInPreparingRebalance) {
  auto ids = stable_group("g", 2);
  join("g", {.member_id = ids[0]});
  ASSERT_EQ(state("g"), GroupState::PreparingRebalance);
  auto s = sync("g", ids[1], 1);
  ASSERT_TRUE(s.done());
  EXPECT_EQ(s->error_code(), pb::REBALANCE_IN_PROGRESS);
}

TEST_F(SyncGroupTest, SyncGroupFollowerBeforeLeader) {
  auto [leader, follower] = completing_group();
  auto f = sync("g", follower, 1);
  EXPECT_FALSE(f.done());  // waits for the leader's assignment
  auto l = sync("g", leader, 1, {{leader, "L"}, {follower, "F"}});
  ASSERT_TRUE(l.done());
  ASSERT_TRUE(f.done());
  EXPECT_EQ(f->error_code(), pb::NONE);
  EXPECT_EQ(f->assignment(), "F");
  EXPECT_EQ(f->protocol_type(), "consumer");
  EXPECT_EQ(f->protocol_name(), "range");
  EXPECT_EQ(l->error_code(), pb::NONE);
  EXPECT_EQ(l->assignment(), "L");
  EXPECT_EQ(state("g"), GroupState::Stable);
}

TEST_F(SyncGroupTest, SyncGroupFollowerAfterLeader) {
  auto [leader, follower] = completing_group();
  auto l = sync("g", leader, 1, {{leader, "L"}, {follower, "F"}});
  ASSERT_TRUE(l.done());
  ASSERT_EQ(state("g"), GroupState::Stable);
  auto f = sync("g", follower, 1);
  ASSERT_TRUE(f.done());  // the stored assignment, at once
  EXPECT_EQ(f->error_code(), pb::NONE);
  EXPECT_EQ(f->assignment(), "F");
  EXPECT_EQ(f->protocol_type(), "consumer");
  EXPECT_EQ(f->protocol_name(), "range");
}

TEST_F(SyncGroupTest, SyncGroupMemberLeftOutByLeaderGetsEmptyAssignment) {
  auto [leader, follower] = completing_group();
  auto f = sync("g", follower, 1);
  auto l = sync("g", leader, 1, {{leader, "L"}});
  ASSERT_TRUE(f.done());
  EXPECT_EQ(f->error_code(), pb::NONE);
  EXPECT_EQ(f->assignment(), "");
  EXPECT_EQ(l->assignment(), "L");
}

TEST_F(SyncGroupTest, LeaderFailureInSyncGroup) {
  auto [leader, follower] = completing_group();
  auto f = sync("g", follower, 1);
  ASSERT_FALSE(f.done());
  leave("g", {{leader, std::nullopt}});
  ASSERT_TRUE(f.done());
  EXPECT_EQ(f->error_code(), pb::REBALANCE_IN_PROGRESS);
  EXPECT_EQ(state("g"), GroupState::PreparingRebalance);
}

TEST_F(SyncGroupTest, RebalanceTimesOutWhenSyncRequestIsNotReceived) {
  auto a = join("g");
  auto b = join("g");
  auto c = join("g");
  clock_.advance(5000ms);  // t=5000: generation 1; the sync timer runs until t=10000
  ASSERT_EQ(state("g"), GroupState::CompletingRebalance);
  ASSERT_EQ(a->leader(), a->member_id());
  auto sb = sync("g", b->member_id(), 1);
  auto sa = sync("g", a->member_id(), 1);
  ASSERT_TRUE(sa.done());
  ASSERT_TRUE(sb.done());
  ASSERT_EQ(state("g"), GroupState::Stable);
  // c never sends SyncGroup.
  clock_.advance(4999ms);
  EXPECT_TRUE(group("g").has_member(c->member_id()));
  EXPECT_EQ(state("g"), GroupState::Stable);
  clock_.advance(1ms);
  EXPECT_FALSE(group("g").has_member(c->member_id()));
  EXPECT_EQ(state("g"), GroupState::PreparingRebalance);
  EXPECT_EQ(heartbeat("g", a->member_id(), 1), pb::REBALANCE_IN_PROGRESS);
  auto ra = join("g", {.member_id = a->member_id()});
  auto rb = join("g", {.member_id = b->member_id()});
  ASSERT_TRUE(ra.done());
  ASSERT_TRUE(rb.done());
  EXPECT_EQ(ra->generation_id(), 2);
  EXPECT_EQ(ra->members_size(), 2);
}

TEST_F(SyncGroupTest, RebalanceTimesOutWhenLeaderSyncRequestIsNotReceived) {
  auto [leader, follower] = completing_group();  // t=5000: the sync timer runs until t=10000
  auto f = sync("g", follower, 1);
  clock_.advance(4999ms);
  EXPECT_FALSE(f.done());
  clock_.advance(1ms);
  EXPECT_FALSE(group("g").has_member(leader));
  EXPECT_TRUE(group("g").has_member(follower));
  EXPECT_EQ(state("g"), GroupState::PreparingRebalance);
  ASSERT_TRUE(f.done());
  EXPECT_EQ(f->error_code(), pb::REBALANCE_IN_PROGRESS);
}

// ---- Session expiry -----------------------------------------------------------------------

using SessionTimeoutTest = GroupTest;

TEST_F(SessionTimeoutTest, ClassicGroupMemberSessionTimeout) {
  auto ids = stable_group("g", 2);  // t=5000: session deadlines at t=15000
  for (int i = 0; i < 3; ++i) {
    clock_.advance(3000ms);
    EXPECT_EQ(heartbeat("g", ids[0], 1), pb::NONE);  // only the leader heartbeats
  }
  clock_.advance(999ms);  // t=14999
  EXPECT_TRUE(group("g").has_member(ids[1]));
  EXPECT_EQ(state("g"), GroupState::Stable);
  clock_.advance(1ms);  // t=15000: the follower's session timeout
  EXPECT_FALSE(group("g").has_member(ids[1]));
  EXPECT_TRUE(group("g").has_member(ids[0]));
  EXPECT_EQ(state("g"), GroupState::PreparingRebalance);
  EXPECT_EQ(heartbeat("g", ids[0], 1), pb::REBALANCE_IN_PROGRESS);
  auto r = join("g", {.member_id = ids[0]});
  ASSERT_TRUE(r.done());
  EXPECT_EQ(r->generation_id(), 2);
  EXPECT_EQ(r->members_size(), 1);
}

TEST_F(SessionTimeoutTest, ClassicGroupMemberHeartbeatMaintainsSession) {
  auto ids = stable_group("g", 1);
  for (int i = 0; i < 10; ++i) {
    clock_.advance(5000ms);
    EXPECT_EQ(heartbeat("g", ids[0], 1), pb::NONE);
  }
  EXPECT_TRUE(group("g").has_member(ids[0]));
  EXPECT_EQ(state("g"), GroupState::Stable);
  EXPECT_EQ(group("g").generation_id, 1);
}

// A heartbeat only moves its member's deadline; the group's session timer, armed for the old
// deadlines, re-arms once when it fires.
TEST_F(SessionTimeoutTest, HeartbeatsMoveTheDeadlineWithoutTimerOperations) {
  auto ids = stable_group("g", 2);  // t=5000: the session timer is due at t=15000
  std::uint64_t armed = clock_.schedules();
  for (int i = 0; i < 9; ++i) {
    clock_.advance(1000ms);
    for (const auto& id : ids) ASSERT_EQ(heartbeat("g", id, 1), pb::NONE);
  }
  EXPECT_EQ(clock_.schedules(), armed);  // t=14000: the deadlines are at t=24000
  clock_.advance(9999ms);
  EXPECT_EQ(clock_.schedules(), armed + 1);  // fired at t=15000, re-armed for t=24000
  EXPECT_EQ(group("g").members.size(), 2u);
  clock_.advance(1ms);
  EXPECT_TRUE(group("g").members.empty());
}

TEST_F(SessionTimeoutTest, MemberParkedInJoinGroupIsNotExpired) {
  auto ids = stable_group("g", 2);  // t=5000: session deadlines at t=15000
  clock_.advance(3000ms);
  ASSERT_EQ(heartbeat("g", ids[1], 1), pb::NONE);  // the follower's deadline moves to t=18000
  // The leader rejoins (t=8000) with a long rebalance timeout and stays parked.
  auto a = join("g", {.member_id = ids[0], .rebalance_timeout_ms = 30000});
  ASSERT_FALSE(a.done());
  clock_.advance(7000ms);  // t=15000: the leader's session deadline
  EXPECT_TRUE(group("g").has_member(ids[0]));
  EXPECT_FALSE(a.done());
  clock_.advance(3000ms);  // t=18000: the follower, not parked, expires; the join completes
  EXPECT_FALSE(group("g").has_member(ids[1]));
  ASSERT_TRUE(a.done());
  EXPECT_EQ(a->error_code(), pb::NONE);
  EXPECT_EQ(a->generation_id(), 2);
  EXPECT_EQ(a->members_size(), 1);
}

TEST_F(SessionTimeoutTest, MemberParkedInSyncGroupIsNotExpired) {
  JoinOptions o{.session_timeout_ms = 6000, .rebalance_timeout_ms = 30000};
  auto a = join("g", o);
  auto b = join("g", o);
  clock_.advance(6000ms);  // the initial delay, extended once by b: generation 1 at t=6000
  ASSERT_TRUE(a.done());
  ASSERT_EQ(state("g"), GroupState::CompletingRebalance);
  ASSERT_EQ(a->leader(), a->member_id());
  auto sb = sync("g", b->member_id(), 1);  // parked; b's session deadline is t=12000
  for (int i = 0; i < 5; ++i) {
    clock_.advance(3000ms);
    EXPECT_EQ(heartbeat("g", a->member_id(), 1), pb::NONE);
  }
  // t=21000: b never heartbeated but waits in SyncGroup.
  EXPECT_TRUE(group("g").has_member(b->member_id()));
  EXPECT_FALSE(sb.done());
  auto sa = sync("g", a->member_id(), 1, {{b->member_id(), "B"}});
  ASSERT_TRUE(sb.done());
  EXPECT_EQ(sb->error_code(), pb::NONE);
  EXPECT_EQ(sb->assignment(), "B");
}

TEST_F(SessionTimeoutTest, NewMemberTimeoutCompletion) {
  // Once its first join completes a member is no longer new: the 5-minute new-member timeout
  // stops applying and its own session timeout does.
  JoinOptions o{.session_timeout_ms = 305000};
  auto a = join("g", o);
  clock_.advance(
      5000ms);  // the initial delay, extended by later joiners up to the rebalance timeout
  ASSERT_TRUE(a.done());
  auto s = sync("g", a->member_id(), 1, {{a->member_id(), "A"}});
  ASSERT_EQ(s->error_code(), pb::NONE);
  clock_.advance(300100ms);  // past the new-member join timeout
  EXPECT_TRUE(group("g").has_member(a->member_id()));
  clock_.advance(5000ms);  // t=310100: past the session timeout (deadline t=310000)
  EXPECT_FALSE(group("g").has_member(a->member_id()));
  EXPECT_EQ(state("g"), GroupState::Empty);
}

// ---- LeaveGroup ---------------------------------------------------------------------------

using LeaveGroupTest = GroupTest;

TEST_F(LeaveGroupTest, StaticMembersBatchLeaveGroupWithPerMemberErrors) {
  auto a = join("g", {.instance = "a"});
  auto b = join("g", {.instance = "b"});
  auto c = join("g");
  auto d = join("g");
  clock_.advance(
      5000ms);  // the initial delay, extended by later joiners up to the rebalance timeout
  ASSERT_EQ(a->leader(), a->member_id());
  auto sb = sync("g", b->member_id(), 1, {}, "b");
  auto sc = sync("g", c->member_id(), 1);
  auto sd = sync("g", d->member_id(), 1);
  auto sa = sync("g", a->member_id(), 1, {}, "a");
  ASSERT_EQ(state("g"), GroupState::Stable);

  auto resp = leave("g", {{c->member_id(), std::nullopt},  // known dynamic member
                          {"nobody", std::nullopt},        // unknown member
                          {"", "a"},                       // static, by instance id alone
                          {d->member_id(), "b"},           // instance b belongs to another member
                          {"", "unknown-instance"}});
  EXPECT_EQ(resp.error_code(), pb::NONE);
  ASSERT_EQ(resp.members_size(), 5);
  EXPECT_EQ(resp.members(0).member_id(), c->member_id());
  EXPECT_EQ(resp.members(0).error_code(), pb::NONE);
  EXPECT_EQ(resp.members(1).member_id(), "nobody");
  EXPECT_EQ(resp.members(1).error_code(), pb::UNKNOWN_MEMBER_ID);
  EXPECT_EQ(resp.members(2).group_instance_id(), "a");
  EXPECT_EQ(resp.members(2).error_code(), pb::NONE);
  EXPECT_EQ(resp.members(3).member_id(), d->member_id());
  EXPECT_EQ(resp.members(3).group_instance_id(), "b");
  EXPECT_EQ(resp.members(3).error_code(), pb::FENCED_INSTANCE_ID);
  EXPECT_EQ(resp.members(4).error_code(), pb::UNKNOWN_MEMBER_ID);

  EXPECT_FALSE(group("g").has_member(a->member_id()));
  EXPECT_FALSE(group("g").has_member(c->member_id()));
  EXPECT_TRUE(group("g").has_member(b->member_id()));
  EXPECT_TRUE(group("g").has_member(d->member_id()));
  EXPECT_EQ(state("g"), GroupState::PreparingRebalance);
}

TEST_F(LeaveGroupTest, LeaveGroupUnknownGroup) {
  auto resp = leave("missing", {{"member", std::nullopt}, {"", "instance"}});
  EXPECT_EQ(resp.error_code(), pb::NONE);
  ASSERT_EQ(resp.members_size(), 2);
  EXPECT_EQ(resp.members(0).error_code(), pb::UNKNOWN_MEMBER_ID);
  EXPECT_EQ(resp.members(1).error_code(), pb::UNKNOWN_MEMBER_ID);
  EXPECT_EQ(partition_.find_group("missing"), nullptr);
}

TEST_F(LeaveGroupTest, PendingMemberLeaveGroup) {
  auto ids = stable_group("g", 1);
  auto b = join("g", {.require_known_member_id = true});
  ASSERT_EQ(b->error_code(), pb::MEMBER_ID_REQUIRED);
  auto a = join("g", {.member_id = ids[0]});
  ASSERT_FALSE(a.done());  // the pending member is expected in this join phase
  auto resp = leave("g", {{b->member_id(), std::nullopt}});
  ASSERT_EQ(resp.members_size(), 1);
  EXPECT_EQ(resp.members(0).error_code(), pb::NONE);
  EXPECT_TRUE(group("g").pending_join_members.empty());
  ASSERT_TRUE(a.done());  // nobody else is expected
  EXPECT_EQ(a->generation_id(), 2);
  EXPECT_EQ(a->members_size(), 1);
  EXPECT_EQ(join("g", {.member_id = b->member_id()})->error_code(), pb::UNKNOWN_MEMBER_ID);
}

TEST_F(LeaveGroupTest, LeaveOfMemberParkedInJoinGroupAnswersItsJoin) {
  auto ids = stable_group("g", 2);
  auto a = join("g", {.member_id = ids[0]});
  ASSERT_FALSE(a.done());
  auto resp = leave("g", {{ids[0], std::nullopt}});
  EXPECT_EQ(resp.members(0).error_code(), pb::NONE);
  ASSERT_TRUE(a.done());
  EXPECT_EQ(a->error_code(), pb::UNKNOWN_MEMBER_ID);
  EXPECT_FALSE(group("g").has_member(ids[0]));
  auto b = join("g", {.member_id = ids[1]});
  ASSERT_TRUE(b.done());
  EXPECT_EQ(b->generation_id(), 2);
  EXPECT_EQ(b->leader(), ids[1]);
}

TEST_F(LeaveGroupTest, LeaveDuringPreparingRebalanceCompletesJoinPhase) {
  auto ids = stable_group("g", 3);
  auto a = join("g", {.member_id = ids[0]});
  auto b = join("g", {.member_id = ids[1]});
  ASSERT_FALSE(a.done());  // waits for the third member
  leave("g", {{ids[2], std::nullopt}});
  ASSERT_TRUE(a.done());
  ASSERT_TRUE(b.done());
  EXPECT_EQ(a->generation_id(), 2);
  EXPECT_EQ(a->members_size(), 2);
  EXPECT_EQ(state("g"), GroupState::CompletingRebalance);
}

}  // namespace
}  // namespace groupwire::coordinator::testing
