// The consumer group protocol (KIP-848) through the gateway: ConsumerGroupHeartbeat and
// ConsumerGroupDescribe translated both ways, the topic catalog sent only when the coordinator
// may need it, ACLs checked before forwarding, and both APIs offered only while the coordinators
// serve the protocol.
#include <algorithm>
#include <chrono>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "gateway_harness.h"
#include "handlers/api_versions.h"
#include "handlers/coordinator_catalog.h"
#include "kafka/error_code.h"
#include "security/acl.h"

namespace groupwire::gateway::testing {
namespace {

using namespace kafka;

constexpr Uuid kOrdersId{0x10, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15};

pb::RoutingTable serving(std::vector<std::string> protocols) {
  pb::RoutingTable table;
  table.set_group_partitions(1);
  for (auto& p : protocols) table.add_group_protocols(std::move(p));
  return table;
}

std::int64_t wall_clock_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::string bytes_of(const Uuid& id) {
  return {reinterpret_cast<const char*>(id.data()), id.size()};
}

ConsumerGroupHeartbeatRequest joining(const std::string& group) {
  ConsumerGroupHeartbeatRequest req;
  req.group_id = group;
  req.member_epoch = 0;
  req.rebalance_timeout_ms = 300000;
  req.subscribed_topic_names = std::vector<std::string>{"orders"};
  req.topic_partitions.emplace();
  return req;
}

ConsumerGroupHeartbeatRequest steady(const std::string& group, std::int32_t epoch) {
  ConsumerGroupHeartbeatRequest req;
  req.group_id = group;
  req.member_id = "member-1";
  req.member_epoch = epoch;
  return req;
}

pb::ConsumerGroupHeartbeatResponse answer(std::int32_t epoch, std::uint64_t fingerprint) {
  pb::ConsumerGroupHeartbeatResponse r;
  r.set_member_id("member-1");
  r.set_member_epoch(epoch);
  r.set_heartbeat_interval_ms(5000);
  r.set_catalog_fingerprint(fingerprint);
  return r;
}

// A coordinator serving both protocols and a gateway that knows it.
class ConsumerGroupTest : public ::testing::Test {
 protected:
  void SetUp() override {
    // Any forwarded call waits for the routing table: once answered, the gateway knows it.
    HeartbeatRequest classic;
    classic.group_id = "warm-up";
    classic.member_id = "m";
    ASSERT_EQ(gateway_.call<HeartbeatResponse>(classic, 4).error_code, 0);
  }

  std::uint64_t our_fingerprint() { return catalog_fingerprint(*gateway_.catalog().all()); }

