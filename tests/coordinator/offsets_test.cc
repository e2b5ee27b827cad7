// Offsets (OffsetCommit, OffsetFetch, OffsetDelete, expiry) and the admin APIs (DeleteGroups,
// DescribeGroups, ListGroups), one test per rule of Kafka's classic group coordinator (names
// follow Kafka's OffsetMetadataManagerTest and GroupMetadataManagerTest where they have one).
#include <algorithm>
#include <map>

#include "group_fixture.h"

namespace groupwire::coordinator::testing {
namespace {

class OffsetsTest : public GroupTest {
 protected:
  explicit OffsetsTest(GroupConfig config = {}) : GroupTest(config) {}

  pb::OffsetFetchPartition fetch_partition(const std::string& group, const std::string& topic,
                                           std::int32_t partition) {
    pb::OffsetFetchGroup req;
    req.set_group_id(group);
    auto* t = req.add_topics();
    t->set_name(topic);
    t->add_partition_indexes(partition);
    auto resp = fetch_now(partition_, req);
    EXPECT_EQ(resp.error_code(), pb::NONE);
    EXPECT_EQ(resp.topics_size(), 1);
    EXPECT_EQ(resp.topics(0).partitions_size(), 1);
    return resp.topics(0).partitions(0);
  }

  pb::OffsetFetchGroupResponse fetch_all(const std::string& group) {
    pb::OffsetFetchGroup req;
    req.set_group_id(group);
    req.set_all_topics(true);
    return fetch_now(partition_, req);
  }

  std::vector<pb::ListedGroup> list(std::vector<std::string> states = {},
                                    std::vector<std::string> types = {}) {
    pb::ListGroupsRequest req;
    for (const auto& s : states) req.add_states_filter(s);
    for (const auto& t : types) req.add_types_filter(t);
    std::vector<pb::ListedGroup> out;
    partition_.list_groups(req, out);
    std::sort(out.begin(), out.end(),
              [](const auto& a, const auto& b) { return a.group_id() < b.group_id(); });
    return out;
  }

