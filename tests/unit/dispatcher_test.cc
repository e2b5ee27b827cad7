// The dispatcher and the gateway's own handlers, driven with encoded frames.
#include "server/dispatcher.h"

#include <algorithm>
#include <atomic>

#include <gtest/gtest.h>

#include "gateway_test_support.h"
#include "handlers/api_versions.h"
#include "handlers/find_coordinator.h"
#include "handlers/metadata.h"
#include "kafka/error_code.h"

namespace groupwire::gateway {
namespace {

using namespace kafka;
using testing::decode_response_frame;
using testing::request_frame;

class DispatcherTest : public ::testing::Test {
 protected:
  DispatcherTest() {
    identity_.node_id = 7;
    identity_.advertised = {"gw.example", 19092};
    add_metadata_handler(
        dispatcher_, identity_,
        std::make_shared<TopicCatalog>(std::vector<TopicSpec>{{"orders", 3}, {"audit", 1}}));
    add_find_coordinator_handler(dispatcher_, identity_);
    add_api_versions_handler(dispatcher_);
  }

  // Dispatches and returns the response frame; the gateway's own handlers answer synchronously.
  std::string call(const std::string& frame,
                   DispatchOutcome expected = DispatchOutcome::kDispatched) {
    std::string response;
    auto result = dispatcher_.dispatch(frame, "127.0.0.1", [&](std::string r) { response = r; });
    EXPECT_EQ(result.outcome, expected) << result.reason;
    return response;
  }

  template <TopLevelMessage Resp, TopLevelMessage Req>
  Resp roundtrip(const Req& req, ApiVersion version) {
    std::string frame = call(request_frame(req, version, 99));
    Resp resp;
    EXPECT_EQ(decode_response_frame(frame, version, resp), 99);
    return resp;
  }

