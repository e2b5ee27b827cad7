// A gateway in front of a cluster of two (fake) coordinators: each call goes to the coordinator
// that owns its group's partition, a refused call follows the partition to its new owner, calls
// naming several groups are split among their owners.
#include <atomic>
#include <chrono>
#include <string>

#include <gtest/gtest.h>

#include "gateway_harness.h"
#include "kafka/error_code.h"
#include "kafka/group_hash.h"

namespace groupwire::gateway::testing {
namespace {

using namespace kafka;
using namespace std::chrono_literals;

constexpr std::size_t kPartitions = 2;

// The first of group-0, group-1, ... in `partition`.
std::string group_in(std::size_t partition) {
  for (int i = 0;; ++i) {
    std::string id = "group-" + std::to_string(i);
    if (partition_for(id, kPartitions) == partition) return id;
  }
}

std::string address(const FakeCoordinator& c) {
  return "127.0.0.1:" + std::to_string(c.port());
}

// Partition 0 served by `first`, partition 1 by `second`.
pb::RoutingTable cluster(const FakeCoordinator& first, const FakeCoordinator& second) {
  pb::RoutingTable table;
  table.set_group_partitions(kPartitions);
  table.set_clustered(true);
  int p = 0;
  for (const auto* owner : {&first, &second}) {
    auto* o = table.add_owners();
    o->set_partition(p++);
    o->set_coordinator(address(*owner));
    o->set_epoch(1);
  }
  return table;
}

HeartbeatRequest heartbeat(const std::string& group) {
  HeartbeatRequest req;
  req.group_id = group;
  req.generation_id = 1;
  req.member_id = "m";
  return req;
}

class RoutingTest : public ::testing::Test {
 protected:
  void SetUp() override {
    for (auto* c : {&a_, &b_}) c->set_routing_table(cluster(a_, b_));
  }

  GatewayHarness& gateway(std::chrono::milliseconds call_timeout = 5s) {
    if (!gateway_) {
      gateway_.emplace(CoordinatorClientOptions{
          .coordinators = {{"127.0.0.1", static_cast<std::uint16_t>(a_.port())}},
          .call_timeout = call_timeout,
          .channels = 1,
          .on_failure = {},
          .on_reroute = [this] { ++reroutes_; }});
    }
    return *gateway_;
  }

