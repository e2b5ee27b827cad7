// An unreachable or silent coordinator: every group API answers COORDINATOR_LOAD_IN_PROGRESS (see
// failed_call.h) in the place its version carries errors, within a bounded time, and the same
// client recovers once a coordinator listens again.
#include <chrono>

#include <gtest/gtest.h>

#include "gateway_harness.h"
#include "kafka/error_code.h"

namespace groupwire::gateway::testing {
namespace {

using namespace kafka;
using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

constexpr auto kNotAvailable = to_wire(ErrorCode::COORDINATOR_LOAD_IN_PROGRESS);
constexpr auto kUnknown = to_wire(ErrorCode::UNKNOWN_TOPIC_OR_PARTITION);
// gRPC may fire a deadline up to a timer tick early; the bounds below are about the margin, not the
// tick.
constexpr milliseconds kTimerSlack{5};

JoinGroupRequest join_request() {
  JoinGroupRequest req;
  req.group_id = "g";
  req.session_timeout_ms = 10000;
  req.rebalance_timeout_ms = 10000;
  req.member_id = "m-1";
  req.protocol_type = "consumer";
  req.protocols = {{"range", {}}};
  return req;
}

HeartbeatRequest heartbeat_request() {
  HeartbeatRequest req;
  req.group_id = "g";
  req.generation_id = 1;
  req.member_id = "m-1";
  return req;
}

// One request per group API (several versions where the error moves), each checked for
// COORDINATOR_LOAD_IN_PROGRESS in the right place.
void expect_every_api_unavailable(GatewayHarness& gw) {
  auto join6 = gw.call<JoinGroupResponse>(join_request(), 6);
  EXPECT_EQ(join6.error_code, kNotAvailable);
  EXPECT_EQ(join6.member_id, "m-1");  // echoed, as Kafka's coordinator does
  EXPECT_EQ(join6.generation_id, -1);
  EXPECT_EQ(join6.protocol_name, "");
  EXPECT_EQ(gw.call<JoinGroupResponse>(join_request(), 7).protocol_name, std::nullopt);

  SyncGroupRequest sync;
  sync.group_id = "g";
  sync.member_id = "m-1";
  EXPECT_EQ(gw.call<SyncGroupResponse>(sync, 3).error_code, kNotAvailable);

  EXPECT_EQ(gw.call<HeartbeatResponse>(heartbeat_request(), 3).error_code, kNotAvailable);

  LeaveGroupRequest leave;
  leave.group_id = "g";
  leave.member_id = "m-1";
  EXPECT_EQ(gw.call<LeaveGroupResponse>(leave, 1).error_code, kNotAvailable);
  leave.members = {{"m-1", std::nullopt, std::nullopt}};
  auto leave3 = gw.call<LeaveGroupResponse>(leave, 3);
  EXPECT_EQ(leave3.error_code, kNotAvailable);
  EXPECT_TRUE(leave3.members.empty());

  OffsetCommitRequest commit;
  commit.group_id = "g";
  commit.topics = {{"orders", {{}, {}}}, {"missing", {{}}}};
  commit.topics[0].partitions[1].partition_index = 2;
  auto commit8 = gw.call<OffsetCommitResponse>(commit, 8);
  ASSERT_EQ(commit8.topics.size(), 2u);
  EXPECT_EQ(commit8.topics[0].name, "missing");  // the gateway's own answers come first
  EXPECT_EQ(commit8.topics[0].partitions[0].error_code, kUnknown);
  ASSERT_EQ(commit8.topics[1].partitions.size(), 2u);
  for (const auto& p : commit8.topics[1].partitions) EXPECT_EQ(p.error_code, kNotAvailable);

  OffsetFetchRequest fetch;
  fetch.group_id = "g";
  fetch.topics = std::vector<OffsetFetchRequest::Topic>{{"orders", {0, 1}}};
  auto fetch1 = gw.call<OffsetFetchResponse>(fetch, 1);
  ASSERT_EQ(fetch1.topics.size(), 1u);
  ASSERT_EQ(fetch1.topics[0].partitions.size(), 2u);
  for (const auto& p : fetch1.topics[0].partitions) {
    EXPECT_EQ(p.error_code, kNotAvailable);
    EXPECT_EQ(p.committed_offset, -1);
  }
  EXPECT_EQ(gw.call<OffsetFetchResponse>(fetch, 5).error_code, kNotAvailable);
  OffsetFetchRequest fetch8;
  fetch8.groups = {{"g", std::nullopt, -1, std::nullopt}, {"h", std::nullopt, -1, std::nullopt}};
  auto groups8 = gw.call<OffsetFetchResponse>(fetch8, 8).groups;
  ASSERT_EQ(groups8.size(), 2u);
  EXPECT_EQ(groups8[1].group_id, "h");
  for (const auto& g : groups8) EXPECT_EQ(g.error_code, kNotAvailable);

  DescribeGroupsRequest describe;
  describe.groups = {"g", "h"};
  auto described = gw.call<DescribeGroupsResponse>(describe, 5).groups;
  ASSERT_EQ(described.size(), 2u);
  for (const auto& g : described) {
    EXPECT_EQ(g.error_code, kNotAvailable);
    EXPECT_EQ(g.group_state, "");
  }

  EXPECT_EQ(gw.call<ListGroupsResponse>(ListGroupsRequest{}, 4).error_code, kNotAvailable);

  DeleteGroupsRequest del;
  del.groups_names = {"g", "h"};
  auto deleted = gw.call<DeleteGroupsResponse>(del, 2).results;
  ASSERT_EQ(deleted.size(), 2u);
  for (const auto& r : deleted) EXPECT_EQ(r.error_code, kNotAvailable);

  OffsetDeleteRequest offset_delete;
  offset_delete.group_id = "g";
  offset_delete.topics = {{"orders", {{0}}}, {"missing", {{0}}}};
  auto od = gw.call<OffsetDeleteResponse>(offset_delete, 0);
  EXPECT_EQ(od.error_code, kNotAvailable);
  EXPECT_TRUE(od.topics.empty());  // a group-level error replaces partition results
}

// The same requests reach a live coordinator and come back without
// COORDINATOR_LOAD_IN_PROGRESS.
void expect_every_api_forwarded(GatewayHarness& gw, FakeCoordinator& coordinator) {
  coordinator.list_groups.clear();  // reconnects() lists groups
  EXPECT_EQ(gw.call<JoinGroupResponse>(join_request(), 5).error_code, 0);
  SyncGroupRequest sync;
  EXPECT_EQ(gw.call<SyncGroupResponse>(sync, 3).error_code, 0);
  EXPECT_EQ(gw.call<HeartbeatResponse>(heartbeat_request(), 3).error_code, 0);
  LeaveGroupRequest leave;
  EXPECT_EQ(gw.call<LeaveGroupResponse>(leave, 1).error_code, 0);
  OffsetCommitRequest commit;
  commit.topics = {{"orders", {{}}}};
  gw.call<OffsetCommitResponse>(commit, 8);
  pb::OffsetFetchResponse fetched;
  fetched.add_groups()->set_group_id("g");
  coordinator.offset_fetch.set_reply(fetched);
  OffsetFetchRequest fetch;
  fetch.group_id = "g";
  EXPECT_EQ(gw.call<OffsetFetchResponse>(fetch, 5).error_code, 0);
  DescribeGroupsRequest describe;
  describe.groups = {"g"};
  gw.call<DescribeGroupsResponse>(describe, 5);
  EXPECT_EQ(gw.call<ListGroupsResponse>(ListGroupsRequest{}, 4).error_code, 0);
  DeleteGroupsRequest remove;
  remove.groups_names = {"g"};
  gw.call<DeleteGroupsResponse>(remove, 2);
  EXPECT_EQ(gw.call<OffsetDeleteResponse>(OffsetDeleteRequest{}, 0).error_code, 0);

  EXPECT_EQ(coordinator.join_group.count(), 1u);
  EXPECT_EQ(coordinator.sync_group.count(), 1u);
  EXPECT_EQ(coordinator.heartbeat.count(), 1u);
  EXPECT_EQ(coordinator.leave_group.count(), 1u);
  EXPECT_EQ(coordinator.offset_commit.count(), 1u);
  EXPECT_EQ(coordinator.offset_fetch.count(), 1u);
  EXPECT_EQ(coordinator.describe_groups.count(), 1u);
  EXPECT_EQ(coordinator.list_groups.count(), 1u);
  EXPECT_EQ(coordinator.delete_groups.count(), 1u);
  EXPECT_EQ(coordinator.offset_delete.count(), 1u);
}

// Lists groups until four in a row succeed, or 10 s pass: calls about no one group take the
// channels in turn, so that covers both. Until a channel reconnects (backoff of about a second
// at most), its calls fail fast.
bool reconnects(GatewayHarness& gw) {
  auto deadline = Clock::now() + std::chrono::seconds(10);
  int in_a_row = 0;
  while (in_a_row < 4 && Clock::now() < deadline) {
    bool ok = gw.call<ListGroupsResponse>(ListGroupsRequest{}, 4).error_code == 0;
    in_a_row = ok ? in_a_row + 1 : 0;
  }
  return in_a_row == 4;
}

TEST(CoordinatorUnavailable, EveryApiAnswersQuicklyThenRecoversOnReconnect) {
  int port = unused_port();
  GatewayHarness gw(port);

  auto started = Clock::now();
  expect_every_api_unavailable(gw);
  // Nothing listens: calls fail on the refused connection, not on their deadlines.
  EXPECT_LT(Clock::now() - started, std::chrono::seconds(5));

  FakeCoordinator coordinator(port);
  ASSERT_TRUE(reconnects(gw)) << "no reconnect within 10 s";
  expect_every_api_forwarded(gw, coordinator);
}

TEST(CoordinatorUnavailable, CoordinatorRestartOnTheSamePort) {
  int port = unused_port();
  GatewayHarness gw(port);
  {
    FakeCoordinator first(port);
    ASSERT_TRUE(reconnects(gw));
  }  // the coordinator goes away under established connections
  auto started = Clock::now();
  expect_every_api_unavailable(gw);
  EXPECT_LT(Clock::now() - started, std::chrono::seconds(5));

  FakeCoordinator second(port);
  ASSERT_TRUE(reconnects(gw)) << "no reconnect within 10 s";
  expect_every_api_forwarded(gw, second);
}

TEST(CoordinatorUnavailable, SilentCoordinatorHitsTheCallTimeout) {
  FakeCoordinator coordinator;
  coordinator.heartbeat.set_hold(true);
  GatewayHarness gw(coordinator.port(), milliseconds(300));
  auto started = Clock::now();
  EXPECT_EQ(gw.call<HeartbeatResponse>(heartbeat_request(), 3).error_code, kNotAvailable);
  EXPECT_GE(Clock::now() - started, milliseconds(300));
}

TEST(CoordinatorUnavailable, JoinGroupWaitsTheRebalanceTimeoutPlusMargin) {
  FakeCoordinator coordinator;
  coordinator.join_group.set_hold(true);
  GatewayHarness gw(coordinator.port(), milliseconds(300));
  auto req = join_request();
  req.rebalance_timeout_ms = 400;
  auto started = Clock::now();
  auto resp = gw.call<JoinGroupResponse>(req, 5);
  EXPECT_EQ(resp.error_code, kNotAvailable);
  EXPECT_EQ(resp.member_id, "m-1");
  EXPECT_GE(Clock::now() - started, milliseconds(700) - kTimerSlack);

  req.session_timeout_ms = 600;  // v0: the session timeout bounds the join
  started = Clock::now();
  EXPECT_EQ(gw.call<JoinGroupResponse>(req, 0).error_code, kNotAvailable);
  EXPECT_GE(Clock::now() - started, milliseconds(900) - kTimerSlack);
}

TEST(CoordinatorUnavailable, SyncGroupOutlivesTheCallTimeoutAndShutdownAnswersIt) {
  FakeCoordinator coordinator;
  coordinator.sync_group.set_hold(true);
  SyncGroupRequest sync;
  sync.group_id = "g";
  std::future<std::string> answer;
  {
    GatewayHarness gw(coordinator.port(), milliseconds(200));
    answer = gw.start(sync, 3);
    // Parked syncs last up to the group's rebalance timeout, unknown here: far beyond 200 ms.
    EXPECT_EQ(answer.wait_for(milliseconds(1000)), std::future_status::timeout);
  }  // the client's destructor cancels the call and waits for its callback
  ASSERT_EQ(answer.wait_for(milliseconds(0)), std::future_status::ready);
  auto resp = GatewayHarness::decode<SyncGroupResponse>(answer.get(), 3);
  // The gateway stops: the client should find another.
  EXPECT_EQ(resp.error_code, to_wire(ErrorCode::COORDINATOR_NOT_AVAILABLE));
}

}  // namespace
}  // namespace groupwire::gateway::testing
