// Versions newer than the upstream serves, translated by the gateway: asked of the fake broker in
// its newest version (decoded there with the real codec), answered in the client's version.
#include "upstream_bench.h"

#include "kafka/error_code.h"

namespace groupwire::gateway {
namespace {

using namespace upstream_bench;

constexpr std::int32_t kUndecodable = 777;  // the broker answers bytes that do not decode

std::string records_of(const std::string& topic, std::int32_t partition) {
  return std::string("opaque batch \x00\xff of ", 16) + topic + "/" + std::to_string(partition);
}

// The fake broker's Fetch v11 and ListOffsets v3: every partition answered from its request.
BrokerAction old_versions_script(const std::string& frame, int) {
  RequestHeader header;
  auto id = request_correlation_id(frame);
  if (id == kUndecodable) return {{answer_frame(id, "\x01")}};
  if (request_api_key(frame) == 1 && request_api_version(frame) == 11) {
    FetchRequest req;
    if (!testing::decode_request(frame, header, req)) return {{}, true};
    FetchResponse resp;
    resp.session_id = 77;
    for (const auto& t : req.topics) {
      auto& out = resp.responses.emplace_back();
      out.topic = t.topic;
      for (const auto& p : t.partitions) {
        auto& part = out.partitions.emplace_back();
        part.partition_index = p.partition;
        part.high_watermark = p.fetch_offset + 10;
        part.records = Bytes{records_of(t.topic, p.partition)};
      }
    }
    return {{Dispatcher::encode_response_frame(resp, 11, header.correlation_id)}};
  }
  if (request_api_key(frame) == 2 && request_api_version(frame) == 3) {
    ListOffsetsRequest req;
    if (!testing::decode_request(frame, header, req)) return {{}, true};
    auto resp = testing::list_offsets_answer(req, [](ListOffsetsResponse::Partition& p) {
      p.offset = 40 + p.partition_index;
      p.leader_epoch = 9;  // not in v3: never reaches the client
    });
    return {{Dispatcher::encode_response_frame(resp, 3, header.correlation_id)}};
  }
  return UpstreamModeTest::relay_script(frame, 0);
}

FetchRequest::Partition fetch_partition(std::int32_t partition, std::int64_t offset) {
  FetchRequest::Partition p;
  p.partition = partition;
  p.current_leader_epoch = 4;
  p.fetch_offset = offset;
  p.last_fetched_epoch = 3;
  p.partition_max_bytes = 1 << 20;
  return p;
}

FetchRequest fetch_request() {
  FetchRequest req;
  req.max_wait_ms = 100;
  req.min_bytes = 1;
  req.isolation_level = 1;
  req.session_epoch = 0;
  req.rack_id = "rack-a";
  FetchRequest::Topic& orders = req.topics.emplace_back();
  orders.topic = "orders";
  orders.topic_id = derived_topic_id("orders");
  orders.partitions = {fetch_partition(0, 5)};
  return req;
}

std::string frame_of(const FetchRequest& req, ApiVersion version, std::int32_t correlation_id) {
  return with_size_prefix(request_frame(req, version, correlation_id, "translated-client"));
}

class VersionTranslationTest : public UpstreamModeTest {
 protected:
  VersionTranslationTest() {
    // ListOffsets 0-3, as discovery leaves a mock that answers v4-5 malformed.
    cluster_.apis.push_back({2, 0, 3});
    broker_script_ = testing::kafka_script(cluster_, old_versions_script);
  }

  // Sends `frame` on a new connection; its answer, decoded in `version`.
  template <TopLevelMessage Resp>
  Resp answer_to(const std::string& frame, ApiVersion version) {
    auto c = connect();
    c.send(frame);
    auto answer = c.read_frame();
    Resp resp;
    EXPECT_TRUE(answer);
    if (answer) {
      EXPECT_EQ(decode_response_frame(*answer, version, resp), request_correlation_id(frame));
    }
    return resp;
  }