  FakeCoordinator coordinator_;
  bool serving_ = [this] {
    coordinator_.set_routing_table(serving({"classic", "consumer"}));
    return true;
  }();
  GatewayHarness gateway_{coordinator_.port()};
};

TEST_F(ConsumerGroupTest, HeartbeatV0JoinsWithTheCatalogAndGetsItsAssignment) {
  auto reply = answer(1, our_fingerprint());
  auto* topic = reply.mutable_assignment()->add_topics();
  topic->set_topic_id(bytes_of(kOrdersId));
  topic->add_partitions(0);
  topic->add_partitions(2);
  coordinator_.consumer_group_heartbeat.set_reply(reply);
  auto req = joining("g");
  req.instance_id = "instance-1";
  req.rack_id = "rack-a";
  req.server_assignor = "uniform";
  auto before = wall_clock_ms();

  auto resp = gateway_.call<ConsumerGroupHeartbeatResponse>(req, 0);

  ASSERT_EQ(coordinator_.consumer_group_heartbeat.count(), 1u);
  auto sent = coordinator_.consumer_group_heartbeat.last();
  EXPECT_EQ(sent.group_id(), "g");
  EXPECT_EQ(sent.member_id(), "");
  EXPECT_EQ(sent.member_epoch(), 0);
  EXPECT_EQ(sent.instance_id(), "instance-1");
  EXPECT_EQ(sent.rack_id(), "rack-a");
  EXPECT_EQ(sent.rebalance_timeout_ms(), 300000);
  ASSERT_TRUE(sent.has_subscribed_topic_names());
  EXPECT_EQ(sent.subscribed_topic_names().names_size(), 1);
  EXPECT_EQ(sent.subscribed_topic_names().names(0), "orders");
  EXPECT_FALSE(sent.has_subscribed_topic_regex());
  EXPECT_EQ(sent.server_assignor(), "uniform");
  ASSERT_TRUE(sent.has_topic_partitions());
  EXPECT_EQ(sent.topic_partitions().topics_size(), 0);
  EXPECT_EQ(sent.client_id(), "test-client");
  EXPECT_EQ(sent.client_host(), "/127.0.0.1");
  EXPECT_FALSE(sent.client_generates_member_id());
  EXPECT_EQ(sent.principal(), "");
  // The catalog, in name order, with its fingerprint.
  ASSERT_TRUE(sent.has_catalog());
  EXPECT_NE(sent.catalog_fingerprint(), 0u);
  EXPECT_EQ(sent.catalog_fingerprint(), our_fingerprint());
  EXPECT_EQ(sent.catalog().fingerprint(), sent.catalog_fingerprint());
  EXPECT_LE(sent.catalog().fetched_at_ms(), before);
  EXPECT_GT(sent.catalog().fetched_at_ms(), 0);
  ASSERT_EQ(sent.catalog().topics_size(), 2);
  EXPECT_EQ(sent.catalog().topics(0).name(), "audit");
  EXPECT_EQ(sent.catalog().topics(0).partitions(), 1);
  EXPECT_EQ(sent.catalog().topics(0).topic_id(), bytes_of(derived_topic_id("audit")));
  EXPECT_EQ(sent.catalog().topics(1).name(), "orders");
  EXPECT_EQ(sent.catalog().topics(1).partitions(), 3);

  EXPECT_EQ(resp.error_code, 0);
  EXPECT_EQ(resp.error_message, std::nullopt);
  EXPECT_EQ(resp.member_id, "member-1");
  EXPECT_EQ(resp.member_epoch, 1);
  EXPECT_EQ(resp.heartbeat_interval_ms, 5000);
  ASSERT_TRUE(resp.assignment.has_value());
  ASSERT_EQ(resp.assignment->topic_partitions.size(), 1u);
  EXPECT_EQ(resp.assignment->topic_partitions[0].topic_id, kOrdersId);
  EXPECT_EQ(resp.assignment->topic_partitions[0].partitions, (std::vector<std::int32_t>{0, 2}));
}

TEST_F(ConsumerGroupTest, HeartbeatV1CarriesTheRegexAndAClientMemberIdAndAnswersNoAssignment) {
  auto reply = answer(6, our_fingerprint());
  reply.set_error_code(pb::FENCED_MEMBER_EPOCH);
  reply.set_error_message("fenced");
  coordinator_.consumer_group_heartbeat.set_reply(reply);
  auto req = steady("g", 5);
  req.subscribed_topic_regex = "ord.*";
  req.topic_partitions =
      std::vector<ConsumerGroupHeartbeatRequest::TopicPartitions>{{kOrdersId, {1}}};

  auto frame = gateway_.call_frame(req, 1);
  ASSERT_TRUE(frame);
  auto resp = GatewayHarness::decode<ConsumerGroupHeartbeatResponse>(*frame, 1);

  auto sent = coordinator_.consumer_group_heartbeat.last();
  EXPECT_EQ(sent.member_id(), "member-1");
  EXPECT_EQ(sent.member_epoch(), 5);
  EXPECT_TRUE(sent.client_generates_member_id());
  EXPECT_EQ(sent.subscribed_topic_regex(), "ord.*");
  EXPECT_FALSE(sent.has_subscribed_topic_names());
  EXPECT_FALSE(sent.has_instance_id());
  EXPECT_FALSE(sent.has_server_assignor());
  EXPECT_EQ(sent.rebalance_timeout_ms(), -1);
  ASSERT_EQ(sent.topic_partitions().topics_size(), 1);
  EXPECT_EQ(sent.topic_partitions().topics(0).topic_id(), bytes_of(kOrdersId));
  EXPECT_EQ(sent.topic_partitions().topics(0).partitions_size(), 1);
  // A new subscription: the catalog goes along.
  EXPECT_TRUE(sent.has_catalog());

  EXPECT_EQ(resp.error_code, to_wire(ErrorCode::FENCED_MEMBER_EPOCH));
  EXPECT_EQ(resp.error_message, "fenced");
  EXPECT_EQ(resp.member_epoch, 6);
  EXPECT_EQ(resp.assignment, std::nullopt);
  // On the wire: the null assignment's marker (-1), then the tag buffer.
  EXPECT_EQ(frame->substr(frame->size() - 2), std::string("\xff\x00", 2));
}

TEST_F(ConsumerGroupTest, TheCatalogGoesOnlyWhenTheCoordinatorMayNeedIt) {
  auto& seen = coordinator_.consumer_group_heartbeat;
  // The coordinator has no catalog for the group yet: even a steady heartbeat carries it.
  seen.set_reply(answer(1, 0));
  gateway_.call<ConsumerGroupHeartbeatResponse>(steady("g", 1), 0);
  EXPECT_TRUE(seen.last().has_catalog());
  // Joining always carries it; the coordinator now holds ours.
  seen.set_reply(answer(1, our_fingerprint()));
  gateway_.call<ConsumerGroupHeartbeatResponse>(joining("g"), 0);
  EXPECT_TRUE(seen.last().has_catalog());
  // It holds ours: fingerprint only.
  gateway_.call<ConsumerGroupHeartbeatResponse>(steady("g", 1), 0);
  EXPECT_FALSE(seen.last().has_catalog());
  EXPECT_EQ(seen.last().catalog_fingerprint(), our_fingerprint());
  // Another group of the same coordinator is remembered apart.
  seen.set_reply(answer(1, 0));
  gateway_.call<ConsumerGroupHeartbeatResponse>(steady("h", 1), 0);
  EXPECT_TRUE(seen.last().has_catalog());

  // The topics change: the gateway's fingerprint differs from the one the coordinator holds.
  auto old_fingerprint = our_fingerprint();
  auto before = wall_clock_ms();
  gateway_.catalog().update({{"payments", {4, {}}}}, false);
  ASSERT_NE(our_fingerprint(), old_fingerprint);
  seen.set_reply(answer(1, our_fingerprint()));
  gateway_.call<ConsumerGroupHeartbeatResponse>(steady("g", 1), 0);
  ASSERT_TRUE(seen.last().has_catalog());
  EXPECT_EQ(seen.last().catalog_fingerprint(), our_fingerprint());
  EXPECT_EQ(seen.last().catalog().topics_size(), 3);
  EXPECT_GE(seen.last().catalog().fetched_at_ms(), before);
  gateway_.call<ConsumerGroupHeartbeatResponse>(steady("g", 1), 0);
  EXPECT_FALSE(seen.last().has_catalog());
}

TEST_F(ConsumerGroupTest, FingerprintIsOfTheTopicsAlone) {
  TopicCatalog a({{"orders", 3}, {"audit", 1}});
  TopicCatalog b({{"audit", 1}, {"orders", 3}});
  EXPECT_EQ(catalog_fingerprint(*a.all()), catalog_fingerprint(*b.all()));
  b.update({{"orders", {4, {}}}}, false);
  EXPECT_NE(catalog_fingerprint(*a.all()), catalog_fingerprint(*b.all()));
  TopicCatalog recreated({{"orders", 3}, {"audit", 1}});
  recreated.update({{"orders", {3, kOrdersId}}}, false);
  EXPECT_NE(catalog_fingerprint(*a.all()), catalog_fingerprint(*recreated.all()));
  EXPECT_NE(catalog_fingerprint(TopicCatalog::Topics{}), 0u);
}

pb::ConsumerGroupDescribed described(const std::string& group) {
  pb::ConsumerGroupDescribed g;
  g.set_group_id(group);
  g.set_group_state("Stable");
  g.set_group_epoch(7);
  g.set_assignment_epoch(6);
  g.set_assignor_name("uniform");
  auto* consumer = g.add_members();
  consumer->set_member_id("c1");
  consumer->set_rack_id("rack-a");
  consumer->set_member_epoch(7);
  consumer->set_client_id("client");
  consumer->set_client_host("/10.0.0.1");
  consumer->add_subscribed_topic_names("orders");
  auto* owned = consumer->add_assignment();
  owned->set_topic_id(bytes_of(kOrdersId));
  owned->set_topic_name("orders");
  owned->add_partitions(0);
  auto* target = consumer->add_target_assignment();
  target->set_topic_id(bytes_of(kOrdersId));
  target->set_topic_name("orders");
  target->add_partitions(0);
  target->add_partitions(1);
  auto* classic = g.add_members();
  classic->set_member_id("k1");
  classic->set_instance_id("static-1");
  classic->set_subscribed_topic_regex("ord.*");
  classic->set_classic(true);
  return g;
}

TEST_F(ConsumerGroupTest, DescribeTranslatesGroupsAndMembersAtV0AndV1) {
  pb::ConsumerGroupDescribeResponse reply;
  *reply.add_groups() = described("g1");
  auto* missing = reply.add_groups();
  missing->set_group_id("g2");
  missing->set_error_code(pb::GROUP_ID_NOT_FOUND);
  missing->set_error_message("Group g2 not found.");
  coordinator_.consumer_group_describe.set_reply(reply);
  ConsumerGroupDescribeRequest req;
  req.group_ids = {"g1", "g2"};

  for (ApiVersion v : {0, 1}) {
    coordinator_.consumer_group_describe.clear();
    auto resp = gateway_.call<ConsumerGroupDescribeResponse>(req, v);
    // One call per group, each to its partition's stream.
    EXPECT_EQ(coordinator_.consumer_group_describe.count(), 2u);
    ASSERT_EQ(resp.groups.size(), 2u) << "v" << v;
    const auto& g1 = resp.groups[0];
    EXPECT_EQ(g1.error_code, 0);
    EXPECT_EQ(g1.group_id, "g1");
    EXPECT_EQ(g1.group_state, "Stable");
    EXPECT_EQ(g1.group_epoch, 7);
    EXPECT_EQ(g1.assignment_epoch, 6);
    EXPECT_EQ(g1.assignor_name, "uniform");
    EXPECT_EQ(g1.authorized_operations, INT32_MIN);
    ASSERT_EQ(g1.members.size(), 2u);
    const auto& c1 = g1.members[0];
    EXPECT_EQ(c1.member_id, "c1");
    EXPECT_EQ(c1.instance_id, std::nullopt);
    EXPECT_EQ(c1.rack_id, "rack-a");
    EXPECT_EQ(c1.member_epoch, 7);
    EXPECT_EQ(c1.client_id, "client");
    EXPECT_EQ(c1.client_host, "/10.0.0.1");
    EXPECT_EQ(c1.subscribed_topic_names, std::vector<std::string>{"orders"});
    EXPECT_EQ(c1.subscribed_topic_regex, std::nullopt);
    ASSERT_EQ(c1.assignment.topic_partitions.size(), 1u);
    EXPECT_EQ(c1.assignment.topic_partitions[0].topic_id, kOrdersId);
    EXPECT_EQ(c1.assignment.topic_partitions[0].topic_name, "orders");
    EXPECT_EQ(c1.assignment.topic_partitions[0].partitions, std::vector<std::int32_t>{0});
    ASSERT_EQ(c1.target_assignment.topic_partitions.size(), 1u);
    EXPECT_EQ(c1.target_assignment.topic_partitions[0].partitions,
              (std::vector<std::int32_t>{0, 1}));
    const auto& k1 = g1.members[1];
    EXPECT_EQ(k1.instance_id, "static-1");
    EXPECT_EQ(k1.subscribed_topic_regex, "ord.*");
    // v1 tells classic members (0) from consumer members (1); v0 cannot (-1 as decoded).
    EXPECT_EQ(c1.member_type, v >= 1 ? ConsumerGroupDescribeResponse::kConsumerMember
                                     : ConsumerGroupDescribeResponse::kUnknownMember);
    EXPECT_EQ(k1.member_type, v >= 1 ? ConsumerGroupDescribeResponse::kClassicMember
                                     : ConsumerGroupDescribeResponse::kUnknownMember);
    const auto& g2 = resp.groups[1];
    EXPECT_EQ(g2.group_id, "g2");
    EXPECT_EQ(g2.error_code, to_wire(ErrorCode::GROUP_ID_NOT_FOUND));
    EXPECT_EQ(g2.error_message, "Group g2 not found.");
  }
}

std::shared_ptr<const security::AclSet> acls(const char* text) {
  std::string error;
  auto set = security::AclSet::parse(text, error);
  EXPECT_TRUE(set) << error;
  return std::make_shared<const security::AclSet>(set ? std::move(*set) : security::AclSet{});
}

class ConsumerGroupAclTest : public ConsumerGroupTest {
 protected:
  void SetUp() override {
    gateway_.dispatcher().set_acls(
        [rules = acls("allow User:* Read group literal warm-up\n"
                      "allow User:* Read group literal g\n"
                      "allow User:* Describe group literal g\n"
                      "allow User:* Describe topic literal orders\n")] { return rules; });
    ConsumerGroupTest::SetUp();
  }
};

TEST_F(ConsumerGroupAclTest, HeartbeatNeedsReadOnTheGroupAndDescribeOnSubscribedTopics) {
  coordinator_.consumer_group_heartbeat.set_reply(answer(1, our_fingerprint()));
  auto other = gateway_.call<ConsumerGroupHeartbeatResponse>(joining("other"), 1);
  EXPECT_EQ(other.error_code, to_wire(ErrorCode::GROUP_AUTHORIZATION_FAILED));
  auto both = joining("g");
  both.subscribed_topic_names = std::vector<std::string>{"orders", "audit"};
  auto hidden = gateway_.call<ConsumerGroupHeartbeatResponse>(both, 1);
  EXPECT_EQ(hidden.error_code, to_wire(ErrorCode::TOPIC_AUTHORIZATION_FAILED));
  EXPECT_EQ(coordinator_.consumer_group_heartbeat.count(), 0u);

  auto allowed = gateway_.call<ConsumerGroupHeartbeatResponse>(joining("g"), 1);
  EXPECT_EQ(allowed.error_code, 0);
  EXPECT_EQ(allowed.member_epoch, 1);
  EXPECT_EQ(coordinator_.consumer_group_heartbeat.count(), 1u);
}

TEST_F(ConsumerGroupAclTest, DescribeAnswersRefusedGroupsFirstAndHidesGroupsWithHiddenTopics) {
  pb::ConsumerGroupDescribeResponse reply;
  *reply.add_groups() = described("g");
  coordinator_.consumer_group_describe.set_reply(reply);
  ConsumerGroupDescribeRequest req;
  req.group_ids = {"g", "other"};

  auto resp = gateway_.call<ConsumerGroupDescribeResponse>(req, 1);
  ASSERT_EQ(coordinator_.consumer_group_describe.count(), 1u);
  auto sent = coordinator_.consumer_group_describe.last();
  ASSERT_EQ(sent.group_ids_size(), 1);
  EXPECT_EQ(sent.group_ids(0), "g");
  ASSERT_EQ(resp.groups.size(), 2u);
  EXPECT_EQ(resp.groups[0].group_id, "other");
  EXPECT_EQ(resp.groups[0].error_code, to_wire(ErrorCode::GROUP_AUTHORIZATION_FAILED));
  EXPECT_EQ(resp.groups[1].group_id, "g");
  EXPECT_EQ(resp.groups[1].error_code, 0);
  EXPECT_EQ(resp.groups[1].members.size(), 2u);

  // A member assigned a topic the principal may not describe: the group is not shown.
  auto* audit = reply.mutable_groups(0)->mutable_members(0)->add_target_assignment();
  audit->set_topic_name("audit");
  coordinator_.consumer_group_describe.set_reply(reply);
  resp = gateway_.call<ConsumerGroupDescribeResponse>(req, 1);
  ASSERT_EQ(resp.groups.size(), 2u);
  EXPECT_EQ(resp.groups[1].group_id, "g");
  EXPECT_EQ(resp.groups[1].error_code, to_wire(ErrorCode::TOPIC_AUTHORIZATION_FAILED));
  EXPECT_TRUE(resp.groups[1].error_message.has_value());
  EXPECT_TRUE(resp.groups[1].members.empty());

  // Only refused groups: the coordinator is not asked.
  coordinator_.consumer_group_describe.clear();
  req.group_ids = {"other"};
  resp = gateway_.call<ConsumerGroupDescribeResponse>(req, 0);
  ASSERT_EQ(resp.groups.size(), 1u);
  EXPECT_EQ(resp.groups[0].error_code, to_wire(ErrorCode::GROUP_AUTHORIZATION_FAILED));
  EXPECT_EQ(coordinator_.consumer_group_describe.count(), 0u);
}

bool advertises(const ApiVersionsResponse& resp, ApiKey key) {
  return std::any_of(resp.api_keys.begin(), resp.api_keys.end(), [&](const auto& api) {
    return api.api_key == static_cast<std::int16_t>(key);
  });
}

std::string address(const FakeCoordinator& c) {
  return "127.0.0.1:" + std::to_string(c.port());
}

// `owner` serves the only partition; the coordinators serve `protocols`.
pb::RoutingTable cluster(const FakeCoordinator& owner, std::vector<std::string> protocols) {
  auto table = serving(std::move(protocols));
  table.set_clustered(true);
  auto* o = table.add_owners();
  o->set_partition(0);
  o->set_coordinator(address(owner));
  o->set_epoch(1);
  return table;
}

TEST(ConsumerProtocolOffer, OfferedOnlyWhileTheRoutingTableSaysTheCoordinatorsServeIt) {
  FakeCoordinator a;
  FakeCoordinator b;
  // An older coordinator: it names no protocols, so only the classic one.
  a.set_routing_table(cluster(a, {}));
  GatewayHarness gateway({.coordinators = {{"127.0.0.1", static_cast<std::uint16_t>(a.port())}},
                          .call_timeout = std::chrono::seconds(5),
                          .channels = 1});
  add_api_versions_handler(gateway.dispatcher());
  HeartbeatRequest classic;
  classic.group_id = "g";
  classic.member_id = "m";
  ASSERT_EQ(gateway.call<HeartbeatResponse>(classic, 4).error_code, 0);

  auto versions = gateway.call<ApiVersionsResponse>(ApiVersionsRequest{}, 2);
  EXPECT_TRUE(advertises(versions, ApiKey::Heartbeat));
  EXPECT_FALSE(advertises(versions, ApiKey::ConsumerGroupHeartbeat));
  EXPECT_FALSE(advertises(versions, ApiKey::ConsumerGroupDescribe));
  // Sent anyway: what a broker without the API does, as for an unknown key.
  auto result = gateway.dispatcher().dispatch(request_frame(joining("g"), 0, 1), "127.0.0.1",
                                              [](std::string) {});
  EXPECT_EQ(result.outcome, DispatchOutcome::kUnsupported);
  EXPECT_EQ(a.consumer_group_heartbeat.count(), 0u);

  // The partition moves to b and the coordinators now serve the consumer protocol: a refuses,
  // the gateway reads the new table and resends to b. Answered, the table is known.
  pb::HeartbeatResponse refusal;
  refusal.set_error_code(pb::NOT_COORDINATOR);
  a.heartbeat.set_reply(refusal);
  for (auto* c : {&a, &b}) c->set_routing_table(cluster(b, {"classic", "consumer"}));
  ASSERT_EQ(gateway.call<HeartbeatResponse>(classic, 4).error_code, 0);
  ASSERT_EQ(b.heartbeat.count(), 1u);

  versions = gateway.call<ApiVersionsResponse>(ApiVersionsRequest{}, 2);
  auto heartbeat =
      std::find_if(versions.api_keys.begin(), versions.api_keys.end(), [](const auto& api) {
        return api.api_key == static_cast<std::int16_t>(ApiKey::ConsumerGroupHeartbeat);
      });
  ASSERT_NE(heartbeat, versions.api_keys.end());
  EXPECT_EQ(heartbeat->min_version, 0);
  EXPECT_EQ(heartbeat->max_version, 1);
  EXPECT_TRUE(advertises(versions, ApiKey::ConsumerGroupDescribe));
  b.consumer_group_heartbeat.set_reply(answer(1, 1));
  EXPECT_EQ(gateway.call<ConsumerGroupHeartbeatResponse>(joining("g"), 1).member_epoch, 1);
  EXPECT_EQ(b.consumer_group_heartbeat.count(), 1u);
}

}  // namespace
}  // namespace groupwire::gateway::testing