  FakeCoordinator a_;
  FakeCoordinator b_;
  std::atomic<int> reroutes_{0};
  std::optional<GatewayHarness> gateway_;
};

TEST_F(RoutingTest, EachCallGoesToItsPartitionsOwner) {
  auto& gw = gateway();
  EXPECT_EQ(gw.call<HeartbeatResponse>(heartbeat(group_in(0)), 3).error_code, 0);
  EXPECT_EQ(gw.call<HeartbeatResponse>(heartbeat(group_in(1)), 3).error_code, 0);
  EXPECT_EQ(gw.call<HeartbeatResponse>(heartbeat(group_in(1)), 3).error_code, 0);
  ASSERT_EQ(a_.heartbeat.count(), 1u);
  EXPECT_EQ(a_.heartbeat.last().group_id(), group_in(0));
  ASSERT_EQ(b_.heartbeat.count(), 2u);
  EXPECT_EQ(b_.heartbeat.last().group_id(), group_in(1));
  EXPECT_EQ(reroutes_, 0);
}

TEST_F(RoutingTest, ARefusedCallFollowsThePartitionToItsNewOwner) {
  auto& gw = gateway();
  EXPECT_EQ(gw.call<HeartbeatResponse>(heartbeat(group_in(0)), 3).error_code, 0);
  // Partition 0 moves to b; a, which the gateway still takes for its owner, refuses.
  pb::HeartbeatResponse refusal;
  refusal.set_error_code(pb::NOT_COORDINATOR);
  a_.heartbeat.set_reply(refusal);
  for (auto* c : {&a_, &b_}) c->set_routing_table(cluster(b_, b_));

  EXPECT_EQ(gw.call<HeartbeatResponse>(heartbeat(group_in(0)), 3).error_code, 0);
  EXPECT_EQ(a_.heartbeat.count(), 2u);
  EXPECT_EQ(b_.heartbeat.count(), 1u);
  EXPECT_EQ(reroutes_, 1);
  // Later calls go straight to b.
  EXPECT_EQ(gw.call<HeartbeatResponse>(heartbeat(group_in(0)), 3).error_code, 0);
  EXPECT_EQ(a_.heartbeat.count(), 2u);
  EXPECT_EQ(b_.heartbeat.count(), 2u);
}

// A partition moves while a call is on its way to the old owner: the partition's later calls
// wait until it is answered (here: until it times out) before going to the new owner, so they
// cannot overtake it.
TEST_F(RoutingTest, CallsAfterAMoveWaitForTheCallsStillOnTheirWayToTheOldOwner) {
  auto& gw = gateway(500ms);
  EXPECT_EQ(gw.call<HeartbeatResponse>(heartbeat(group_in(0)), 3).error_code, 0);
  a_.offset_commit.set_hold(true);
  OffsetCommitRequest commit;
  commit.group_id = group_in(0);
  commit.generation_id_or_member_epoch = -1;
  commit.topics = {{"orders", {{0, 5}}}};
  auto committed = gw.start(commit, 8);

  // Both partitions move; the gateway learns it from b refusing a call of partition 1.
  pb::HeartbeatResponse refusal;
  refusal.set_error_code(pb::NOT_COORDINATOR);
  b_.heartbeat.set_reply(refusal);
  for (auto* c : {&a_, &b_}) c->set_routing_table(cluster(b_, a_));
  EXPECT_EQ(gw.call<HeartbeatResponse>(heartbeat(group_in(1)), 3).error_code, 0);
  b_.heartbeat.set_reply(pb::HeartbeatResponse());

  auto beat = gw.start(heartbeat(group_in(0)), 3);
  ASSERT_EQ(beat.wait_for(kAnswerBound), std::future_status::ready);
  EXPECT_EQ(GatewayHarness::decode<HeartbeatResponse>(beat.get(), 3).error_code, 0);
  EXPECT_EQ(committed.wait_for(0s), std::future_status::ready)
      << "the heartbeat overtook the commit still on its way to the old owner";
  EXPECT_EQ(b_.heartbeat.count(), 2u);  // the refused one, then this one
}

TEST_F(RoutingTest, WithoutAnOwnerInTimeTheClientGetsTheRefusal) {
  auto& gw = gateway(300ms);
  pb::OffsetCommitResponse refusal;
  auto* t = refusal.add_topics();
  t->set_name("orders");
  auto* p = t->add_partitions();
  p->set_partition_index(0);
  p->set_error_code(pb::COORDINATOR_LOAD_IN_PROGRESS);
  a_.offset_commit.set_reply(refusal);

  OffsetCommitRequest commit;
  commit.group_id = group_in(0);
  commit.generation_id_or_member_epoch = -1;
  commit.topics = {{"orders", {{0, 5}}}};
  auto started = std::chrono::steady_clock::now();
  auto resp = gw.call<OffsetCommitResponse>(commit, 8);
  auto took = std::chrono::steady_clock::now() - started;
  ASSERT_EQ(resp.topics.size(), 1u);
  EXPECT_EQ(resp.topics[0].partitions[0].error_code,
            to_wire(ErrorCode::COORDINATOR_LOAD_IN_PROGRESS));
  EXPECT_GE(took, 300ms);
  // Asked again while the time lasted, spaced out.
  EXPECT_GE(a_.offset_commit.count(), 2u);
  EXPECT_LE(a_.offset_commit.count(), 10u);
}

TEST_F(RoutingTest, APartitionWithoutOwnerWaitsForOne) {
  pb::RoutingTable unowned = cluster(a_, b_);
  unowned.mutable_owners()->DeleteSubrange(0, 1);  // partition 0: no owner (a lease expired)
  for (auto* c : {&a_, &b_}) c->set_routing_table(unowned);
  auto& gw = gateway();

  auto answer = gw.start(heartbeat(group_in(0)), 3);
  // The call waits, asking for the table again, until an owner appears.
  ASSERT_TRUE(a_.wait_for_routing_table_reads(3, kAnswerBound));
  EXPECT_EQ(answer.wait_for(0s), std::future_status::timeout);
  for (auto* c : {&a_, &b_}) c->set_routing_table(cluster(b_, b_));
  ASSERT_EQ(answer.wait_for(kAnswerBound), std::future_status::ready);
  EXPECT_EQ(GatewayHarness::decode<HeartbeatResponse>(answer.get(), 3).error_code, 0);
  EXPECT_EQ(a_.heartbeat.count(), 0u);
  EXPECT_EQ(b_.heartbeat.count(), 1u);
}

TEST_F(RoutingTest, CallsNamingSeveralGroupsAreSplitAmongTheirOwners) {
  pb::DescribeGroupsResponse described;
  for (std::size_t p : {0u, 1u}) {
    auto* g = described.add_groups();
    g->set_group_id(group_in(p));
    g->set_group_state("Stable");
  }
  a_.describe_groups.set_reply(described);
  b_.describe_groups.set_reply(described);
  auto& gw = gateway();

  DescribeGroupsRequest req;
  req.groups = {group_in(1), group_in(0)};
  auto resp = gw.call<DescribeGroupsResponse>(req, 5);
  ASSERT_EQ(resp.groups.size(), 2u);
  EXPECT_EQ(resp.groups[0].group_id, group_in(1));  // in the request's order
  EXPECT_EQ(resp.groups[1].group_id, group_in(0));
  ASSERT_EQ(a_.describe_groups.count(), 1u);
  EXPECT_EQ(a_.describe_groups.last().group_ids(0), group_in(0));
  ASSERT_EQ(b_.describe_groups.count(), 1u);
  EXPECT_EQ(b_.describe_groups.last().group_ids(0), group_in(1));
}

TEST_F(RoutingTest, ListGroupsAsksEachPartitionsOwner) {
  for (auto [c, p] : {std::pair{&a_, 0u}, std::pair{&b_, 1u}}) {
    pb::ListGroupsResponse listed;
    auto* g = listed.add_groups();
    g->set_group_id(group_in(p));
    g->set_protocol_type("consumer");
    c->list_groups.set_reply(listed);
  }
  auto& gw = gateway();
  auto resp = gw.call<ListGroupsResponse>(ListGroupsRequest{}, 4);
  EXPECT_EQ(resp.error_code, 0);
  ASSERT_EQ(resp.groups.size(), 2u);
  ASSERT_EQ(a_.list_groups.count(), 1u);
  ASSERT_EQ(a_.list_groups.last().group_partitions_size(), 1);
  EXPECT_EQ(a_.list_groups.last().group_partitions(0), 0);
  ASSERT_EQ(b_.list_groups.count(), 1u);
  EXPECT_EQ(b_.list_groups.last().group_partitions(0), 1);

  // One owner does not answer in time: the listing is incomplete, so it fails (retriable: in a
  // cluster, as a partition being loaded by a new owner).
  b_.list_groups.set_hold(true);
  auto short_gw = GatewayHarness(CoordinatorClientOptions{
      .coordinators = {{"127.0.0.1", static_cast<std::uint16_t>(a_.port())}},
      .call_timeout = 300ms});
  EXPECT_EQ(short_gw.call<ListGroupsResponse>(ListGroupsRequest{}, 4).error_code,
            to_wire(ErrorCode::COORDINATOR_LOAD_IN_PROGRESS));
}

// The owner is gone (killed; its lease not expired yet): the call may have taken effect, so it is
// not resent, and the client is told its group is being loaded, not to look for another
// coordinator (which would be this gateway again).
TEST_F(RoutingTest, AnUnreachableOwnerAnswersLoadInProgressInACluster) {
  pb::RoutingTable gone = cluster(a_, b_);
  gone.mutable_owners(1)->set_coordinator("127.0.0.1:" + std::to_string(unused_port()));
  a_.set_routing_table(gone);
  auto& gw = gateway();
  EXPECT_EQ(gw.call<HeartbeatResponse>(heartbeat(group_in(1)), 3).error_code,
            to_wire(ErrorCode::COORDINATOR_LOAD_IN_PROGRESS));
  EXPECT_EQ(gw.call<HeartbeatResponse>(heartbeat(group_in(0)), 3).error_code, 0);
}

TEST_F(RoutingTest, AnyNamedCoordinatorGivesTheTable) {
  GatewayHarness gw(CoordinatorClientOptions{
      .coordinators = {{"127.0.0.1", static_cast<std::uint16_t>(unused_port())},
                       {"127.0.0.1", static_cast<std::uint16_t>(b_.port())}}});
  EXPECT_EQ(gw.call<HeartbeatResponse>(heartbeat(group_in(0)), 3).error_code, 0);
  EXPECT_EQ(a_.heartbeat.count(), 1u);
  EXPECT_EQ(b_.routing_table_reads(), 1u);
}

}  // namespace
}  // namespace groupwire::gateway::testing
