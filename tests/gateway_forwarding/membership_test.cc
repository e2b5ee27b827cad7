// JoinGroup, SyncGroup, Heartbeat and LeaveGroup: what the coordinator sees per version, and
// what the client gets back.
#include <gtest/gtest.h>

#include "batching/coalesce.h"
#include "gateway_harness.h"
#include "kafka/error_code.h"

namespace groupwire::gateway::testing {
namespace {

using namespace kafka;

JoinGroupRequest join_request() {
  JoinGroupRequest req;
  req.group_id = "g";
  req.session_timeout_ms = 10000;
  req.rebalance_timeout_ms = 30000;
  req.member_id = "m-1";
  req.protocol_type = "consumer";
  req.protocols = {{"range", {"r-meta"}}, {"roundrobin", {"rr-meta"}}};
  return req;
}

TEST_F(ForwardingTest, JoinGroupRequestFactsPerVersion) {
  auto req = join_request();
  req.group_instance_id = "instance-1";
  req.reason = "rejoin";
  for (ApiVersion v : {0, 3, 4, 5, 8, 9}) {
    gateway_.call<JoinGroupResponse>(req, v);
    auto seen = coordinator_.join_group.last();
    EXPECT_EQ(seen.group_id(), "g") << "v" << v;
    EXPECT_EQ(seen.member_id(), "m-1");
    EXPECT_EQ(seen.client_id(), "test-client");
    EXPECT_EQ(seen.client_host(), "/127.0.0.1");
    EXPECT_EQ(seen.session_timeout_ms(), 10000);
    // v0 has no rebalance timeout: the session timeout stands in.
    EXPECT_EQ(seen.rebalance_timeout_ms(), v == 0 ? 10000 : 30000) << "v" << v;
    EXPECT_EQ(seen.protocol_type(), "consumer");
    ASSERT_EQ(seen.protocols_size(), 2);
    EXPECT_EQ(seen.protocols(1).name(), "roundrobin");
    EXPECT_EQ(seen.protocols(1).metadata(), "rr-meta");
    EXPECT_EQ(seen.require_known_member_id(), v >= 4) << "v" << v;
    EXPECT_EQ(seen.supports_skip_assignment(), v >= 9) << "v" << v;
    EXPECT_EQ(seen.has_group_instance_id(), v >= 5) << "v" << v;
    EXPECT_EQ(seen.has_reason(), v >= 8) << "v" << v;
  }
  EXPECT_EQ(coordinator_.join_group.last().group_instance_id(), "instance-1");
  EXPECT_EQ(coordinator_.join_group.last().reason(), "rejoin");
}

TEST_F(ForwardingTest, JoinGroupClientHostAsKafkaPrintsIt) {
  auto req = join_request();
  gateway_.call<JoinGroupResponse>(req, 5, "::1");
  EXPECT_EQ(coordinator_.join_group.last().client_host(), "/0:0:0:0:0:0:0:1");
  gateway_.call<JoinGroupResponse>(req, 5, "::ffff:10.0.0.5");
  EXPECT_EQ(coordinator_.join_group.last().client_host(), "/10.0.0.5");
  gateway_.call<JoinGroupResponse>(req, 5, "fe80::1:abcd");
  EXPECT_EQ(coordinator_.join_group.last().client_host(), "/fe80:0:0:0:0:0:1:abcd");
}

TEST_F(ForwardingTest, JoinGroupResponsePerVersion) {
  pb::JoinGroupResponse reply;
  reply.set_generation_id(4);
  reply.set_protocol_type("consumer");
  reply.set_leader("m-1");
  reply.set_member_id("m-1");
  reply.set_skip_assignment(true);
  auto* member = reply.add_members();
  member->set_member_id("m-1");
  member->set_group_instance_id("instance-1");
  member->set_metadata("meta");
  coordinator_.join_group.set_reply(reply);  // protocol_name absent

  auto req = join_request();
  auto v6 = gateway_.call<JoinGroupResponse>(req, 6);
  EXPECT_EQ(v6.error_code, 0);
  EXPECT_EQ(v6.generation_id, 4);
  EXPECT_EQ(v6.protocol_name, "");  // not nullable below v7
  EXPECT_EQ(v6.leader, "m-1");
  ASSERT_EQ(v6.members.size(), 1u);
  EXPECT_EQ(v6.members[0].group_instance_id, "instance-1");
  EXPECT_EQ(v6.members[0].metadata.data, "meta");
  EXPECT_FALSE(v6.skip_assignment);

  auto v7 = gateway_.call<JoinGroupResponse>(req, 7);
  EXPECT_EQ(v7.protocol_name, std::nullopt);
  EXPECT_EQ(v7.protocol_type, "consumer");
  EXPECT_FALSE(v7.skip_assignment);  // not in the wire format before v9
  EXPECT_TRUE(gateway_.call<JoinGroupResponse>(req, 9).skip_assignment);

  reply.set_protocol_name("");  // Kafka sends null for "" from v7
  coordinator_.join_group.set_reply(reply);
  EXPECT_EQ(gateway_.call<JoinGroupResponse>(req, 7).protocol_name, std::nullopt);
  EXPECT_EQ(gateway_.call<JoinGroupResponse>(req, 2).protocol_name, "");

  reply.set_protocol_name("range");
  reply.set_error_code(pb::MEMBER_ID_REQUIRED);
  coordinator_.join_group.set_reply(reply);
  auto v4 = gateway_.call<JoinGroupResponse>(req, 4);
  EXPECT_EQ(v4.error_code, to_wire(ErrorCode::MEMBER_ID_REQUIRED));
  EXPECT_EQ(v4.protocol_name, "range");
  EXPECT_EQ(v4.members[0].member_id, "m-1");
}

TEST_F(ForwardingTest, SyncGroupV5RequiresProtocolTypeAndName) {
  SyncGroupRequest req;
  req.group_id = "g";
  req.generation_id = 3;
  req.member_id = "m-1";
  req.protocol_name = "range";  // protocol_type missing
  auto resp = gateway_.call<SyncGroupResponse>(req, 5);
  EXPECT_EQ(resp.error_code, to_wire(ErrorCode::INCONSISTENT_GROUP_PROTOCOL));
  EXPECT_EQ(coordinator_.sync_group.count(), 0u);

  // Below v5 the fields do not exist, so nothing is required.
  req.protocol_name.reset();
  EXPECT_EQ(gateway_.call<SyncGroupResponse>(req, 4).error_code, 0);
  EXPECT_EQ(coordinator_.sync_group.count(), 1u);
  EXPECT_FALSE(coordinator_.sync_group.last().has_protocol_type());
}

TEST_F(ForwardingTest, SyncGroupForwardsAssignments) {
  pb::SyncGroupResponse reply;
  reply.set_protocol_type("consumer");
  reply.set_protocol_name("range");
  reply.set_assignment("mine");
  coordinator_.sync_group.set_reply(reply);

  SyncGroupRequest req;
  req.group_id = "g";
  req.generation_id = 3;
  req.member_id = "m-1";
  req.group_instance_id = "instance-1";
  req.protocol_type = "consumer";
  req.protocol_name = "range";
  req.assignments = {{"m-1", {"a1"}}, {"m-2", {"a2"}}};
  auto v5 = gateway_.call<SyncGroupResponse>(req, 5);
  auto seen = coordinator_.sync_group.last();
  EXPECT_EQ(seen.generation_id(), 3);
  EXPECT_EQ(seen.group_instance_id(), "instance-1");
  EXPECT_EQ(seen.protocol_name(), "range");
  ASSERT_EQ(seen.assignments_size(), 2);
  EXPECT_EQ(seen.assignments(1).member_id(), "m-2");
  EXPECT_EQ(seen.assignments(1).assignment(), "a2");
  EXPECT_EQ(v5.assignment.data, "mine");
  EXPECT_EQ(v5.protocol_type, "consumer");
  EXPECT_EQ(v5.protocol_name, "range");

  auto v0 = gateway_.call<SyncGroupResponse>(req, 0);
  EXPECT_EQ(v0.assignment.data, "mine");
  EXPECT_EQ(v0.protocol_name, std::nullopt);  // not in the wire format before v5
  EXPECT_FALSE(coordinator_.sync_group.last().has_group_instance_id());
}

// Calls about one group share a stream to the coordinator: a JoinGroup parked there (waiting
// for its rebalance) must not hold up the heartbeats behind it, nor its own connection's
// answer order.
TEST_F(ForwardingTest, ParkedJoinGroupHoldsUpNoHeartbeat) {
  coordinator_.join_group.set_hold(true);
  auto parked = gateway_.start(join_request(), 5);
  HeartbeatRequest req;
  req.group_id = "g";
  req.generation_id = 1;
  req.member_id = "m-2";
  for (int i = 0; i < 3; ++i) {
    EXPECT_EQ(gateway_.call<HeartbeatResponse>(req, 4).error_code, 0);
  }
  EXPECT_EQ(coordinator_.heartbeat.count(), 3u);
  EXPECT_EQ(coordinator_.join_group.count(), 1u);
  EXPECT_EQ(parked.wait_for(std::chrono::milliseconds(0)), std::future_status::timeout);
}

// A connection dispatches the frames of one socket read inside one Coalesce scope: requests
// pipelined together reach the coordinator together, in one batch.
TEST_F(ForwardingTest, CallsDispatchedFromOneReadLeaveInOneBatch) {
  HeartbeatRequest req;
  req.group_id = "g";
  req.generation_id = 1;
  req.member_id = "m-1";
  EXPECT_EQ(gateway_.call<HeartbeatResponse>(req, 4).error_code, 0);  // the stream is open
  coordinator_.clear_batch_sizes();
  std::vector<std::future<std::string>> answers;
  {
    Coalesce read;
    for (int i = 0; i < 8; ++i) answers.push_back(gateway_.start(req, 4));
  }
  for (auto& answer : answers) {
    ASSERT_EQ(answer.wait_for(kAnswerBound), std::future_status::ready);
  }
  EXPECT_EQ(coordinator_.batch_sizes(), std::vector<std::size_t>{8});
}

TEST_F(ForwardingTest, HeartbeatEveryVersion) {
  pb::HeartbeatResponse reply;
  reply.set_error_code(pb::REBALANCE_IN_PROGRESS);
  coordinator_.heartbeat.set_reply(reply);
  HeartbeatRequest req;
  req.group_id = "g";
  req.generation_id = 7;
  req.member_id = "m-1";
  req.group_instance_id = "instance-1";
  for (ApiVersion v = 0; v <= 4; ++v) {
    auto resp = gateway_.call<HeartbeatResponse>(req, v);
    EXPECT_EQ(resp.error_code, to_wire(ErrorCode::REBALANCE_IN_PROGRESS)) << "v" << v;
    auto seen = coordinator_.heartbeat.last();
    EXPECT_EQ(seen.generation_id(), 7);
    EXPECT_EQ(seen.member_id(), "m-1");
    EXPECT_EQ(seen.has_group_instance_id(), v >= 3) << "v" << v;
  }
}

TEST_F(ForwardingTest, LeaveGroupSingleMemberForms) {
  pb::LeaveGroupResponse reply;
  auto* member = reply.add_members();
  member->set_member_id("m-1");
  member->set_error_code(pb::UNKNOWN_MEMBER_ID);
  coordinator_.leave_group.set_reply(reply);

  LeaveGroupRequest req;
  req.group_id = "g";
  req.member_id = "m-1";
  auto v1 = gateway_.call<LeaveGroupResponse>(req, 1);
  auto seen = coordinator_.leave_group.last();
  ASSERT_EQ(seen.members_size(), 1);
  EXPECT_EQ(seen.members(0).member_id(), "m-1");
  EXPECT_FALSE(seen.members(0).has_group_instance_id());
  // No member list below v3: the single member's error goes top-level.
  EXPECT_EQ(v1.error_code, to_wire(ErrorCode::UNKNOWN_MEMBER_ID));
  EXPECT_TRUE(v1.members.empty());

  // A top-level error wins over the member's.
  reply.set_error_code(pb::INVALID_GROUP_ID);
  coordinator_.leave_group.set_reply(reply);
  EXPECT_EQ(gateway_.call<LeaveGroupResponse>(req, 0).error_code,
            to_wire(ErrorCode::INVALID_GROUP_ID));
}

TEST_F(ForwardingTest, LeaveGroupBatch) {
  pb::LeaveGroupResponse reply;
  auto* a = reply.add_members();
  a->set_member_id("m-1");
  auto* b = reply.add_members();
  b->set_group_instance_id("instance-2");
  b->set_error_code(pb::UNKNOWN_MEMBER_ID);
  coordinator_.leave_group.set_reply(reply);

  LeaveGroupRequest req;
  req.group_id = "g";
  req.members = {{"m-1", std::nullopt, "bye"}, {"", "instance-2", std::nullopt}};
  for (ApiVersion v : {3, 5}) {
    auto resp = gateway_.call<LeaveGroupResponse>(req, v);
    auto seen = coordinator_.leave_group.last();
    ASSERT_EQ(seen.members_size(), 2);
    EXPECT_EQ(seen.members(1).group_instance_id(), "instance-2");
    EXPECT_EQ(seen.members(0).has_reason(), v >= 5) << "v" << v;
    EXPECT_EQ(resp.error_code, 0);
    ASSERT_EQ(resp.members.size(), 2u);
    EXPECT_EQ(resp.members[0].member_id, "m-1");
    EXPECT_EQ(resp.members[0].group_instance_id, std::nullopt);
    EXPECT_EQ(resp.members[0].error_code, 0);
    EXPECT_EQ(resp.members[1].group_instance_id, "instance-2");
    EXPECT_EQ(resp.members[1].error_code, to_wire(ErrorCode::UNKNOWN_MEMBER_ID));
  }
}

}  // namespace
}  // namespace groupwire::gateway::testing
