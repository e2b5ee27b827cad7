// The events the group state machine reports (for metrics and WatchGroups): at which transitions,
// with which generation, member and reason; and the member details operators see.
#include <vector>

#include "group_fixture.h"

namespace groupwire::coordinator::testing {
namespace {

class Recorder final : public GroupEventSink {
 public:
  void on_event(const GroupEvent& e) override { events.push_back(e); }

  std::vector<GroupEventType> types() const {
    std::vector<GroupEventType> out;
    for (const auto& e : events) out.push_back(e.type);
    return out;
  }
  std::vector<GroupEvent> of(GroupEventType type) const {
    std::vector<GroupEvent> out;
    for (const auto& e : events) {
      if (e.type == type) out.push_back(e);
    }
    return out;
  }

  std::vector<GroupEvent> events;
};

class GroupEventsTest : public GroupTest {
 protected:
  GroupEventsTest() { partition_.set_event_sink(&recorder_); }
  Recorder recorder_;
};

using T = GroupEventType;

TEST_F(GroupEventsTest, FirstGenerationReportsJoinsRebalanceAndStates) {
  auto ids = stable_group("g", 2);
  EXPECT_EQ(recorder_.types(),
            (std::vector<T>{T::MemberJoined, T::StateChanged, T::RebalanceStarted, T::MemberJoined,
                            T::StateChanged, T::StateChanged, T::RebalanceCompleted}));
  auto joined = recorder_.of(T::MemberJoined);
  EXPECT_EQ(joined[0].member_id, ids[0]);
  EXPECT_EQ(joined[1].members, 2);
  auto states = recorder_.of(T::StateChanged);
  EXPECT_EQ(states[0].previous_state, GroupState::Empty);
  EXPECT_EQ(states[0].state, GroupState::PreparingRebalance);
  EXPECT_EQ(states[1].state, GroupState::CompletingRebalance);
  EXPECT_EQ(states[2].state, GroupState::Stable);
  auto done = recorder_.of(T::RebalanceCompleted);
  EXPECT_EQ(done[0].generation_id, 1);
  EXPECT_EQ(done[0].members, 2);
  // The fixture waits out the rebalance timeout (5 s) before the members sync.
  EXPECT_EQ(done[0].rebalance_duration, 5000ms);
  for (const auto& e : recorder_.events) EXPECT_EQ(e.group_id, "g");
}

TEST_F(GroupEventsTest, SessionExpiryIsReportedWithItsReasonThenTheRebalance) {
  auto ids = stable_group("g", 2);
  recorder_.events.clear();
  clock_.advance(5000ms);
  EXPECT_EQ(heartbeat("g", ids[0], 1), pb::NONE);  // the first member stays alive
  clock_.advance(6000ms);                          // the second member's 10 s session has run out
  auto expired = recorder_.of(T::MemberExpired);
  ASSERT_EQ(expired.size(), 1u);
  EXPECT_EQ(expired[0].member_id, ids[1]);
  EXPECT_EQ(expired[0].exit, MemberExit::SessionTimeout);
  EXPECT_EQ(expired[0].members, 1);
  EXPECT_EQ(recorder_.of(T::RebalanceStarted).size(), 1u);
}

TEST_F(GroupEventsTest, LeaveGroupIsReportedWithTheClientsReason) {
  auto ids = stable_group("g", 2);
  recorder_.events.clear();
  pb::LeaveGroupRequest req;
  req.set_group_id("g");
  auto* m = req.add_members();
  m->set_member_id(ids[1]);
  m->set_reason("shutting down");
  Pending<pb::LeaveGroupResponse> out;
  partition_.leave_group(req, out.reply());
  auto left = recorder_.of(T::MemberLeft);
  ASSERT_EQ(left.size(), 1u);
  EXPECT_EQ(left[0].member_id, ids[1]);
  EXPECT_EQ(left[0].exit, MemberExit::LeaveGroup);
  EXPECT_EQ(left[0].reason, "shutting down");
  EXPECT_EQ(recorder_.types().back(), T::RebalanceStarted);
}

TEST_F(GroupEventsTest, CommitsAreSummarisedOnlyWhenAccepted) {
  auto ids = stable_group("g", 1);
  recorder_.events.clear();
  EXPECT_EQ(commit("g", ids[0], 1, 7, false, "orders"), pb::NONE);
  EXPECT_EQ(commit("g", "stranger", 1), pb::UNKNOWN_MEMBER_ID);
  auto commits = recorder_.of(T::OffsetsCommitted);
  ASSERT_EQ(commits.size(), 1u);
  EXPECT_EQ(commits[0].partitions, 1);
  EXPECT_EQ(commits[0].topics, std::vector<std::string>{"orders"});
  EXPECT_EQ(commits[0].member_id, ids[0]);
  EXPECT_EQ(commits[0].generation_id, 1);
}

TEST_F(GroupEventsTest, DeletingAnEmptyGroupIsReported) {
  EXPECT_EQ(commit("simple", "", -1), pb::NONE);
  Pending<pb::ErrorCode> out;
  partition_.delete_group("simple", out.reply());
  EXPECT_EQ(*out, pb::NONE);
  EXPECT_EQ(recorder_.types().back(), T::GroupDeleted);
}

TEST_F(GroupEventsTest, NothingIsReportedOnceTheSinkIsRemoved) {
  partition_.set_event_sink(nullptr);
  stable_group("g", 1);
  EXPECT_TRUE(recorder_.events.empty());
}

TEST_F(GroupEventsTest, HeartbeatsRenewTheLastHeartbeatOperatorsSee) {
  auto ids = stable_group("g", 1);
  clock_.advance(2000ms);
  auto before = partition_.now() - group("g").members.at(ids[0]).last_heartbeat;
  EXPECT_EQ(before, 2000ms);
  EXPECT_EQ(heartbeat("g", ids[0], 1), pb::NONE);
  EXPECT_EQ(group("g").members.at(ids[0]).last_heartbeat, partition_.now());
}

}  // namespace
}  // namespace groupwire::coordinator::testing
