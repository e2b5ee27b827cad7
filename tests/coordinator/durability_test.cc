// What the state machine writes to its log, when it waits for the write, what a failed write
// does, and how groups come back from the log (Kafka's loading of __consumer_offsets).
#include "group_fixture.h"

namespace groupwire::coordinator::testing {
namespace {

class DurabilityTest : public GroupTest {
 protected:
  // The group "g" in CompletingRebalance with two members: returns {leader, follower, generation}.
  std::tuple<std::string, std::string, int> completing_rebalance() {
    auto a = join("g");
    auto b = join("g");
    clock_.advance(config_.initial_rebalance_delay + Millis(5000));
    EXPECT_EQ(state("g"), GroupState::CompletingRebalance);
    std::string leader = a->leader();
    std::string follower = a->member_id() == leader ? b->member_id() : a->member_id();
    return {leader, follower, a->generation_id()};
  }
};

TEST_F(DurabilityTest, CommitIsAcknowledgedOnceDurableAndAFetchBehindItSeesIt) {
  auto ids = stable_group("g", 1);
  log_.hold();
  auto reply = commit_async("g", ids[0], group("g").generation_id, 7);
  auto fetched = fetch_async("g");
  EXPECT_FALSE(reply.done());
  EXPECT_FALSE(fetched.done());
  ASSERT_EQ(log_.last().offsets.size(), 1u);
  EXPECT_EQ(log_.last().offsets[0].key.topic, "t");
  EXPECT_EQ(log_.last().offsets[0].committed_offset, 7);
  log_.complete();
  ASSERT_TRUE(reply.done());
  EXPECT_EQ(reply->topics(0).partitions(0).error_code(), pb::NONE);
  ASSERT_TRUE(fetched.done());
  EXPECT_EQ(committed_offset(*fetched), 7);
}

TEST_F(DurabilityTest, CommitsOfOneGroupPipelineAndApplyInOrder) {
  auto ids = stable_group("g", 1);
  int generation = group("g").generation_id;
  log_.hold();
  auto first = commit_async("g", ids[0], generation, 1);
  auto second = commit_async("g", ids[0], generation, 2);
  // Both are on their way to the store together: a commit does not wait for the one before.
  EXPECT_EQ(log_.batches().back().offsets[0].committed_offset, 2);
  auto fetched = fetch_async("g");
  log_.complete();
  EXPECT_TRUE(first.done());
  EXPECT_FALSE(fetched.done());
  log_.complete();
  EXPECT_TRUE(second.done());
  ASSERT_TRUE(fetched.done());
  EXPECT_EQ(committed_offset(*fetched), 2);
}

TEST_F(DurabilityTest, CallsOfOtherGroupsAndHeartbeatsDoNotWaitForACommit) {
  auto ids = stable_group("g", 1);
  auto others = stable_group("h", 1);
  int generation = group("g").generation_id;
  ASSERT_EQ(commit("h", others[0], group("h").generation_id, 3), pb::NONE);
  log_.hold();
  auto reply = commit_async("g", ids[0], generation, 7);
  EXPECT_EQ(heartbeat("g", ids[0], generation), pb::NONE);
  EXPECT_EQ(fetch("h"), 3);
  EXPECT_EQ(describe_now(partition_, "g").group_state(), "Stable");
  log_.complete();
  EXPECT_TRUE(reply.done());
}

TEST_F(DurabilityTest, ACallBehindAWaitingFetchWaitsToo) {
  auto ids = stable_group("g", 1);
  int generation = group("g").generation_id;
  log_.hold();
  auto reply = commit_async("g", ids[0], generation, 7);
  auto fetched = fetch_async("g");
  // The later commit must not be applied before the fetch that came first reads.
  auto later = commit_async("g", ids[0], generation, 8);
  EXPECT_EQ(log_.batches().back().offsets[0].committed_offset, 7);
  log_.complete();
  ASSERT_TRUE(fetched.done());
  EXPECT_EQ(committed_offset(*fetched), 7);
  EXPECT_EQ(log_.batches().back().offsets[0].committed_offset, 8);
  log_.complete();
  EXPECT_TRUE(later.done());
  EXPECT_EQ(fetch("g"), 8);
}

TEST_F(DurabilityTest, FailedCommitWriteIsRetriableAndLeavesTheOffset) {
  auto ids = stable_group("g", 1);
  int generation = group("g").generation_id;
  ASSERT_EQ(commit("g", ids[0], generation, 5), pb::NONE);
  log_.hold();
  auto reply = commit_async("g", ids[0], generation, 9);
  auto fetched = fetch_async("g");  // waits for the write, then reads the offset before it
  log_.complete(pb::COORDINATOR_NOT_AVAILABLE);
  EXPECT_EQ(reply->topics(0).partitions(0).error_code(), pb::COORDINATOR_NOT_AVAILABLE);
  ASSERT_TRUE(fetched.done());
  EXPECT_EQ(committed_offset(*fetched), 5);
}

TEST_F(DurabilityTest, CommitsRejectedByValidationAreNotWritten) {
  stable_group("g", 1);
  std::size_t before = log_.batches().size();
  EXPECT_EQ(commit("g", "stranger", group("g").generation_id), pb::UNKNOWN_MEMBER_ID);
  EXPECT_EQ(log_.batches().size(), before);
}

TEST_F(DurabilityTest, HeartbeatsAreNeverWritten) {
  auto ids = stable_group("g", 2);
  std::size_t before = log_.batches().size();
  for (int i = 0; i < 5; ++i) {
    EXPECT_EQ(heartbeat("g", ids[0], group("g").generation_id), pb::NONE);
  }
  EXPECT_EQ(log_.batches().size(), before);
}

TEST_F(DurabilityTest, GroupCreatedByJoinIsWrittenEmpty) {
  join("g");
  ASSERT_EQ(log_.batches().size(), 1u);
  ASSERT_EQ(log_.last().groups.size(), 1u);
  EXPECT_EQ(log_.last().groups[0].group_id, "g");
  EXPECT_EQ(log_.last().groups[0].generation_id, 0);
  EXPECT_TRUE(log_.last().groups[0].members.empty());
}

TEST_F(DurabilityTest, LeaderAssignmentIsWrittenBeforeAnyoneSeesIt) {
  auto [leader, follower, generation] = completing_rebalance();
  log_.hold();
  auto follower_sync = sync("g", follower, generation);
  auto leader_sync = sync("g", leader, generation, {{leader, "A"}, {follower, "B"}});
  EXPECT_FALSE(leader_sync.done());
  EXPECT_FALSE(follower_sync.done());
  EXPECT_EQ(state("g"), GroupState::CompletingRebalance);
  // The record is the whole group: generation, protocol, leader, members with the assignment.
  ASSERT_EQ(log_.last().groups.size(), 1u);
  const GroupMetadataRecord& record = log_.last().groups[0];
  EXPECT_EQ(record.generation_id, generation);
  EXPECT_EQ(record.protocol_type, "consumer");
  EXPECT_EQ(record.protocol_name, "range");
  EXPECT_EQ(record.leader_id, leader);
  ASSERT_EQ(record.members.size(), 2u);
  for (const auto& m : record.members) {
    EXPECT_EQ(m.assignment, m.member_id == leader ? "A" : "B");
    EXPECT_EQ(m.metadata, subscription({"t"}));
    EXPECT_EQ(m.session_timeout_ms, 10000);
  }
  log_.complete();
  EXPECT_EQ(state("g"), GroupState::Stable);
  EXPECT_EQ(leader_sync->assignment(), "A");
  EXPECT_EQ(follower_sync->assignment(), "B");
}

TEST_F(DurabilityTest, FailedAssignmentWriteAnswersTheErrorAndRebalances) {
  auto [leader, follower, generation] = completing_rebalance();
  log_.hold();
  auto follower_sync = sync("g", follower, generation);
  auto leader_sync = sync("g", leader, generation, {{leader, "A"}, {follower, "B"}});
  log_.complete(pb::NOT_COORDINATOR);
  EXPECT_EQ(leader_sync->error_code(), pb::NOT_COORDINATOR);
  EXPECT_EQ(follower_sync->error_code(), pb::NOT_COORDINATOR);
  EXPECT_EQ(state("g"), GroupState::PreparingRebalance);
  EXPECT_TRUE(group("g").members.at(leader).assignment.empty());
}

TEST_F(DurabilityTest, HeartbeatsDoNotWaitForTheAssignmentWrite) {
  auto [leader, follower, generation] = completing_rebalance();
  log_.hold();
  auto leader_sync = sync("g", leader, generation, {{leader, "A"}, {follower, "B"}});
  EXPECT_EQ(heartbeat("g", follower, generation), pb::NONE);
  log_.complete();
  EXPECT_EQ(leader_sync->error_code(), pb::NONE);
}

TEST_F(DurabilityTest, AHeartbeatBehindAWaitingLeaveWaitsAndSeesTheMemberGone) {
  auto [leader, follower, generation] = completing_rebalance();
  log_.hold();
  auto leader_sync = sync("g", leader, generation, {{leader, "A"}, {follower, "B"}});
  pb::LeaveGroupRequest leave_req;
  leave_req.set_group_id("g");
  leave_req.add_members()->set_member_id(follower);
  auto left = ask(partition_, &GroupPartition::leave_group, leave_req);
  pb::HeartbeatRequest beat_req;
  beat_req.set_group_id("g");
  beat_req.set_member_id(follower);
  beat_req.set_generation_id(generation);
  auto beat = ask(partition_, &GroupPartition::heartbeat, beat_req);
  EXPECT_FALSE(beat.done());
  log_.complete();
  ASSERT_TRUE(left.done());
  ASSERT_TRUE(beat.done());
  EXPECT_EQ(beat->error_code(), pb::UNKNOWN_MEMBER_ID);
}

TEST_F(DurabilityTest, AssignmentWriteOfAnOldGenerationIsIgnored) {
  auto [leader, follower, generation] = completing_rebalance();
  log_.hold();
  auto leader_sync = sync("g", leader, generation, {{leader, "A"}, {follower, "B"}});
  // A new rebalance starts while the write is in flight: the follower never syncs and is
  // removed.
  clock_.advance(10000ms);
  EXPECT_EQ(leader_sync->error_code(), pb::REBALANCE_IN_PROGRESS);
  log_.complete_all();
  EXPECT_NE(state("g"), GroupState::Stable);
}

TEST_F(DurabilityTest, CallsBehindTheLeaderAssignmentSeeTheGenerationStable) {
  auto [leader, follower, generation] = completing_rebalance();
  log_.hold();
  auto leader_sync = sync("g", leader, generation, {{leader, "A"}, {follower, "B"}});
  auto described = ask(partition_, &GroupPartition::describe_group, std::string("g"));
  auto commit_reply = commit_async("g", leader, generation, 4);
  EXPECT_FALSE(described.done());
  EXPECT_FALSE(commit_reply.done());
  log_.complete();
  EXPECT_EQ(leader_sync->error_code(), pb::NONE);
  ASSERT_TRUE(described.done());
  EXPECT_EQ(described->group_state(), "Stable");
  EXPECT_FALSE(described->members(0).member_assignment().empty());
  // Validated against the Stable generation, so accepted (in CompletingRebalance:
  // REBALANCE_IN_PROGRESS).
  log_.complete();
  EXPECT_EQ(commit_reply->topics(0).partitions(0).error_code(), pb::NONE);
}

TEST_F(DurabilityTest, ALeaveBehindTheLeaderAssignmentWaitsForIt) {
  auto [leader, follower, generation] = completing_rebalance();
  log_.hold();
  auto leader_sync = sync("g", leader, generation, {{leader, "A"}, {follower, "B"}});
  pb::LeaveGroupRequest req;
  req.set_group_id("g");
  req.add_members()->set_member_id(follower);
  auto left = ask(partition_, &GroupPartition::leave_group, req);
  EXPECT_FALSE(left.done());
  log_.complete();
  // The generation was completed first, as Kafka would answer a connection's requests in turn.
  EXPECT_EQ(leader_sync->error_code(), pb::NONE);
  ASSERT_TRUE(left.done());
  EXPECT_EQ(left->members(0).error_code(), pb::NONE);
  EXPECT_EQ(state("g"), GroupState::PreparingRebalance);
}

TEST_F(DurabilityTest, GroupBecomingEmptyIsWritten) {
  auto ids = stable_group("g", 1);
  leave("g", {{ids[0], std::nullopt}});
  EXPECT_EQ(state("g"), GroupState::Empty);
  ASSERT_EQ(log_.last().groups.size(), 1u);
  EXPECT_TRUE(log_.last().groups[0].members.empty());
  EXPECT_EQ(log_.last().groups[0].generation_id, group("g").generation_id);
}

TEST_F(DurabilityTest, StaticReplaceIsWrittenBeforeTheAnswer) {
  auto ids = stable_static_group("g", {"i1", "i2"});
  log_.hold();
  auto rejoin = join("g", JoinOptions{.instance = "i2"});
  EXPECT_FALSE(rejoin.done());
  ASSERT_EQ(log_.last().groups.size(), 1u);
  bool has_new_id = false;
  for (const auto& m : log_.last().groups[0].members)
    has_new_id |= m.member_id != ids[1] && m.group_instance_id == "i2";
  EXPECT_TRUE(has_new_id);
  log_.complete();
  ASSERT_TRUE(rejoin.done());
  EXPECT_EQ(rejoin->error_code(), pb::NONE);
  EXPECT_NE(rejoin->member_id(), ids[1]);
  EXPECT_EQ(state("g"), GroupState::Stable);
}

TEST_F(DurabilityTest, FailedStaticReplaceWriteRestoresTheOldMember) {
  auto ids = stable_static_group("g", {"i1", "i2"});
  int generation = group("g").generation_id;
  log_.hold();
  auto rejoin = join("g", JoinOptions{.instance = "i2"});
  log_.complete(pb::COORDINATOR_NOT_AVAILABLE);
  EXPECT_EQ(rejoin->error_code(), pb::COORDINATOR_NOT_AVAILABLE);
  EXPECT_EQ(rejoin->member_id(), "");
  EXPECT_EQ(heartbeat("g", ids[1], generation, "i2"), pb::NONE);
  EXPECT_EQ(group("g").members.at(ids[1]).assignment, "assignment-of-" + ids[1]);
}

TEST_F(DurabilityTest, DeleteGroupAnswersAfterTheTombstoneAndCallsBehindItSeeTheGroupGone) {
  ASSERT_EQ(commit("g", "", -1, 3), pb::NONE);  // a simple group
  log_.hold();
  auto deleted = delete_group_async("g");
  EXPECT_FALSE(deleted.done());
  EXPECT_EQ(log_.last().deleted_groups, std::vector<std::string>{"g"});
  auto fetched = fetch_async("g");
  auto recommitted = commit_async("g", "", -1, 5);
  EXPECT_FALSE(fetched.done());
  EXPECT_FALSE(recommitted.done());
  log_.complete();
  EXPECT_EQ(*deleted, pb::NONE);
  ASSERT_TRUE(fetched.done());
  EXPECT_EQ(committed_offset(*fetched), -1);
  // The commit found no group and made a new simple one, as it would after the deletion.
  log_.complete();
  EXPECT_EQ(recommitted->topics(0).partitions(0).error_code(), pb::NONE);
  EXPECT_EQ(fetch("g"), 5);
}

TEST_F(DurabilityTest, FailedDeleteLeavesTheGroupAndItsOffsets) {
  ASSERT_EQ(commit("g", "", -1, 3), pb::NONE);
  log_.hold();
  auto deleted = delete_group_async("g");
  log_.complete(pb::NOT_COORDINATOR);
  EXPECT_EQ(*deleted, pb::NOT_COORDINATOR);
  EXPECT_EQ(state("g"), GroupState::Empty);
  EXPECT_EQ(fetch("g"), 3);
}

TEST_F(DurabilityTest, OffsetDeleteWritesTombstonesFirst) {
  ASSERT_EQ(commit("g", "", -1, 3), pb::NONE);
  log_.hold();
  auto deleted = delete_offsets_async("g", "t", {0});
  auto fetched = fetch_async("g");
  EXPECT_FALSE(deleted.done());
  EXPECT_FALSE(fetched.done());
  ASSERT_EQ(log_.last().deleted_offsets.size(), 1u);
  log_.complete();
  EXPECT_EQ(deleted->error_code(), pb::NONE);
  ASSERT_TRUE(fetched.done());
  EXPECT_EQ(committed_offset(*fetched), -1);
}

TEST_F(DurabilityTest, ExpiryLeavesAGroupWithAWriteInFlightAlone) {
  ASSERT_EQ(commit("g", "", -1, 3), pb::NONE);
  clock_.advance(config_.offsets_retention);
  log_.hold();
  auto recommitted = commit_async("g", "", -1, 4);
  std::size_t before = log_.batches().size();
  partition_.expire_offsets();
  // Expired now, its tombstone would follow the commit into the store and delete it there.
  EXPECT_EQ(log_.batches().size(), before);
  log_.complete();
  EXPECT_EQ(fetch("g"), 4);
}

TEST_F(DurabilityTest, ExpiryWritesTombstonesForOffsetsAndTheGroup) {
  ASSERT_EQ(commit("g", "", -1, 3), pb::NONE);
  clock_.advance(config_.offsets_retention);
  partition_.expire_offsets();
  ASSERT_EQ(log_.last().deleted_offsets.size(), 1u);
  EXPECT_EQ(log_.last().deleted_offsets[0].group_id, "g");
  EXPECT_EQ(log_.last().deleted_groups, std::vector<std::string>{"g"});
}

// ---- Loading --------------------------------------------------------------------------------

class LoadingTest : public DurabilityTest {
 protected:
  // A fresh partition with its own clock and log, loaded from `stored`.
  struct Reloaded {
    Reloaded(const GroupConfig& config, StoredGroups stored) : partition(config, clock, log) {
      partition.load(std::move(stored));
    }
    // The loaded group, which must exist.
    const ClassicGroup& group(const std::string& id) const {
      const ClassicGroup* g = partition.find_group(id);
      EXPECT_NE(g, nullptr) << id;
      return g ? *g : empty_;
    }
    ManualScheduler clock;
    ManualLog log;
    GroupPartition partition;
    ClassicGroup empty_;
  };
  std::unique_ptr<Reloaded> reload(StoredGroups stored) const {
    return std::make_unique<Reloaded>(config_, std::move(stored));
  }

