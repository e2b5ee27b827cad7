// discover_upstream against a fake broker: ApiVersions v0, then Metadata in the newest version
// both sides speak; trying each address in turn.
#include "upstream/upstream_cluster.h"

#include <chrono>
#include <future>
#include <memory>
#include <thread>

#include <gtest/gtest.h>

#include "kafka/codec/frame.h"
#include "kafka_broker_script.h"

namespace groupwire::gateway {
namespace {

using namespace std::chrono_literals;
using testing::closed_port;
using testing::FakeBroker;
using testing::kafka_script;
using testing::request_api_key;
using testing::request_api_version;
using testing::request_correlation_id;
using testing::two_broker_cluster;

void expect_two_broker_cluster(const UpstreamInfo& info) {
  ASSERT_EQ(info.apis.size(), 5u);
  auto produce = info.versions(0);
  ASSERT_TRUE(produce);
  EXPECT_EQ(produce->lo, 0);
  EXPECT_EQ(produce->hi, 7);
  auto fetch = info.versions(1);
  ASSERT_TRUE(fetch);
  EXPECT_EQ(fetch->hi, 11);
  EXPECT_FALSE(info.versions(2)) << "ListOffsets is not served";
  EXPECT_EQ(info.metadata_version, 2);
  ASSERT_EQ(info.brokers.size(), 2u);
  EXPECT_EQ(info.brokers.at(1), (HostPort{"kafka-1.internal", 9092}));
  EXPECT_EQ(info.brokers.at(2), (HostPort{"kafka-2.internal", 9093}));
  EXPECT_EQ(info.topics, (TopicCatalog::Topics{{"orders", {3}}, {"audit", {1}}}));
}

TEST(DiscoverUpstream, LearnsApisBrokersAndTopics) {
  FakeBroker broker(kafka_script(two_broker_cluster()));
  std::string error;
  auto info = discover_upstream({broker.address()}, {}, 2000ms, error);
  ASSERT_TRUE(info) << error;
  expect_two_broker_cluster(*info);

  auto seen = broker.wait_for_requests(2);
  ASSERT_TRUE(seen);
  ASSERT_EQ(seen->size(), 2u);
  EXPECT_EQ(request_api_key((*seen)[0]), 18);
  EXPECT_EQ(request_api_version((*seen)[0]), 0) << "v0 is answered in full by every broker";
  EXPECT_EQ(request_api_key((*seen)[1]), 3);
  EXPECT_EQ(request_api_version((*seen)[1]), 2);
  EXPECT_NE(request_correlation_id((*seen)[0]), request_correlation_id((*seen)[1]));
  kafka::RequestHeader header;
  kafka::MetadataRequest req;
  ASSERT_TRUE(testing::decode_request((*seen)[1], header, req));
  EXPECT_FALSE(req.topics) << "null: all topics";
}

TEST(DiscoverUpstream, MetadataVersionIsCappedByWhatTheGatewaySpeaks) {
  auto cluster = two_broker_cluster();
  cluster.apis[2] = {3, 0, 20};  // Metadata 0-20
  cluster.metadata_version = kafka::MetadataRequest::kValid.hi;
  FakeBroker broker(kafka_script(cluster));
  std::string error;
  auto info = discover_upstream({broker.address()}, {}, 2000ms, error);
  ASSERT_TRUE(info) << error;
  EXPECT_EQ(info->metadata_version, kafka::MetadataRequest::kValid.hi);
  EXPECT_EQ(info->topics.size(), 2u);
}

TEST(DiscoverUpstream, MetadataV0AsksForAllTopicsWithAnEmptyList) {
  auto cluster = two_broker_cluster();
  cluster.apis[2] = {3, 0, 0};
  cluster.metadata_version = 0;
  FakeBroker broker(kafka_script(cluster));
  std::string error;
  auto info = discover_upstream({broker.address()}, {}, 2000ms, error);
  ASSERT_TRUE(info) << error;
  EXPECT_EQ(info->metadata_version, 0);
  EXPECT_EQ(info->topics, (TopicCatalog::Topics{{"orders", {3}}, {"audit", {1}}}));
}

TEST(DiscoverUpstream, TopicsWithAnErrorAreLeftOut) {
  auto cluster = two_broker_cluster();
  // A third topic, listed with an error.
  cluster.topics["broken"] = 2;
  FakeBroker broker([cluster](const std::string& frame, int connection) {
    if (request_api_key(frame) == 3) {
      kafka::MetadataRequest all;
      all.topics.reset();
      auto resp = testing::metadata_answer(cluster, all);
      for (auto& t : resp.topics) {
        if (t.name == "broken") t.error_code = 5;  // LEADER_NOT_AVAILABLE
      }
      return testing::BrokerAction{{Dispatcher::encode_response_frame(
          resp, request_api_version(frame), request_correlation_id(frame))}};
    }
    return kafka_script(cluster)(frame, connection);
  });
  std::string error;
  auto info = discover_upstream({broker.address()}, {}, 2000ms, error);
  ASSERT_TRUE(info) << error;
  EXPECT_EQ(info->topics, (TopicCatalog::Topics{{"orders", {3}}, {"audit", {1}}}));
}

// ListOffsets answered as librdkafka 2.0.2's mock does: v4+ leader epochs written as int64.
testing::BrokerAction list_offsets_answer(const std::string& frame, int) {
  if (request_api_key(frame) != 2) return {{}, true};
  kafka::RequestHeader header;
  kafka::ListOffsetsRequest req;
  if (!testing::decode_request(frame, header, req)) return {{}, true};
  // UNKNOWN_TOPIC_OR_PARTITION: the probe's topic need not exist.
  auto resp = testing::list_offsets_answer(
      req, [](kafka::ListOffsetsResponse::Partition& p) { p.error_code = 3; });
  std::string answer =
      Dispatcher::encode_response_frame(resp, header.api_version, header.correlation_id);
  if (header.api_version >= 4 && resp.topics.size() == 1 && resp.topics[0].partitions.size() == 1) {
    // The last partition's epoch, widened: four more bytes of 0xff.
    answer += std::string(4, '\xff');
    kafka::patch_frame_size(answer);
  }
  return {{answer}};
}

TEST(DiscoverUpstream, ListOffsetsVersionsAnsweredMalformedAreNotServed) {
  auto cluster = two_broker_cluster();
  cluster.apis.push_back({2, 0, 5});
  FakeBroker broker(kafka_script(cluster, list_offsets_answer));
  std::string error;
  auto info = discover_upstream({broker.address()}, {}, 2000ms, error);
  ASSERT_TRUE(info) << error;
  auto list_offsets = info->versions(2);
  ASSERT_TRUE(list_offsets);
  EXPECT_EQ(list_offsets->lo, 0);
  EXPECT_EQ(list_offsets->hi, 3);
  auto seen = broker.wait_for_requests(5);
  ASSERT_TRUE(seen);
  ASSERT_EQ(seen->size(), 5u) << "v5, v4, then v3 asked";
  for (int i = 2; i < 5; ++i) EXPECT_EQ(request_api_version((*seen)[i]), 7 - i);
}

TEST(DiscoverUpstream, ListOffsetsAnsweredWellIsServedAsListed) {
  auto cluster = two_broker_cluster();
  cluster.apis.push_back({2, 0, 3});
  FakeBroker broker(kafka_script(cluster, list_offsets_answer));
  std::string error;
  auto info = discover_upstream({broker.address()}, {}, 2000ms, error);
  ASSERT_TRUE(info) << error;
  EXPECT_EQ(info->versions(2)->hi, 3);
  EXPECT_EQ(broker.wait_for_requests(3)->size(), 3u) << "one probe";
}

TEST(DiscoverUpstream, UnreachableFirstAddressFallsBackToTheNext) {
  FakeBroker broker(kafka_script(two_broker_cluster()));
  std::string error;
  auto info =
      discover_upstream({{"127.0.0.1", closed_port()}, broker.address()}, {}, 2000ms, error);
  ASSERT_TRUE(info) << error;
  expect_two_broker_cluster(*info);
}

TEST(DiscoverUpstream, NoneReachableNamesTheAddress) {
  HostPort first{"127.0.0.1", closed_port()};
  HostPort last{"127.0.0.1", closed_port()};
  std::string error;
  auto info = discover_upstream({first}, {}, 2000ms, error);
  EXPECT_FALSE(info);
  EXPECT_NE(error.find(first.to_string()), std::string::npos) << error;

  info = discover_upstream({first, last}, {}, 2000ms, error);
  EXPECT_FALSE(info);
  EXPECT_NE(error.find(last.to_string()), std::string::npos) << "the last error: " << error;
}

TEST(DiscoverUpstream, BrokerWithoutMetadataIsAnError) {
  auto cluster = two_broker_cluster();
  cluster.apis.erase(cluster.apis.begin() + 2);
  FakeBroker broker(kafka_script(cluster));
  std::string error;
  auto info = discover_upstream({broker.address()}, {}, 2000ms, error);
  EXPECT_FALSE(info);
  EXPECT_NE(error.find(broker.address().to_string()), std::string::npos) << error;
  EXPECT_NE(error.find("Metadata"), std::string::npos) << error;
}

TEST(DiscoverUpstream, BrokerClosingTheConnectionIsAnError) {
  FakeBroker broker([](const std::string&, int) { return testing::BrokerAction{{}, true}; });
  std::string error;
  auto info = discover_upstream({broker.address()}, {}, 2000ms, error);
  EXPECT_FALSE(info);
  EXPECT_NE(error.find(broker.address().to_string()), std::string::npos) << error;
}

// A broker that accepts but never answers must not hold discovery (and so start-up and the
// refresher) beyond the timeout. Run on a thread of its own so that a hang fails the test
// instead of blocking it; the fake broker's end closes the socket and frees that thread.
TEST(DiscoverUpstream, SilentBrokerTimesOut) {
  struct Outcome {
    bool found = false;
    std::string error;
  };
  auto broker =
      std::make_unique<FakeBroker>([](const std::string&, int) { return testing::BrokerAction{}; });
  auto address = broker->address();
  auto result = std::make_shared<std::promise<Outcome>>();
  auto future = result->get_future();
  std::thread([address, result] {
    std::string error;
    auto info = discover_upstream({address}, {}, 300ms, error);
    result->set_value({info.has_value(), error});
  }).detach();
  auto status = future.wait_for(5s);
  EXPECT_EQ(status, std::future_status::ready)
      << "discover_upstream with a 300 ms timeout still blocked after 5 s on a silent broker";
  broker.reset();  // closes the connection: a blocked discovery returns now
  auto outcome = future.get();
  EXPECT_FALSE(outcome.found);
  EXPECT_NE(outcome.error.find(address.to_string()), std::string::npos) << outcome.error;
}

}  // namespace
}  // namespace groupwire::gateway