  BrokerIdentity identity_;
  Dispatcher dispatcher_;
};

TEST_F(DispatcherTest, UnsupportedApiVersionsVersionGetsV0FallbackBytes) {
  ApiVersionsRequest req;
  std::string frame = request_frame(req, 4, 0x0c0c0c0c);
  frame[3] = 9;  // ApiVersions v9: newer than we know
  std::string response = call(frame);
  // Kafka's answer (KIP-511): v0 body, UNSUPPORTED_VERSION, our range for ApiVersions only.
  const unsigned char expected[] = {0x00, 0x00, 0x00, 0x10, 0x0c, 0x0c, 0x0c, 0x0c, 0x00, 0x23,
                                    0x00, 0x00, 0x00, 0x01, 0x00, 0x12, 0x00, 0x00, 0x00, 0x04};
  EXPECT_EQ(response, std::string(reinterpret_cast<const char*>(expected), sizeof expected));
}

TEST_F(DispatcherTest, ApiVersionsAdvertisesExactlyTheRegisteredApis) {
  for (ApiVersion v = 0; v <= 4; ++v) {
    ApiVersionsRequest req;
    req.client_software_name = "librdkafka";
    req.client_software_version = "2.0.2";
    auto resp = roundtrip<ApiVersionsResponse>(req, v);
    EXPECT_EQ(resp.error_code, 0) << "v" << v;
    ASSERT_EQ(resp.api_keys.size(), 3u);
    EXPECT_EQ(resp.api_keys[0].api_key, 3);  // Metadata 0-12
    EXPECT_EQ(resp.api_keys[0].max_version, 12);
    EXPECT_EQ(resp.api_keys[1].api_key, 10);  // FindCoordinator 0-6
    EXPECT_EQ(resp.api_keys[1].max_version, 6);
    EXPECT_EQ(resp.api_keys[2].api_key, 18);  // ApiVersions 0-4
    EXPECT_EQ(resp.api_keys[2].max_version, 4);
  }
}

TEST_F(DispatcherTest, AnApiOffersItselfOnlyWhileItsConditionHolds) {
  std::atomic<bool> offered{false};
  dispatcher_.add<ConsumerGroupDescribeRequest, ConsumerGroupDescribeResponse>(
      [](const RequestContext&, ConsumerGroupDescribeRequest,
         Respond<ConsumerGroupDescribeResponse> respond) { respond({}); });
  dispatcher_.offer_while(static_cast<std::int16_t>(ApiKey::ConsumerGroupDescribe),
                          [&offered] { return offered.load(); });
  auto offers = [&] {
    auto resp = roundtrip<ApiVersionsResponse>(ApiVersionsRequest{}, 2);
    return std::any_of(resp.api_keys.begin(), resp.api_keys.end(), [](const auto& api) {
      return api.api_key == static_cast<std::int16_t>(ApiKey::ConsumerGroupDescribe);
    });
  };
  auto describe = request_frame(ConsumerGroupDescribeRequest{}, 0, 1);
  EXPECT_TRUE(dispatcher_.serves(static_cast<std::int16_t>(ApiKey::ConsumerGroupDescribe)));
  EXPECT_FALSE(offers());
  call(describe, DispatchOutcome::kUnsupported);
  offered = true;
  EXPECT_TRUE(offers());
  call(describe);
  offered = false;
  EXPECT_FALSE(offers());
  call(describe, DispatchOutcome::kUnsupported);
}

TEST_F(DispatcherTest, ApiVersionsV3RejectsBadClientSoftwareName) {
  ApiVersionsRequest req;
  req.client_software_name = "-bad name";
  req.client_software_version = "1.0";
  auto resp = roundtrip<ApiVersionsResponse>(req, 3);
  EXPECT_EQ(resp.error_code, to_wire(ErrorCode::INVALID_REQUEST));
  EXPECT_TRUE(resp.api_keys.empty());
}

TEST_F(DispatcherTest, UnknownApiOrVersionIsUnsupported) {
  HeartbeatRequest hb;  // no Heartbeat handler registered here
  call(request_frame(hb, 0, 1), DispatchOutcome::kUnsupported);
  MetadataRequest md;
  std::string frame = request_frame(md, 12, 1);
  frame[3] = 13;
  call(frame, DispatchOutcome::kUnsupported);
  std::string unknown = frame;
  unknown[1] = 99;
  call(unknown, DispatchOutcome::kUnsupported);
  unknown[0] = '\xff';  // negative key
  call(unknown, DispatchOutcome::kUnsupported);
}

TEST_F(DispatcherTest, MalformedBodyOrHeader) {
  FindCoordinatorRequest req;
  req.key = "group";
  std::string frame = request_frame(req, 1, 5);
  call(frame.substr(0, frame.size() - 2), DispatchOutcome::kMalformed);
  call(frame.substr(0, 3), DispatchOutcome::kMalformed);
  call(frame.substr(0, 9), DispatchOutcome::kMalformed);  // client_id cut short
}

TEST_F(DispatcherTest, MetadataAllTopicsForms) {
  MetadataRequest v0;  // v0: empty list means all topics
  auto resp = roundtrip<MetadataResponse>(v0, 0);
  ASSERT_EQ(resp.brokers.size(), 1u);
  EXPECT_EQ(resp.brokers[0].node_id, 7);
  EXPECT_EQ(resp.brokers[0].host, "gw.example");
  EXPECT_EQ(resp.brokers[0].port, 19092);
  EXPECT_EQ(resp.topics.size(), 2u);

  MetadataRequest empty;  // v1+: empty means none
  EXPECT_TRUE(roundtrip<MetadataResponse>(empty, 1).topics.empty());

  MetadataRequest all;
  all.topics.reset();  // v1+: null means all
  auto r12 = roundtrip<MetadataResponse>(all, 12);
  ASSERT_EQ(r12.topics.size(), 2u);
  EXPECT_EQ(r12.controller_id, 7);
  EXPECT_EQ(r12.cluster_id, "groupwire");
}

TEST_F(DispatcherTest, MetadataNamedTopics) {
  MetadataRequest req;
  req.topics = std::vector<MetadataRequest::Topic>{{{}, "orders"}, {{}, "missing"}};
  auto resp = roundtrip<MetadataResponse>(req, 9);
  ASSERT_EQ(resp.topics.size(), 2u);
  EXPECT_EQ(resp.topics[0].name, "orders");
  EXPECT_EQ(resp.topics[0].error_code, 0);
  ASSERT_EQ(resp.topics[0].partitions.size(), 3u);
  EXPECT_EQ(resp.topics[0].partitions[2].partition_index, 2);
  EXPECT_EQ(resp.topics[0].partitions[2].leader_id, 7);
  EXPECT_EQ(resp.topics[1].error_code, to_wire(ErrorCode::UNKNOWN_TOPIC_OR_PARTITION));
}

TEST_F(DispatcherTest, MetadataTopicsByIdAndWithTheirIds) {
  MetadataRequest req;
  req.topics = std::vector<MetadataRequest::Topic>{{derived_topic_id("orders"), std::nullopt}};
  auto resp = roundtrip<MetadataResponse>(req, 12);
  ASSERT_EQ(resp.topics.size(), 1u);
  EXPECT_EQ(resp.topics[0].name, "orders");
  EXPECT_EQ(resp.topics[0].topic_id, derived_topic_id("orders"));
  EXPECT_EQ(resp.topics[0].partitions.size(), 3u);
}

TEST_F(DispatcherTest, FindCoordinatorNamesThisGatewayForGroups) {
  FindCoordinatorRequest req;
  req.key = "payments";
  for (ApiVersion v = 0; v <= 3; ++v) {
    auto resp = roundtrip<FindCoordinatorResponse>(req, v);
    EXPECT_EQ(resp.error_code, 0) << "v" << v;
    EXPECT_EQ(resp.node_id, 7);
    EXPECT_EQ(resp.host, "gw.example");
    EXPECT_EQ(resp.port, 19092);
  }
}

TEST_F(DispatcherTest, FindCoordinatorBatchedKeys) {
  FindCoordinatorRequest req;
  req.coordinator_keys = {"a", "b"};
  auto resp = roundtrip<FindCoordinatorResponse>(req, 4);
  ASSERT_EQ(resp.coordinators.size(), 2u);
  EXPECT_EQ(resp.coordinators[1].key, "b");
  EXPECT_EQ(resp.coordinators[1].node_id, 7);
  EXPECT_EQ(resp.coordinators[1].error_code, 0);
}

TEST_F(DispatcherTest, FindCoordinatorShareKeyBelowV6IsInvalid) {
  FindCoordinatorRequest req;
  req.coordinator_keys = {"s"};
  req.key_type = 2;
  EXPECT_EQ(roundtrip<FindCoordinatorResponse>(req, 5).coordinators[0].error_code,
            to_wire(ErrorCode::INVALID_REQUEST));
  req.key_type = 1;  // transactions are not coordinated here
  auto resp = roundtrip<FindCoordinatorResponse>(req, 5);
  EXPECT_EQ(resp.coordinators[0].error_code, to_wire(ErrorCode::COORDINATOR_NOT_AVAILABLE));
  EXPECT_EQ(resp.coordinators[0].node_id, -1);
}

}  // namespace
}  // namespace groupwire::gateway