  // A fresh partition over what this one wrote: the records of every batch, in order.
  StoredGroups written() const {
    std::map<std::string, GroupMetadataRecord> groups;
    std::map<std::tuple<std::string, std::string, int>, OffsetCommitRecord> offsets;
    for (const auto& b : log_.batches()) {
      for (const auto& g : b.groups) groups[g.group_id] = g;
      for (const auto& o : b.offsets) offsets[{o.key.group_id, o.key.topic, o.key.partition}] = o;
      for (const auto& k : b.deleted_offsets) offsets.erase({k.group_id, k.topic, k.partition});
      for (const auto& id : b.deleted_groups) {
        groups.erase(id);
        std::erase_if(offsets, [&](const auto& e) { return std::get<0>(e.first) == id; });
      }
    }
    StoredGroups out;
    for (auto& [id, g] : groups) out.groups.push_back(g);
    for (auto& [k, o] : offsets) out.offsets.push_back(o);
    return out;
  }
};

TEST_F(LoadingTest, BeforeLoadingGroupApisAnswerLoadInProgressButHeartbeatAnswersNone) {
  ManualLog log;
  GroupPartition fresh(config_, clock_, log);
  Pending<pb::JoinGroupResponse> joined;
  pb::JoinGroupRequest req;
  req.set_group_id("g");
  req.set_session_timeout_ms(10000);
  fresh.join_group(req, joined.reply());
  EXPECT_EQ(joined->error_code(), pb::COORDINATOR_LOAD_IN_PROGRESS);
  Pending<pb::HeartbeatResponse> beat;
  pb::HeartbeatRequest hb;
  hb.set_group_id("g");
  hb.set_member_id("m");
  fresh.heartbeat(hb, beat.reply());
  EXPECT_EQ(beat->error_code(), pb::NONE);
  pb::OffsetFetchGroup f;
  f.set_group_id("g");
  EXPECT_EQ(fetch_now(fresh, f).error_code(), pb::COORDINATOR_LOAD_IN_PROGRESS);
  EXPECT_EQ(describe_now(fresh, "g").error_code(), pb::COORDINATOR_LOAD_IN_PROGRESS);
  std::vector<pb::ListedGroup> listed;
  EXPECT_EQ(fresh.list_groups({}, listed), pb::COORDINATOR_LOAD_IN_PROGRESS);
  Pending<pb::ErrorCode> deleted;
  fresh.delete_group("g", deleted.reply());
  EXPECT_EQ(*deleted, pb::COORDINATOR_LOAD_IN_PROGRESS);
  EXPECT_TRUE(log.batches().empty());
  EXPECT_EQ(fresh.state(), PartitionState::kLoading);
}

TEST_F(LoadingTest, StableGroupComesBackWithItsGenerationMembersAndOffsets) {
  auto ids = stable_group("g", 2);
  int generation = group("g").generation_id;
  ASSERT_EQ(commit("g", ids[0], generation, 11), pb::NONE);
  auto reloaded = reload(written());
  GroupPartition& loaded = reloaded->partition;
  const ClassicGroup* g = &reloaded->group("g");
  EXPECT_EQ(g->state, GroupState::Stable);
  EXPECT_EQ(g->generation_id, generation);
  EXPECT_EQ(g->leader_id, group("g").leader_id);
  EXPECT_EQ(g->protocol_name, "range");
  for (const auto& id : ids) {
    EXPECT_EQ(g->members.at(id).assignment, "assignment-of-" + id);
  }
  EXPECT_EQ(g->subscribed_topics, (std::set<std::string>{"t"}));
  pb::HeartbeatRequest hb;
  hb.set_group_id("g");
  hb.set_member_id(ids[1]);
  hb.set_generation_id(generation);
  Pending<pb::HeartbeatResponse> beat;
  loaded.heartbeat(hb, beat.reply());
  EXPECT_EQ(beat->error_code(), pb::NONE);
  pb::OffsetFetchGroup f;
  f.set_group_id("g");
  f.set_all_topics(true);
  auto fetched = fetch_now(loaded, f);
  ASSERT_EQ(fetched.topics_size(), 1);
  EXPECT_EQ(fetched.topics(0).partitions(0).committed_offset(), 11);
}

TEST_F(LoadingTest, LoadedMembersThatStopHeartbeatingExpireAndTheGroupRebalances) {
  auto ids = stable_group("g", 2);
  auto reloaded = reload(written());
  reloaded->clock.advance(Millis(10000));  // the members' session timeout
  const ClassicGroup& g = reloaded->group("g");
  EXPECT_TRUE(g.members.empty());
  EXPECT_EQ(g.state, GroupState::Empty);
}

TEST_F(LoadingTest, OffsetsWithoutAGroupRecordComeBackAsASimpleGroup) {
  StoredGroups stored;
  stored.offsets.push_back(OffsetCommitRecord{.key = {"simple", "t", 0},
                                              .committed_offset = 5,
                                              .leader_epoch = -1,
                                              .metadata = "m",
                                              .commit_timestamp_ms = clock_.wall_clock_ms(),
                                              .expire_timestamp_ms = std::nullopt});
  auto reloaded = reload(stored);
  const ClassicGroup& g = reloaded->group("simple");
  EXPECT_EQ(g.state, GroupState::Empty);
  EXPECT_FALSE(g.protocol_type.has_value());
}

TEST_F(LoadingTest, EmptyGroupComesBackEmptyWithItsGeneration) {
  auto ids = stable_group("g", 1);
  leave("g", {{ids[0], std::nullopt}});
  int generation = group("g").generation_id;
  auto reloaded = reload(written());
  const ClassicGroup& g = reloaded->group("g");
  EXPECT_EQ(g.state, GroupState::Empty);
  EXPECT_EQ(g.generation_id, generation);
  EXPECT_EQ(g.protocol_type, "consumer");
}

// ---- Ownership: a partition handed to another coordinator ----------------------------------

class OwnershipTest : public DurabilityTest {};

TEST_F(OwnershipTest, UnloadedPartitionAnswersNotCoordinatorAndListsNothing) {
  auto ids = stable_group("g", 1);
  int generation = group("g").generation_id;
  ASSERT_EQ(commit("g", ids[0], generation, 5), pb::NONE);
  partition_.unload();
  EXPECT_EQ(partition_.state(), PartitionState::kNotOwned);
  EXPECT_EQ(join("g")->error_code(), pb::NOT_COORDINATOR);
  EXPECT_EQ(heartbeat("g", ids[0], generation), pb::NOT_COORDINATOR);
  EXPECT_EQ(commit("g", ids[0], generation, 6), pb::NOT_COORDINATOR);
  EXPECT_EQ(fetch_async("g")->error_code(), pb::NOT_COORDINATOR);
  EXPECT_EQ(describe_now(partition_, "g").error_code(), pb::NOT_COORDINATOR);
  Pending<pb::ErrorCode> deleted;
  partition_.delete_group("g", deleted.reply());
  EXPECT_EQ(*deleted, pb::NOT_COORDINATOR);
  std::vector<pb::ListedGroup> listed;
  EXPECT_EQ(partition_.list_groups({}, listed), pb::NONE);
  EXPECT_TRUE(listed.empty());
  std::size_t written = log_.batches().size();
  clock_.advance(Millis(60000));  // no session expiry, no write: the groups are not ours
  partition_.expire_offsets();
  EXPECT_EQ(log_.batches().size(), written);
}

TEST_F(OwnershipTest, UnloadAnswersParkedJoinsNotCoordinator) {
  auto ids = stable_group("g", 1);
  auto newcomer = join("g");  // parks until the member rejoins or the rebalance times out
  ASSERT_FALSE(newcomer.done());
  partition_.unload();
  ASSERT_TRUE(newcomer.done());
  EXPECT_EQ(newcomer->error_code(), pb::NOT_COORDINATOR);
}

// A commit the store is writing when the partition is handed off is answered with the write's
// outcome (the handoff waits for it); the calls queued behind it answer NOT_COORDINATOR.
TEST_F(OwnershipTest, WriteInFlightAtUnloadAnswersItsOutcome) {
  auto ids = stable_group("g", 1);
  log_.hold();
  auto committed = commit_async("g", ids[0], group("g").generation_id, 9);
  auto fetched = fetch_async("g");
  partition_.unload();
  EXPECT_FALSE(committed.done());
  log_.complete();
  ASSERT_TRUE(committed.done());
  EXPECT_EQ(committed->topics(0).partitions(0).error_code(), pb::NONE);
  ASSERT_TRUE(fetched.done());
  EXPECT_EQ(fetched->error_code(), pb::NOT_COORDINATOR);
}

}  // namespace
}  // namespace groupwire::coordinator::testing
