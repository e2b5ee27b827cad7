// Upstream mode end to end: a real Listener, Connection and Dispatcher wired as main.cc wires
// them, standing for broker 1 of a fake upstream broker, driven from raw client sockets.

#include "upstream_bench.h"

namespace groupwire::gateway {
namespace {

using namespace upstream_bench;

// (a)
TEST_F(UpstreamModeTest, MetadataIsAskedInTheUpstreamVersionAndAnsweredInTheClients) {
  start();
  auto c = connect();
  c.send(metadata(42, 9, std::nullopt));
  auto frame = c.read_frame();
  ASSERT_TRUE(frame);
  MetadataResponse resp;
  ASSERT_EQ(decode_response_frame(*frame, 9, resp), 42);
  ASSERT_EQ(resp.brokers.size(), 2u);
  EXPECT_EQ(resp.brokers[0].node_id, 1);
  EXPECT_EQ(resp.brokers[0].host, "127.0.0.1");
  EXPECT_EQ(resp.brokers[0].port, 1111);
  EXPECT_EQ(resp.brokers[1].node_id, 2);
  EXPECT_EQ(resp.brokers[1].host, "127.0.0.1");
  EXPECT_EQ(resp.brokers[1].port, 2222);
  EXPECT_EQ(resp.brokers[1].rack, "rack-b");
  EXPECT_EQ(resp.cluster_id, "upstream-cluster");
  EXPECT_EQ(resp.controller_id, 1);
  ASSERT_EQ(resp.topics.size(), 2u);
  std::map<std::string, std::size_t> partitions;
  for (const auto& t : resp.topics) {
    EXPECT_EQ(t.error_code, 0);
    partitions[t.name.value_or("")] = t.partitions.size();
  }
  EXPECT_EQ(partitions, (std::map<std::string, std::size_t>{{"orders", 3}, {"audit", 1}}));

  auto seen = broker_->wait_for_requests(1);
  ASSERT_TRUE(seen);
  ASSERT_EQ(seen->size(), 1u);
  EXPECT_EQ(request_api_key((*seen)[0]), 3);
  EXPECT_EQ(request_api_version((*seen)[0]), 2);
  RequestHeader header;
  MetadataRequest upstream_req;
  ASSERT_TRUE(testing::decode_request((*seen)[0], header, upstream_req));
  EXPECT_EQ(header.correlation_id, 42);
  EXPECT_EQ(header.client_id, "test-client");
  EXPECT_FALSE(upstream_req.topics) << "all topics: null from v1 on";
}

TEST_F(UpstreamModeTest, TopicsGetIdsAndMayBeAskedForById) {
  start();
  auto c = connect();
  MetadataRequest req;
  req.topics = std::vector<MetadataRequest::Topic>{{derived_topic_id("orders"), std::nullopt}};
  c.send(with_size_prefix(request_frame(req, 12, 8)));
  auto frame = c.read_frame();
  ASSERT_TRUE(frame);
  MetadataResponse resp;
  ASSERT_EQ(decode_response_frame(*frame, 12, resp), 8);
  ASSERT_EQ(resp.topics.size(), 1u);
  EXPECT_EQ(resp.topics[0].name, "orders");
  EXPECT_EQ(resp.topics[0].topic_id, derived_topic_id("orders")) << "the upstream (v2) has none";
  EXPECT_EQ(resp.topics[0].partitions.size(), 3u);
  auto seen = broker_->wait_for_requests(1);
  ASSERT_TRUE(seen);
  RequestHeader header;
  MetadataRequest upstream_req;
  ASSERT_TRUE(testing::decode_request((*seen)[0], header, upstream_req));
  ASSERT_TRUE(upstream_req.topics);
  ASSERT_EQ(upstream_req.topics->size(), 1u);
  EXPECT_EQ((*upstream_req.topics)[0].name, "orders");
}

TEST_F(UpstreamModeTest, MetadataV0ForAllTopicsIsAskedAsNull) {
  start();
  auto c = connect();
  c.send(metadata(3, 0, std::vector<std::string>{}));
  auto frame = c.read_frame();
  ASSERT_TRUE(frame);
  MetadataResponse resp;
  ASSERT_EQ(decode_response_frame(*frame, 0, resp), 3);
  EXPECT_EQ(resp.topics.size(), 2u);
  auto seen = broker_->wait_for_requests(1);
  ASSERT_TRUE(seen);
  RequestHeader header;
  MetadataRequest upstream_req;
  ASSERT_TRUE(testing::decode_request((*seen)[0], header, upstream_req));
  EXPECT_FALSE(upstream_req.topics);
}

TEST_F(UpstreamModeTest, UpstreamBrokerWithoutAListenerIsNotListed) {
  cluster_.brokers.push_back({3, "kafka-3.internal", 9094, std::nullopt});
  start();
  auto c = connect();
  c.send(metadata(5, 9, std::nullopt));
  auto frame = c.read_frame();
  ASSERT_TRUE(frame);
  MetadataResponse resp;
  ASSERT_EQ(decode_response_frame(*frame, 9, resp), 5);
  ASSERT_EQ(resp.brokers.size(), 2u);
  for (const auto& b : resp.brokers) EXPECT_NE(b.node_id, 3);
}

TEST_F(UpstreamModeTest, UndecodableMetadataAnswerClosesTheClientConnection) {
  broker_script_ = [](const std::string& frame, int) {
    return BrokerAction{{answer_frame(request_correlation_id(frame), std::string("\0\0", 2))}};
  };
  start();
  auto c = connect();
  c.send(metadata(6, 9, std::nullopt));
  EXPECT_TRUE(c.closed_by_peer());
}

// (f)
TEST_F(UpstreamModeTest, TopicCatalogFollowsTheMetadataAnswers) {
  start();
  auto c = connect();
  // Some topics: those named are updated, the rest kept.
  c.send(metadata(1, 9, std::vector<std::string>{"orders", "missing"}));
  ASSERT_TRUE(c.read_frame());
  EXPECT_EQ(*catalog_->all(), (TopicCatalog::Topics{{"stale", {7, derived_topic_id("stale")}},
                                                    {"orders", {3, derived_topic_id("orders")}}}));
  // All topics: the listing replaces what was known.
  c.send(metadata(2, 9, std::nullopt));
  ASSERT_TRUE(c.read_frame());
  EXPECT_EQ(*catalog_->all(), (TopicCatalog::Topics{{"orders", {3, derived_topic_id("orders")}},
                                                    {"audit", {1, derived_topic_id("audit")}}}));
}

// (b)
TEST_F(UpstreamModeTest, FetchIsRelayedByteForByte) {
  start();
  auto c = connect();
  c.send(fetch_v4(7));
  auto frame = c.read_frame();
  ASSERT_TRUE(frame);
  EXPECT_EQ(*frame, fetch_answer(7));
  auto seen = broker_->wait_for_requests(1);
  ASSERT_TRUE(seen);
  ASSERT_EQ(seen->size(), 1u);
  EXPECT_EQ((*seen)[0], fetch_v4(7));
}

TEST_F(UpstreamModeTest, PipelinedRelayedRequestsAreAnsweredInOrderOnOneUpstreamConnection) {
  start();
  auto c = connect();
  c.send(fetch_v4(1) + metadata(2, 9, std::nullopt) + fetch_v4(3) + api_versions(4) +
         produce_v7(5, 1));
  auto f1 = c.read_frame();
  ASSERT_TRUE(f1);
  EXPECT_EQ(*f1, fetch_answer(1));
  auto m2 = c.read_frame();
  ASSERT_TRUE(m2);
  MetadataResponse meta;
  EXPECT_EQ(decode_response_frame(*m2, 9, meta), 2);
  auto f3 = c.read_frame();
  ASSERT_TRUE(f3);
  EXPECT_EQ(*f3, fetch_answer(3));
  auto a4 = c.read_frame();
  ASSERT_TRUE(a4);
  ApiVersionsResponse versions;
  EXPECT_EQ(decode_response_frame(*a4, 2, versions), 4);
  auto p5 = c.read_frame();
  ASSERT_TRUE(p5);
  EXPECT_EQ(*p5, answer_frame(5, "produce answer"));
  EXPECT_EQ(broker_->accepted(), 1u);
}

TEST_F(UpstreamModeTest, LargeAnswersReachTheClientByteForByteAndInOrder) {
  start();
  auto c = connect();
  // Metadata is answered through its handler, ApiVersions by the gateway: the large answers
  // behind them, passed on in parts, must wait for them.
  c.send(metadata(1, 9, std::nullopt) + fetch_v4(kLargeFetch) + api_versions(3) +
         fetch_v4(kLargeFetch + 1) + fetch_v4(5));
  auto m1 = c.read_frame();
  ASSERT_TRUE(m1);
  MetadataResponse meta;
  EXPECT_EQ(decode_response_frame(*m1, 9, meta), 1);
  auto f2 = c.read_frame();
  ASSERT_TRUE(f2);
  EXPECT_EQ(*f2, large_fetch_answer(kLargeFetch));
  auto a3 = c.read_frame();
  ASSERT_TRUE(a3);
  ApiVersionsResponse versions;
  EXPECT_EQ(decode_response_frame(*a3, 2, versions), 3);
  auto f4 = c.read_frame();
  ASSERT_TRUE(f4);
  EXPECT_EQ(*f4, large_fetch_answer(kLargeFetch + 1));
  auto f5 = c.read_frame();
  ASSERT_TRUE(f5);
  EXPECT_EQ(*f5, fetch_answer(5));
}

TEST_F(UpstreamModeTest, LargeProduceRequestsAreRelayedByteForByteAndInOrder) {
  start();
  auto c = connect();
  std::string first = produce_v7_records(1, 1, 300000);
  std::string unanswered = produce_v7_records(2, 0, 200000);
  c.send(first + unanswered + api_versions(3) + produce_v7(4, 1));
  auto p1 = c.read_frame();
  ASSERT_TRUE(p1);
  EXPECT_EQ(*p1, answer_frame(1, "produce answer"));
  auto a3 = c.read_frame();
  ASSERT_TRUE(a3);
  ApiVersionsResponse versions;
  EXPECT_EQ(decode_response_frame(*a3, 2, versions), 3);
  auto p4 = c.read_frame();
  ASSERT_TRUE(p4);
  EXPECT_EQ(*p4, answer_frame(4, "produce answer"));
  auto seen = broker_->wait_for_requests(3);
  ASSERT_TRUE(seen);
  ASSERT_EQ(seen->size(), 3u);
  EXPECT_EQ((*seen)[0], first);
  EXPECT_EQ((*seen)[1], unanswered);
  EXPECT_EQ((*seen)[2], produce_v7(4, 1));
}

TEST_F(UpstreamModeTest, VersionBeyondTheUpstreamsRangeClosesTheConnection) {
  start();
  auto c = connect();
  std::string fetch = fetch_v4(9);
  fetch[7] = 14;  // Fetch v14: the upstream serves 0-11, the gateway translates up to 13
  c.send(fetch);
  EXPECT_TRUE(c.closed_by_peer());
  EXPECT_FALSE(broker_->wait_for_requests(1, 200ms)) << "not relayed";
}

TEST_F(UpstreamModeTest, NeverRelayedApiClosesTheConnection) {
  start();
  auto c = connect();
  std::string sasl;
  Writer w(sasl);
  w.write_int<std::int16_t>(17);  // SaslHandshake, which the upstream serves
  w.write_int<std::int16_t>(1);
  w.write_int<std::int32_t>(8);
  w.write_length(-1, false, false);
  w.write_length(5, false, false);
  w.write_raw("PLAIN");
  c.send(with_size_prefix(sasl));
  EXPECT_TRUE(c.closed_by_peer());
}

// (c)
TEST_F(UpstreamModeTest, ProduceWithoutAcksDoesNotHoldUpLaterAnswers) {
  start();
  auto c = connect();
  c.send(produce_v7(5, 0) + api_versions(6));
  auto frame = c.read_frame();
  ASSERT_TRUE(frame);
  ApiVersionsResponse resp;
  EXPECT_EQ(decode_response_frame(*frame, 2, resp), 6);
  auto seen = broker_->wait_for_requests(1);
  ASSERT_TRUE(seen);
  EXPECT_EQ((*seen)[0], produce_v7(5, 0));
  // Nothing else comes for the produce.
  c.send(api_versions(7));
  frame = c.read_frame();
  ASSERT_TRUE(frame);
  EXPECT_EQ(decode_response_frame(*frame, 2, resp), 7);
}

TEST_F(UpstreamModeTest, ProduceWithAcksIsAnsweredBeforeLaterRequests) {
  start();
  auto c = connect();
  c.send(produce_v7(5, 1) + api_versions(6) + produce_v7(7, -1));
  auto first = c.read_frame();
  ASSERT_TRUE(first);
  EXPECT_EQ(*first, answer_frame(5, "produce answer"));
  auto second = c.read_frame();
  ASSERT_TRUE(second);
  ApiVersionsResponse resp;
  EXPECT_EQ(decode_response_frame(*second, 2, resp), 6);
  auto third = c.read_frame();
  ASSERT_TRUE(third);
  EXPECT_EQ(*third, answer_frame(7, "produce answer"));
}

// A Produce with acks=0 completes with an empty frame; that must free its in-flight slot like any
// answer, or a connection at its in-flight limit stops reading.
TEST_F(UpstreamModeTest, ProduceWithoutAcksFreesItsInFlightSlot) {
  limits_.max_in_flight = 1;
  start();
  auto c = connect();
  c.send(produce_v7(5, 0) + api_versions(6));
  auto frame = c.read_frame();
  ASSERT_TRUE(frame) << "no ApiVersions answer: the reader stayed paused after the produce";
  ApiVersionsResponse resp;
  EXPECT_EQ(decode_response_frame(*frame, 2, resp), 6);
}

// With nothing left pending after a Produce with acks=0, the idle timeout applies again.
TEST_F(UpstreamModeTest, IdleTimeoutAppliesAfterProduceWithoutAcks) {
  limits_.idle_timeout = 300ms;
  start();
  auto control = connect();
  control.send(api_versions(1));
  ASSERT_TRUE(control.read_frame());
  EXPECT_TRUE(control.closed_by_peer(3000ms)) << "control: idle close after an answer";

  auto c = connect();
  c.send(produce_v7(5, 0));
  ASSERT_TRUE(broker_->wait_for_requests(1));
  EXPECT_TRUE(c.closed_by_peer(3000ms)) << "not idle-closed after a Produce with acks=0";
}

// (d)
TEST_F(UpstreamModeTest, ApiVersionsAdvertisesTheUpstreamRanges) {
  start();
  auto c = connect();
  c.send(api_versions(9, 3));
  auto frame = c.read_frame();
  ASSERT_TRUE(frame);
  ApiVersionsResponse resp;
  ASSERT_EQ(decode_response_frame(*frame, 3, resp), 9);
  EXPECT_EQ(resp.error_code, 0);
  std::map<std::int16_t, std::pair<std::int16_t, std::int16_t>> ranges;
  for (const auto& a : resp.api_keys) ranges[a.api_key] = {a.min_version, a.max_version};
  EXPECT_EQ(ranges[0], (std::pair<std::int16_t, std::int16_t>{0, 7})) << "Produce";
  EXPECT_EQ(ranges[1], (std::pair<std::int16_t, std::int16_t>{0, 13}))
      << "Fetch: the upstream's 0-11, 12-13 translated";
  EXPECT_EQ(ranges[3], (std::pair<std::int16_t, std::int16_t>{0, 12})) << "Metadata: ours";
  EXPECT_EQ(ranges[18], (std::pair<std::int16_t, std::int16_t>{0, 4})) << "ApiVersions: ours";
  EXPECT_EQ(ranges.count(17), 0u) << "SaslHandshake is never relayed";
  EXPECT_EQ(ranges.size(), 4u);
  EXPECT_FALSE(broker_->wait_for_requests(1, 200ms)) << "ApiVersions is answered locally";
}

// (e)
TEST_F(UpstreamModeTest, BrokerClosingItsConnectionClosesTheClientConnection) {
  start();
  auto bystander = connect();
  bystander.send(fetch_v4(1));
  ASSERT_TRUE(bystander.read_frame());

  auto c = connect();
  c.send(fetch_v4(2));
  ASSERT_TRUE(c.read_frame());
  c.send(fetch_v4(kCloseOnFetch));
  EXPECT_TRUE(c.closed_by_peer());

  // Other connections, on their own upstream connections, go on.
  bystander.send(fetch_v4(3));
  auto frame = bystander.read_frame();
  ASSERT_TRUE(frame);
  EXPECT_EQ(*frame, fetch_answer(3));

  // And the listener serves new connections, relaying on a new upstream connection.
  auto next = connect();
  next.send(api_versions(4) + fetch_v4(5));
  ASSERT_TRUE(next.read_frame());
  frame = next.read_frame();
  ASSERT_TRUE(frame);
  EXPECT_EQ(*frame, fetch_answer(5));
  EXPECT_EQ(broker_->accepted(), 3u);
}

TEST_F(UpstreamModeTest, SilentUpstreamClosesTheClientConnectionAfterTheTimeout) {
  limits_.upstream_timeout = 200ms;
  start();
  auto c = connect();
  c.send(fetch_v4(kSilentFetch));
  EXPECT_TRUE(c.closed_by_peer());
}

TEST_F(UpstreamModeTest, UnreachableUpstreamClosesTheClientConnection) {
  upstream_ = HostPort{"127.0.0.1", testing::closed_port()};  // nobody listens there
  start();
  auto c = connect();
  c.send(fetch_v4(1));
  EXPECT_TRUE(c.closed_by_peer());
}

// A client connection's upstream connection is its own: when the client leaves, it goes too.
TEST_F(UpstreamModeTest, ClientLeavingClosesItsUpstreamConnection) {
  start();
  auto c = connect();
  c.send(fetch_v4(1));
  ASSERT_TRUE(c.read_frame());
  c.close();
  EXPECT_TRUE(broker_->wait_for_ended_connections(1))
      << "the upstream connection outlived its client connection";
}

// The connection slot (--max-connections) of a client that left is free again.
TEST_F(UpstreamModeTest, ClientLeavingFreesItsConnectionSlot) {
  max_connections_ = 1;
  start();
  {
    auto c = connect();
    c.send(api_versions(1));
    ASSERT_TRUE(c.read_frame());
    c.close();
  }
  EXPECT_TRUE(served_on_a_new_connection(3000ms)) << "the slot of a client that left stays taken";
}

// The gateway closing a connection with an upstream request still pending frees its slot: the
// pending reply must not keep the connection alive.
TEST_F(UpstreamModeTest, ConnectionClosedWithAnUpstreamRequestPendingFreesItsSlot) {
  max_connections_ = 1;
  start();
  {
    auto c = connect();
    c.send(fetch_v4(kSilentFetch));
    ASSERT_TRUE(broker_->wait_for_requests(1));
    std::string unknown = fetch_v4(1);
    unknown[5] = 99;  // API key 99: the gateway closes the connection
    c.send(unknown);
    // Within a second or so: the silent Fetch before the bad frame is not waited for (the
    // upstream timeout here is 5 s).
    ASSERT_TRUE(c.closed_by_peer(3000ms));
  }
  EXPECT_TRUE(broker_->wait_for_ended_connections(1)) << "its upstream connection is closed";
  EXPECT_TRUE(served_on_a_new_connection(3000ms))
      << "the slot of a connection closed with a relayed request pending stays taken";
}

}  // namespace
}  // namespace groupwire::gateway