  std::vector<std::string> listed_ids(std::vector<std::string> states,
                                      std::vector<std::string> types = {}) {
    std::vector<std::string> ids;
    for (const auto& g : list(std::move(states), std::move(types))) ids.push_back(g.group_id());
    return ids;
  }
};

using Ids = std::vector<std::string>;

// ---- OffsetCommit -------------------------------------------------------------------------

TEST_F(OffsetsTest, GenericGroupOffsetCommit) {
  auto ids = stable_group("g", 1);
  EXPECT_EQ(commit("g", ids[0], 1, 100), pb::NONE);
  EXPECT_EQ(fetch("g"), 100);
}

TEST_F(OffsetsTest, GenericGroupOffsetCommitWithIllegalGeneration) {
  auto ids = stable_group("g", 1);
  EXPECT_EQ(commit("g", ids[0], 2), pb::ILLEGAL_GENERATION);
  EXPECT_EQ(fetch("g"), -1);
}

TEST_F(OffsetsTest, GenericGroupOffsetCommitWithUnknownMemberId) {
  stable_group("g", 1);
  EXPECT_EQ(commit("g", "nobody", 1), pb::UNKNOWN_MEMBER_ID);
  EXPECT_EQ(fetch("g"), -1);
}

TEST_F(OffsetsTest, GenericGroupOffsetCommitWhileInCompletingRebalanceState) {
  auto a = join("g");
  clock_.advance(
      5000ms);  // the initial delay, extended by later joiners up to the rebalance timeout
  ASSERT_EQ(state("g"), GroupState::CompletingRebalance);
  EXPECT_EQ(commit("g", a->member_id(), 1), pb::REBALANCE_IN_PROGRESS);
  EXPECT_EQ(fetch("g"), -1);
}

TEST_F(OffsetsTest, GenericGroupOffsetCommitWhileInPreparingRebalanceState) {
  auto ids = stable_group("g", 2);
  join("g", {.member_id = ids[0]});
  ASSERT_EQ(state("g"), GroupState::PreparingRebalance);
  EXPECT_EQ(commit("g", ids[1], 1, 7), pb::NONE);  // the current generation is still 1
  EXPECT_EQ(fetch("g"), 7);
}

TEST_F(OffsetsTest, SimpleGroupOffsetCommit) {
  EXPECT_EQ(commit("simple", "", -1, 7), pb::NONE);
  EXPECT_EQ(fetch("simple"), 7);
  EXPECT_EQ(state("simple"), GroupState::Empty);
  EXPECT_FALSE(group("simple").protocol_type.has_value());
  auto listed = list();
  ASSERT_EQ(listed.size(), 1u);
  EXPECT_EQ(listed[0].group_id(), "simple");
  EXPECT_EQ(listed[0].protocol_type(), "");
  EXPECT_EQ(listed[0].group_state(), "Empty");
}

TEST_F(OffsetsTest, GenericGroupOffsetCommitWithoutMemberIdAndGeneration) {
  stable_group("g", 1);
  EXPECT_EQ(commit("g", "", -1), pb::UNKNOWN_MEMBER_ID);
  EXPECT_EQ(fetch("g"), -1);
}

TEST_F(OffsetsTest, OffsetCommitToUnknownGroupBelowV9IsIllegalGeneration) {
  EXPECT_EQ(commit("missing", "member", 0), pb::ILLEGAL_GENERATION);
  EXPECT_EQ(partition_.find_group("missing"), nullptr);
}

TEST_F(OffsetsTest, OffsetCommitToUnknownGroupAtV9IsGroupIdNotFound) {
  EXPECT_EQ(commit("missing", "member", 0, 42, /*v9=*/true), pb::GROUP_ID_NOT_FOUND);
  EXPECT_EQ(partition_.find_group("missing"), nullptr);
}

TEST_F(OffsetsTest, OffsetMetadataTooLarge) {
  auto ids = stable_group("g", 1);
  EXPECT_EQ(commit("g", ids[0], 1, 1, false, "t", std::string(4097, 'x')),
            pb::OFFSET_METADATA_TOO_LARGE);
  EXPECT_EQ(fetch("g"), -1);
  EXPECT_EQ(commit("g", ids[0], 1, 2, false, "t", std::string(4096, 'x')), pb::NONE);
  auto p = fetch_partition("g", "t", 0);
  EXPECT_EQ(p.committed_offset(), 2);
  EXPECT_EQ(p.metadata(), std::string(4096, 'x'));
}

TEST_F(OffsetsTest, OffsetMetadataTooLargeFailsOnlyThatPartition) {
  auto ids = stable_group("g", 1);
  pb::OffsetCommitRequest req;
  req.set_group_id("g");
  req.set_member_id(ids[0]);
  req.set_generation_id(1);
  req.set_retention_time_ms(-1);
  auto* t = req.add_topics();
  t->set_name("t");
  for (int i = 0; i < 2; ++i) {
    auto* p = t->add_partitions();
    p->set_partition_index(i);
    p->set_committed_offset(10 + i);
    p->set_committed_leader_epoch(-1);
    p->set_committed_metadata(i == 0 ? std::string(4097, 'x') : "ok");
  }
  Pending<pb::OffsetCommitResponse> out;
  partition_.offset_commit(req, out.reply());
  ASSERT_EQ(out->topics(0).partitions_size(), 2);
  EXPECT_EQ(out->topics(0).partitions(0).error_code(), pb::OFFSET_METADATA_TOO_LARGE);
  EXPECT_EQ(out->topics(0).partitions(1).error_code(), pb::NONE);
  EXPECT_EQ(fetch_partition("g", "t", 0).committed_offset(), -1);
  EXPECT_EQ(fetch_partition("g", "t", 1).committed_offset(), 11);
}

TEST_F(OffsetsTest, GenericGroupOffsetCommitMaintainsSession) {
  auto ids = stable_group("g", 1);  // t=5000: session deadline at t=15000
  clock_.advance(9000ms);           // t=14000
  EXPECT_EQ(commit("g", ids[0], 1), pb::NONE);
  clock_.advance(9000ms);  // t=23000: past the original deadline
  EXPECT_TRUE(group("g").has_member(ids[0]));
  EXPECT_EQ(commit("g", ids[0], 1), pb::NONE);
  clock_.advance(9999ms);  // t=32999
  EXPECT_TRUE(group("g").has_member(ids[0]));
  clock_.advance(1ms);  // t=33000: ten seconds after the last commit
  EXPECT_FALSE(group("g").has_member(ids[0]));
  EXPECT_EQ(state("g"), GroupState::Empty);
}

// ---- OffsetFetch --------------------------------------------------------------------------

TEST_F(OffsetsTest, FetchOffsetsWithUnknownGroup) {
  pb::OffsetFetchGroup req;
  req.set_group_id("missing");
  auto* t = req.add_topics();
  t->set_name("t");
  t->add_partition_indexes(0);
  t->add_partition_indexes(1);
  auto resp = fetch_now(partition_, req);
  EXPECT_EQ(resp.error_code(), pb::NONE);
  ASSERT_EQ(resp.topics_size(), 1);
  ASSERT_EQ(resp.topics(0).partitions_size(), 2);
  for (const auto& p : resp.topics(0).partitions()) {
    EXPECT_EQ(p.committed_offset(), -1);
    EXPECT_EQ(p.committed_leader_epoch(), -1);
    EXPECT_EQ(p.metadata(), "");
    EXPECT_EQ(p.error_code(), pb::NONE);
  }
  EXPECT_EQ(fetch_all("missing").topics_size(), 0);
}

TEST_F(OffsetsTest, FetchAllTopicsReturnsEveryCommittedPartition) {
  ASSERT_EQ(commit("s", "", -1, 1, false, "t"), pb::NONE);
  ASSERT_EQ(commit("s", "", -1, 2, false, "u"), pb::NONE);
  ASSERT_EQ(commit("s", "", -1, 3, false, "v", "meta"), pb::NONE);
  auto resp = fetch_all("s");
  EXPECT_EQ(resp.error_code(), pb::NONE);
  std::map<std::string, std::int64_t> got;
  for (const auto& t : resp.topics()) {
    for (const auto& p : t.partitions()) {
      EXPECT_EQ(p.partition_index(), 0);
      EXPECT_EQ(p.error_code(), pb::NONE);
      got[t.name()] = p.committed_offset();
      EXPECT_EQ(p.metadata(), t.name() == "v" ? "meta" : "");
    }
  }
  EXPECT_EQ(got, (std::map<std::string, std::int64_t>{{"t", 1}, {"u", 2}, {"v", 3}}));
}

// ---- DeleteGroups -------------------------------------------------------------------------

TEST_F(OffsetsTest, DeleteMissingGroupIsGroupIdNotFound) {
  EXPECT_EQ(delete_group("missing"), pb::GROUP_ID_NOT_FOUND);
}

TEST_F(OffsetsTest, DeleteStableGroupIsNonEmptyGroup) {
  stable_group("g", 1);
  EXPECT_EQ(delete_group("g"), pb::NON_EMPTY_GROUP);
  EXPECT_EQ(state("g"), GroupState::Stable);
}

TEST_F(OffsetsTest, ClassicGroupDelete) {
  auto ids = stable_group("g", 1);
  ASSERT_EQ(commit("g", ids[0], 1, 9), pb::NONE);
  leave("g", {{ids[0], std::nullopt}});
  ASSERT_EQ(state("g"), GroupState::Empty);
  EXPECT_EQ(delete_group("g"), pb::NONE);
  EXPECT_EQ(partition_.find_group("g"), nullptr);
  EXPECT_EQ(fetch("g"), -1);
  EXPECT_EQ(fetch_all("g").topics_size(), 0);
  EXPECT_EQ(delete_group("g"), pb::GROUP_ID_NOT_FOUND);
}

// ---- OffsetDelete -------------------------------------------------------------------------

TEST_F(OffsetsTest, OffsetDeleteMissingGroupIsGroupIdNotFound) {
  EXPECT_EQ(delete_offsets("missing", "t", {0}).error_code(), pb::GROUP_ID_NOT_FOUND);
}

TEST_F(OffsetsTest, OffsetDeleteEmptyGroupIdIsInvalid) {
  EXPECT_EQ(delete_offsets("", "t", {0}).error_code(), pb::INVALID_GROUP_ID);
}

TEST_F(OffsetsTest, GenericGroupOffsetDeleteWithSubscribedTopic) {
  auto ids = stable_group("g", 1);  // subscribes to t (consumer protocol metadata)
  ASSERT_EQ(commit("g", ids[0], 1, 5), pb::NONE);
  auto resp = delete_offsets("g", "t", {0, 1});
  EXPECT_EQ(resp.error_code(), pb::NONE);
  ASSERT_EQ(resp.topics_size(), 1);
  ASSERT_EQ(resp.topics(0).partitions_size(), 2);
  EXPECT_EQ(resp.topics(0).partitions(0).error_code(), pb::GROUP_SUBSCRIBED_TO_TOPIC);
  EXPECT_EQ(resp.topics(0).partitions(1).error_code(), pb::GROUP_SUBSCRIBED_TO_TOPIC);
  EXPECT_EQ(fetch("g"), 5);
}

TEST_F(OffsetsTest, GenericGroupOffsetDeleteWithUnsubscribedTopic) {
  auto ids = stable_group("g", 1);
  ASSERT_EQ(commit("g", ids[0], 1, 5, false, "u"), pb::NONE);
  auto resp = delete_offsets("g", "u", {0});
  EXPECT_EQ(resp.error_code(), pb::NONE);
  ASSERT_EQ(resp.topics_size(), 1);
  ASSERT_EQ(resp.topics(0).partitions_size(), 1);
  EXPECT_EQ(resp.topics(0).partitions(0).error_code(), pb::NONE);
  EXPECT_EQ(fetch("g", "u"), -1);
}

TEST_F(OffsetsTest, GenericGroupOffsetDeleteWithNonConsumerProtocolNonEmptyGroup) {
  auto ids = stable_group("g", 1, {.protocol_type = "connect", .protocols = {{"range", "x"}}});
  ASSERT_EQ(commit("g", ids[0], 1, 5, false, "u"), pb::NONE);
  EXPECT_EQ(delete_offsets("g", "u", {0}).error_code(), pb::NON_EMPTY_GROUP);
  EXPECT_EQ(fetch("g", "u"), 5);
}

// ---- Offset expiry ------------------------------------------------------------------------

class OffsetExpiryTest : public OffsetsTest {
 protected:
  OffsetExpiryTest() : OffsetsTest(GroupConfig{.offsets_retention = Millis(60000)}) {}
};

TEST_F(OffsetExpiryTest, SimpleGroupOffsetsExpireByCommitTimeThenGroupIsDeleted) {
  ASSERT_EQ(commit("s", "", -1, 7), pb::NONE);
  clock_.advance(59999ms);
  partition_.expire_offsets();
  EXPECT_EQ(fetch("s"), 7);
  clock_.advance(1ms);  // the retention since the commit
  partition_.expire_offsets();
  EXPECT_EQ(fetch("s"), -1);
  EXPECT_EQ(partition_.find_group("s"), nullptr);
}

TEST_F(OffsetExpiryTest, EmptyConsumerGroupOffsetsExpireRetentionAfterItBecameEmpty) {
  auto ids = stable_group("g", 1, {.session_timeout_ms = 120000});  // t=5000
  ASSERT_EQ(commit("g", ids[0], 1, 42), pb::NONE);                  // committed at t=5000
  clock_.advance(30000ms);
  leave("g", {{ids[0], std::nullopt}});  // Empty from t=35000
  ASSERT_EQ(state("g"), GroupState::Empty);
  clock_.advance(30000ms);  // t=65000: the retention since the commit, not since Empty
  partition_.expire_offsets();
  EXPECT_EQ(fetch("g"), 42);
  clock_.advance(29999ms);  // t=94999
  partition_.expire_offsets();
  EXPECT_EQ(fetch("g"), 42);
  clock_.advance(1ms);  // t=95000: the retention since the group became Empty
  partition_.expire_offsets();
  EXPECT_EQ(fetch("g"), -1);
  EXPECT_EQ(partition_.find_group("g"), nullptr);
}

TEST_F(OffsetExpiryTest, StableConsumerGroupExpiresOnlyUnsubscribedTopics) {
  auto ids = stable_group("g", 1, {.session_timeout_ms = 120000});  // subscribes to t
  ASSERT_EQ(commit("g", ids[0], 1, 1, false, "t"), pb::NONE);
  ASSERT_EQ(commit("g", ids[0], 1, 2, false, "u"), pb::NONE);
  clock_.advance(59999ms);
  partition_.expire_offsets();
  EXPECT_EQ(fetch("g", "u"), 2);
  clock_.advance(1ms);  // the retention since the commits
  partition_.expire_offsets();
  EXPECT_EQ(fetch("g", "t"), 1);   // subscribed: kept
  EXPECT_EQ(fetch("g", "u"), -1);  // not subscribed: expired by commit time
  EXPECT_EQ(state("g"), GroupState::Stable);
}

TEST_F(OffsetExpiryTest, ExplicitRetentionTimeExpiresAtCommitPlusRetention) {
  // OffsetCommit v2-4 RetentionTimeMs replaces the broker's retention for that offset.
  ASSERT_EQ(commit("s", "", -1, 7, false, "t", std::nullopt, 120000), pb::NONE);
  clock_.advance(60000ms);  // the broker's retention has passed
  partition_.expire_offsets();
  EXPECT_EQ(fetch("s"), 7);
  clock_.advance(59999ms);
  partition_.expire_offsets();
  EXPECT_EQ(fetch("s"), 7);
  clock_.advance(1ms);  // commit + retention
  partition_.expire_offsets();
  EXPECT_EQ(fetch("s"), -1);
}

// ---- DescribeGroups -----------------------------------------------------------------------

TEST_F(OffsetsTest, DescribeStableGroup) {
  auto ids = stable_group("g", 2, {.client_id = "app"});
  auto d = describe_now(partition_, "g");
  EXPECT_EQ(d.error_code(), pb::NONE);
  EXPECT_EQ(d.group_id(), "g");
  EXPECT_EQ(d.group_state(), "Stable");
  EXPECT_EQ(d.protocol_type(), "consumer");
  EXPECT_EQ(d.protocol_data(), "range");
  ASSERT_EQ(d.members_size(), 2);
  for (const auto& m : d.members()) {
    EXPECT_TRUE(m.member_id() == ids[0] || m.member_id() == ids[1]) << m.member_id();
    EXPECT_EQ(m.client_id(), "app");
    EXPECT_EQ(m.client_host(), "/127.0.0.1");
    EXPECT_EQ(m.member_metadata(), subscription({"t"}));
    EXPECT_EQ(m.member_assignment(), "assignment-of-" + m.member_id());
  }
}

TEST_F(OffsetsTest, DescribePreparingRebalanceGroupHidesMetadataAndAssignment) {
  auto ids = stable_group("g", 2);
  join("g", {.member_id = ids[0]});
  ASSERT_EQ(state("g"), GroupState::PreparingRebalance);
  auto d = describe_now(partition_, "g");
  EXPECT_EQ(d.error_code(), pb::NONE);
  EXPECT_EQ(d.group_state(), "PreparingRebalance");
  EXPECT_EQ(d.protocol_type(), "consumer");
  EXPECT_EQ(d.protocol_data(), "");
  ASSERT_EQ(d.members_size(), 2);
  for (const auto& m : d.members()) {
    EXPECT_EQ(m.client_id(), "client");
    EXPECT_EQ(m.client_host(), "/127.0.0.1");
    EXPECT_EQ(m.member_metadata(), "");
    EXPECT_EQ(m.member_assignment(), "");
  }
}

TEST_F(OffsetsTest, DescribeMissingGroupIsDead) {
  auto d = describe_now(partition_, "missing");
  EXPECT_EQ(d.error_code(), pb::NONE);
  EXPECT_EQ(d.group_id(), "missing");
  EXPECT_EQ(d.group_state(), "Dead");
  EXPECT_EQ(d.members_size(), 0);
}

// ---- ListGroups ---------------------------------------------------------------------------

TEST_F(OffsetsTest, ListGroupsStatesFilterIsCaseInsensitive) {
  stable_group("a", 1);
  ASSERT_EQ(commit("s", "", -1), pb::NONE);
  EXPECT_EQ(listed_ids({"stable"}), (Ids{"a"}));
  EXPECT_EQ(listed_ids({"EMPTY"}), (Ids{"s"}));
  EXPECT_EQ(listed_ids({"Stable", "empty"}), (Ids{"a", "s"}));
  EXPECT_EQ(listed_ids({"preparingrebalance"}), Ids{});
}

TEST_F(OffsetsTest, ListGroupsTypesFilter) {
  stable_group("a", 1);
  ASSERT_EQ(commit("s", "", -1), pb::NONE);
  EXPECT_EQ(listed_ids({}, {"classic"}), (Ids{"a", "s"}));
  EXPECT_EQ(listed_ids({}, {"CLASSIC"}), (Ids{"a", "s"}));
  EXPECT_EQ(listed_ids({}, {"consumer"}), Ids{});
}

TEST_F(OffsetsTest, ListGroupsWithoutFiltersListsAll) {
  stable_group("a", 1);
  ASSERT_EQ(commit("s", "", -1), pb::NONE);
  auto groups = list();
  ASSERT_EQ(groups.size(), 2u);
  EXPECT_EQ(groups[0].group_id(), "a");
  EXPECT_EQ(groups[0].protocol_type(), "consumer");
  EXPECT_EQ(groups[0].group_state(), "Stable");
  EXPECT_EQ(groups[0].group_type(), "classic");
  EXPECT_EQ(groups[1].group_id(), "s");
  EXPECT_EQ(groups[1].protocol_type(), "");
  EXPECT_EQ(groups[1].group_state(), "Empty");
  EXPECT_EQ(groups[1].group_type(), "classic");
}

}  // namespace
}  // namespace groupwire::coordinator::testing