  template <TopLevelMessage Req>
  Req upstream_request(std::size_t index, ApiVersion version, RequestHeader& header) {
    auto seen = broker_->wait_for_requests(index + 1);
    Req req;
    EXPECT_TRUE(seen);
    if (!seen) return req;
    EXPECT_EQ(request_api_version((*seen)[index]), version);
    EXPECT_TRUE(testing::decode_request((*seen)[index], header, req));
    return req;
  }
};

TEST_F(VersionTranslationTest, FetchV13IsAskedByNameInV11AndAnsweredByTopicId) {
  start();
  auto req = fetch_request();
  FetchRequest::Topic& unknown = req.topics.emplace_back();
  unknown.topic_id = derived_topic_id("never-listed");
  unknown.partitions = {fetch_partition(2, 0), fetch_partition(3, 0)};
  req.forgotten_topics_data.push_back({"", derived_topic_id("orders"), {1}});
  req.forgotten_topics_data.push_back({"", derived_topic_id("never-listed"), {0}});
  auto resp = answer_to<FetchResponse>(frame_of(req, 13, 31), 13);
  EXPECT_EQ(resp.session_id, 77);
  ASSERT_EQ(resp.responses.size(), 2u);
  EXPECT_EQ(resp.responses[0].topic_id, derived_topic_id("orders"));
  ASSERT_EQ(resp.responses[0].partitions.size(), 1u);
  EXPECT_EQ(resp.responses[0].partitions[0].high_watermark, 15);
  EXPECT_EQ(resp.responses[0].partitions[0].records, Bytes{records_of("orders", 0)});
  EXPECT_EQ(resp.responses[1].topic_id, derived_topic_id("never-listed"));
  ASSERT_EQ(resp.responses[1].partitions.size(), 2u);
  for (const auto& p : resp.responses[1].partitions) {
    EXPECT_EQ(p.error_code, to_wire(ErrorCode::UNKNOWN_TOPIC_ID));
    EXPECT_EQ(p.high_watermark, -1);
  }
  EXPECT_EQ(resp.responses[1].partitions[1].partition_index, 3);

  RequestHeader header;
  auto asked = upstream_request<FetchRequest>(0, 11, header);
  EXPECT_EQ(header.correlation_id, 31);
  EXPECT_EQ(header.client_id, "translated-client");
  FetchRequest expected = fetch_request();
  expected.topics[0].topic_id = {};                          // v11 has names only
  expected.topics[0].partitions[0].last_fetched_epoch = -1;  // and no last fetched epoch
  expected.forgotten_topics_data.push_back({"orders", {}, {1}});
  EXPECT_EQ(asked, expected);
}

TEST_F(VersionTranslationTest, FetchV12KeepsItsNamesAndIsAnsweredFlexible) {
  start();
  auto resp = answer_to<FetchResponse>(frame_of(fetch_request(), 12, 32), 12);
  ASSERT_EQ(resp.responses.size(), 1u);
  EXPECT_EQ(resp.responses[0].topic, "orders");
  EXPECT_EQ(resp.responses[0].partitions.at(0).records, Bytes{records_of("orders", 0)});
  RequestHeader header;
  EXPECT_EQ(upstream_request<FetchRequest>(0, 11, header).topics.at(0).topic, "orders");
}

TEST_F(VersionTranslationTest, ListOffsetsV5IsAskedInV3) {
  start();
  ListOffsetsRequest req;
  req.replica_id = -1;
  req.isolation_level = 1;
  req.topics = {{"orders", {{0, 6, -1, 1}, {2, 6, -2, 1}}}};
  auto resp = answer_to<ListOffsetsResponse>(
      with_size_prefix(request_frame(req, 5, 33, "translated-client")), 5);
  ASSERT_EQ(resp.topics.size(), 1u);
  EXPECT_EQ(resp.topics[0].name, "orders");
  ASSERT_EQ(resp.topics[0].partitions.size(), 2u);
  for (const auto& p : resp.topics[0].partitions) {
    EXPECT_EQ(p.error_code, 0);
    EXPECT_EQ(p.offset, 40 + p.partition_index);
    EXPECT_EQ(p.leader_epoch, -1) << "v3 has none";
  }
  RequestHeader header;
  auto asked = upstream_request<ListOffsetsRequest>(0, 3, header);
  EXPECT_EQ(header.correlation_id, 33);
  ASSERT_EQ(asked.topics.size(), 1u);
  EXPECT_EQ(asked.topics[0].partitions.at(1).timestamp, -2);
  EXPECT_EQ(asked.isolation_level, 1);
}

TEST_F(VersionTranslationTest, TranslatedAndRelayedRequestsAreAnsweredInOrder) {
  start();
  auto c = connect();
  c.send(frame_of(fetch_request(), 13, 1) + fetch_v4(2) + frame_of(fetch_request(), 12, 3));
  auto f1 = c.read_frame();
  ASSERT_TRUE(f1);
  FetchResponse resp;
  EXPECT_EQ(decode_response_frame(*f1, 13, resp), 1);
  auto f2 = c.read_frame();
  ASSERT_TRUE(f2);
  EXPECT_EQ(*f2, fetch_answer(2));
  auto f3 = c.read_frame();
  ASSERT_TRUE(f3);
  EXPECT_EQ(decode_response_frame(*f3, 12, resp), 3);
  EXPECT_EQ(broker_->accepted(), 1u);
}

TEST_F(VersionTranslationTest, UndecodableRequestClosesTheConnectionUnrelayed) {
  start();
  auto c = connect();
  std::string truncated = frame_of(fetch_request(), 13, 34);
  truncated.resize(truncated.size() - 9);
  c.send(with_size_prefix(truncated.substr(4)));
  EXPECT_TRUE(c.closed_by_peer());
  EXPECT_FALSE(broker_->wait_for_requests(1, 200ms)) << "not relayed";
}

TEST_F(VersionTranslationTest, UndecodableUpstreamAnswerClosesTheConnection) {
  start();
  auto c = connect();
  c.send(frame_of(fetch_request(), 13, kUndecodable));
  EXPECT_TRUE(c.closed_by_peer());
}

}  // namespace
}  // namespace groupwire::gateway
