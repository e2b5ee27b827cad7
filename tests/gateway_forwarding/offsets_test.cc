// OffsetCommit, OffsetFetch and OffsetDelete: version facts, the topic catalog check, and
// where group errors land per version.
#include <gtest/gtest.h>

#include "gateway_harness.h"
#include "kafka/error_code.h"

namespace groupwire::gateway::testing {
namespace {

using namespace kafka;

constexpr auto kUnknown = to_wire(ErrorCode::UNKNOWN_TOPIC_OR_PARTITION);

// The catalog has orders:3 and audit:1.
OffsetCommitRequest commit_request() {
  OffsetCommitRequest req;
  req.group_id = "g";
  req.generation_id_or_member_epoch = 5;
  req.member_id = "m-1";
  req.retention_time_ms = 60000;
  OffsetCommitRequest::Partition p0;
  p0.partition_index = 0;
  p0.committed_offset = 42;
  p0.committed_leader_epoch = 2;
  p0.committed_metadata = "meta";
  OffsetCommitRequest::Partition p3 = p0;
  p3.partition_index = 3;  // orders has 0-2
  OffsetCommitRequest::Partition p1 = p0;
  p1.partition_index = 1;
  p1.committed_metadata.reset();
  req.topics = {{"orders", {p0, p3, p1}}, {"missing", {p0}}};
  return req;
}

pb::OffsetCommitResponse commit_reply(pb::ErrorCode error) {
  pb::OffsetCommitResponse reply;
  auto* t = reply.add_topics();
  t->set_name("orders");
  for (int p : {0, 1}) {
    auto* part = t->add_partitions();
    part->set_partition_index(p);
    part->set_error_code(error);
  }
  return reply;
}

TEST_F(ForwardingTest, OffsetCommitVersionFacts) {
  coordinator_.offset_commit.set_reply(commit_reply(pb::NONE));
  auto req = commit_request();
  for (ApiVersion v : {0, 1, 2, 4, 5, 6, 7, 8, 9}) {
    gateway_.call<OffsetCommitResponse>(req, v);
    auto seen = coordinator_.offset_commit.last();
    EXPECT_EQ(seen.group_id(), "g");
    // v0: no generation or member, a simple commit.
    EXPECT_EQ(seen.generation_id(), v == 0 ? -1 : 5) << "v" << v;
    EXPECT_EQ(seen.member_id(), v == 0 ? "" : "m-1") << "v" << v;
    EXPECT_EQ(seen.retention_time_ms(), v >= 2 && v <= 4 ? 60000 : -1) << "v" << v;
    EXPECT_EQ(seen.unknown_group_is_not_found(), v >= 9) << "v" << v;
    EXPECT_EQ(seen.member_epoch_aware(), v >= 9) << "v" << v;
    ASSERT_EQ(seen.topics_size(), 1);
    ASSERT_EQ(seen.topics(0).partitions_size(), 2);
    const auto& p = seen.topics(0).partitions(0);
    EXPECT_EQ(p.committed_offset(), 42);
    EXPECT_EQ(p.committed_leader_epoch(), v >= 6 ? 2 : -1) << "v" << v;
    EXPECT_EQ(p.committed_metadata(), "meta");
    EXPECT_FALSE(seen.topics(0).partitions(1).has_committed_metadata());
  }
}

TEST_F(ForwardingTest, OffsetCommitUnknownPartitionsAnsweredByGateway) {
  coordinator_.offset_commit.set_reply(commit_reply(pb::ILLEGAL_GENERATION));
  auto resp = gateway_.call<OffsetCommitResponse>(commit_request(), 8);
  // Kafka's order: the gateway's rejections first, the coordinator's results merged in.
  ASSERT_EQ(resp.topics.size(), 2u);
  EXPECT_EQ(resp.topics[0].name, "orders");
  ASSERT_EQ(resp.topics[0].partitions.size(), 3u);
  EXPECT_EQ(resp.topics[0].partitions[0].partition_index, 3);
  EXPECT_EQ(resp.topics[0].partitions[0].error_code, kUnknown);
  EXPECT_EQ(resp.topics[0].partitions[1].partition_index, 0);
  EXPECT_EQ(resp.topics[0].partitions[1].error_code, to_wire(ErrorCode::ILLEGAL_GENERATION));
  EXPECT_EQ(resp.topics[0].partitions[2].partition_index, 1);
  EXPECT_EQ(resp.topics[1].name, "missing");
  EXPECT_EQ(resp.topics[1].partitions[0].error_code, kUnknown);
}

TEST_F(ForwardingTest, OffsetCommitWithNothingKnownSkipsTheCoordinator) {
  auto req = commit_request();
  req.topics.erase(req.topics.begin());  // only "missing" remains
  req.topics.push_back({"audit", {{}}});
  req.topics.back().partitions[0].partition_index = -1;
  auto resp = gateway_.call<OffsetCommitResponse>(req, 3);
  EXPECT_EQ(coordinator_.offset_commit.count(), 0u);
  ASSERT_EQ(resp.topics.size(), 2u);
  EXPECT_EQ(resp.topics[1].name, "audit");
  EXPECT_EQ(resp.topics[1].partitions[0].error_code, kUnknown);
}

OffsetFetchRequest fetch_request() {
  OffsetFetchRequest req;
  req.group_id = "g";
  req.topics = std::vector<OffsetFetchRequest::Topic>{{"orders", {0, 1}}, {"missing", {0}}};
  return req;
}

TEST_F(ForwardingTest, OffsetFetchSingleGroupRequests) {
  auto req = fetch_request();
  gateway_.call<OffsetFetchResponse>(req, 1);
  auto seen = coordinator_.offset_fetch.last();
  ASSERT_EQ(seen.groups_size(), 1);
  EXPECT_EQ(seen.groups(0).group_id(), "g");
  EXPECT_FALSE(seen.groups(0).all_topics());
  // Unknown topics are forwarded: the coordinator answers them with -1.
  ASSERT_EQ(seen.groups(0).topics_size(), 2);
  EXPECT_EQ(seen.groups(0).topics(1).name(), "missing");
  EXPECT_EQ(seen.groups(0).topics(0).partition_indexes(1), 1);
  EXPECT_FALSE(seen.require_stable());

  req.topics.reset();  // v2+: null asks for every committed offset
  req.require_stable = true;
  gateway_.call<OffsetFetchResponse>(req, 2);
  EXPECT_TRUE(coordinator_.offset_fetch.last().groups(0).all_topics());
  EXPECT_FALSE(coordinator_.offset_fetch.last().require_stable());  // v7+ only
  gateway_.call<OffsetFetchResponse>(req, 7);
  EXPECT_TRUE(coordinator_.offset_fetch.last().require_stable());
}

pb::OffsetFetchResponse fetch_reply(pb::ErrorCode group_error) {
  pb::OffsetFetchResponse reply;
  auto* g = reply.add_groups();
  g->set_group_id("g");
  g->set_error_code(group_error);
  if (group_error != pb::NONE) return reply;
  auto* t = g->add_topics();
  t->set_name("orders");
  auto* p = t->add_partitions();
  p->set_partition_index(0);
  p->set_committed_offset(42);
  p->set_committed_leader_epoch(3);
  p->set_metadata("meta");
  return reply;
}

TEST_F(ForwardingTest, OffsetFetchGroupErrorPlacement) {
  coordinator_.offset_fetch.set_reply(fetch_reply(pb::INVALID_GROUP_ID));
  auto req = fetch_request();
  // v0-1: copied into every requested partition, with offset -1.
  auto v1 = gateway_.call<OffsetFetchResponse>(req, 1);
  ASSERT_EQ(v1.topics.size(), 2u);
  ASSERT_EQ(v1.topics[0].partitions.size(), 2u);
  for (const auto& t : v1.topics) {
    for (const auto& p : t.partitions) {
      EXPECT_EQ(p.error_code, to_wire(ErrorCode::INVALID_GROUP_ID)) << t.name;
      EXPECT_EQ(p.committed_offset, -1);
      EXPECT_EQ(p.metadata, "");
    }
  }
  // v2-7: top-level.
  for (ApiVersion v : {2, 5, 7}) {
    auto resp = gateway_.call<OffsetFetchResponse>(req, v);
    EXPECT_EQ(resp.error_code, to_wire(ErrorCode::INVALID_GROUP_ID)) << "v" << v;
    EXPECT_TRUE(resp.topics.empty());
  }
}

TEST_F(ForwardingTest, OffsetFetchPartitionsPerVersion) {
  coordinator_.offset_fetch.set_reply(fetch_reply(pb::NONE));
  auto req = fetch_request();
  auto v1 = gateway_.call<OffsetFetchResponse>(req, 1);
  ASSERT_EQ(v1.topics.size(), 1u);
  EXPECT_EQ(v1.topics[0].partitions[0].committed_offset, 42);
  EXPECT_EQ(v1.topics[0].partitions[0].committed_leader_epoch, -1);  // v5+ only
  EXPECT_EQ(v1.topics[0].partitions[0].metadata, "meta");
  auto v5 = gateway_.call<OffsetFetchResponse>(req, 5);
  EXPECT_EQ(v5.error_code, 0);
  EXPECT_EQ(v5.topics[0].partitions[0].committed_leader_epoch, 3);
}

TEST_F(ForwardingTest, OffsetFetchMultiGroup) {
  pb::OffsetFetchResponse reply = fetch_reply(pb::NONE);
  auto* other = reply.add_groups();
  other->set_group_id("h");
  other->set_error_code(pb::INVALID_GROUP_ID);
  coordinator_.offset_fetch.set_reply(reply);

  OffsetFetchRequest req;
  req.groups.push_back(
      {"g", "member-1", 12, std::vector<OffsetFetchRequest::Topics>{{"orders", {0}}}});
  req.groups.push_back({"h", std::nullopt, -1, std::nullopt});
  req.require_stable = true;
  for (ApiVersion v : {8, 9}) {
    coordinator_.offset_fetch.clear();
    auto resp = gateway_.call<OffsetFetchResponse>(req, v);
    // One call per group, each to the group's coordinator.
    auto seen = coordinator_.offset_fetch.seen();
    ASSERT_EQ(seen.size(), 2u);
    ASSERT_EQ(seen[0].groups_size(), 1);
    ASSERT_EQ(seen[1].groups_size(), 1);
    EXPECT_FALSE(seen[0].groups(0).all_topics());
    EXPECT_EQ(seen[0].groups(0).topics(0).name(), "orders");
    EXPECT_EQ(seen[1].groups(0).group_id(), "h");
    EXPECT_TRUE(seen[1].groups(0).all_topics());
    // v9: a consumer-protocol member says who it is; v8 cannot.
    EXPECT_EQ(seen[0].groups(0).has_member_id(), v >= 9);
    EXPECT_EQ(seen[0].groups(0).member_id(), v >= 9 ? "member-1" : "");
    EXPECT_EQ(seen[0].groups(0).member_epoch(), v >= 9 ? 12 : 0);
    EXPECT_FALSE(seen[1].groups(0).has_member_id());
    EXPECT_EQ(seen[1].groups(0).member_epoch(), v >= 9 ? -1 : 0);
    EXPECT_TRUE(seen[0].require_stable());
    EXPECT_TRUE(seen[1].require_stable());
    ASSERT_EQ(resp.groups.size(), 2u);
    EXPECT_EQ(resp.groups[0].error_code, 0);
    EXPECT_EQ(resp.groups[0].topics[0].partitions[0].committed_offset, 42);
    EXPECT_EQ(resp.groups[0].topics[0].partitions[0].committed_leader_epoch, 3);
    EXPECT_EQ(resp.groups[1].group_id, "h");
    EXPECT_EQ(resp.groups[1].error_code, to_wire(ErrorCode::INVALID_GROUP_ID));
  }
}

OffsetDeleteRequest delete_request() {
  OffsetDeleteRequest req;
  req.group_id = "g";
  req.topics = {{"orders", {{0}, {7}}}, {"missing", {{0}}}};
  return req;
}

TEST_F(ForwardingTest, OffsetDeleteUnknownPartitionsAnsweredByGateway) {
  pb::OffsetDeleteResponse reply;
  auto* t = reply.add_topics();
  t->set_name("orders");
  auto* p = t->add_partitions();
  p->set_partition_index(0);
  p->set_error_code(pb::GROUP_SUBSCRIBED_TO_TOPIC);
  coordinator_.offset_delete.set_reply(reply);

  auto resp = gateway_.call<OffsetDeleteResponse>(delete_request(), 0);
  auto seen = coordinator_.offset_delete.last();
  ASSERT_EQ(seen.topics_size(), 1);
  ASSERT_EQ(seen.topics(0).partition_indexes_size(), 1);
  EXPECT_EQ(seen.topics(0).partition_indexes(0), 0);
  EXPECT_EQ(resp.error_code, 0);
  ASSERT_EQ(resp.topics.size(), 2u);
  ASSERT_EQ(resp.topics[0].partitions.size(), 2u);
  EXPECT_EQ(resp.topics[0].partitions[0].partition_index, 7);
  EXPECT_EQ(resp.topics[0].partitions[0].error_code, kUnknown);
  EXPECT_EQ(resp.topics[0].partitions[1].error_code, to_wire(ErrorCode::GROUP_SUBSCRIBED_TO_TOPIC));
  EXPECT_EQ(resp.topics[1].partitions[0].error_code, kUnknown);
}

TEST_F(ForwardingTest, OffsetDeleteGroupErrorReplacesPartitions) {
  pb::OffsetDeleteResponse reply;
  reply.set_error_code(pb::GROUP_ID_NOT_FOUND);
  coordinator_.offset_delete.set_reply(reply);
  auto req = delete_request();
  req.topics.erase(req.topics.begin());  // nothing known left: still forwarded
  auto resp = gateway_.call<OffsetDeleteResponse>(req, 0);
  EXPECT_EQ(coordinator_.offset_delete.count(), 1u);
  EXPECT_EQ(coordinator_.offset_delete.last().topics_size(), 0);
  EXPECT_EQ(resp.error_code, to_wire(ErrorCode::GROUP_ID_NOT_FOUND));
  EXPECT_TRUE(resp.topics.empty());
}

}  // namespace
}  // namespace groupwire::gateway::testing
