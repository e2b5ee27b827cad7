// ListOffsets and Fetch in catalog mode (no upstream): the catalog's topics exist and are empty.
// Driven through the Dispatcher with encoded frames; parked Fetches run on the test's io_context.
#include <chrono>
#include <optional>

#include <gtest/gtest.h>
#include <boost/asio/io_context.hpp>

#include "gateway_test_support.h"
#include "handlers/api_versions.h"
#include "handlers/fetch.h"
#include "handlers/list_offsets.h"
#include "kafka/error_code.h"
#include "server/dispatcher.h"

namespace groupwire::gateway {
namespace {

using namespace kafka;
using namespace std::chrono_literals;
using testing::decode_response_frame;
using testing::request_frame;

constexpr auto kCap = 300ms;  // the Fetch wait cap in these tests, to keep them short
const std::int16_t kUnknown = to_wire(ErrorCode::UNKNOWN_TOPIC_OR_PARTITION);

class CatalogDataPlaneTest : public ::testing::Test {
 protected:
  CatalogDataPlaneTest() {
    auto catalog =
        std::make_shared<TopicCatalog>(std::vector<TopicSpec>{{"orders", 3}, {"audit", 1}});
    add_list_offsets_handler(dispatcher_, catalog);
    add_fetch_handler(dispatcher_, catalog, io_.get_executor(), kCap);
    add_api_versions_handler(dispatcher_);
  }

  // Dispatches; the frame is empty until the handler answers (at once, or on io_).
  std::shared_ptr<std::optional<std::string>> send(const std::string& frame) {
    auto out = std::make_shared<std::optional<std::string>>();
    auto result = dispatcher_.dispatch(frame, "127.0.0.1", [out](std::string r) { *out = r; });
    EXPECT_EQ(result.outcome, DispatchOutcome::kDispatched) << result.reason;
    return out;
  }

  template <TopLevelMessage Resp>
  Resp decode(const std::string& frame, ApiVersion version, std::int32_t correlation_id) {
    Resp resp;
    EXPECT_EQ(decode_response_frame(frame, version, resp), correlation_id);
    return resp;
  }

  // For handlers that answer synchronously.
  template <TopLevelMessage Resp, TopLevelMessage Req>
  Resp call_now(const Req& req, ApiVersion version) {
    auto out = send(request_frame(req, version, 41));
    if (!out->has_value()) {
      ADD_FAILURE() << "not answered synchronously";
      return {};
    }
    return decode<Resp>(**out, version, 41);
  }

  // For a Fetch that may be parked: runs io_ until it is answered. Returns the time it took.
  FetchResponse call_fetch(const FetchRequest& req, ApiVersion version,
                           std::chrono::steady_clock::duration* took = nullptr) {
    auto start = std::chrono::steady_clock::now();
    auto out = send(request_frame(req, version, 42));
    io_.restart();
    // Returns as soon as no timer is pending; the bound only keeps a broken handler from hanging.
    io_.run_for(10s);
    if (took) *took = std::chrono::steady_clock::now() - start;
    if (!out->has_value()) {
      ADD_FAILURE() << "Fetch never answered";
      return {};
    }
    return decode<FetchResponse>(**out, version, 42);
  }

  static ListOffsetsRequest list_offsets(std::int64_t timestamp) {
    ListOffsetsRequest req;
    req.replica_id = -1;
    req.topics = {{"orders", {{0, -1, timestamp, 1}, {2, -1, timestamp, 1}, {3, -1, timestamp, 1}}},
                  {"missing", {{0, -1, timestamp, 1}}}};
    return req;
  }

  static FetchRequest fetch(std::int32_t max_wait_ms, std::int32_t min_bytes = 1) {
    FetchRequest req;
    req.max_wait_ms = max_wait_ms;
    req.min_bytes = min_bytes;
    req.topics = {{"orders", {}, {{0, -1, 0, -1, -1, 1 << 20}, {2, -1, 0, -1, -1, 1 << 20}}},
                  {"audit", {}, {{0, -1, 0, -1, -1, 1 << 20}}}};
    return req;
  }

  boost::asio::io_context io_;
  Dispatcher dispatcher_;
};

TEST_F(CatalogDataPlaneTest, ApiVersionsAdvertisesListOffsetsAndFetch) {
  auto resp = call_now<ApiVersionsResponse>(ApiVersionsRequest{}, 0);
  ASSERT_EQ(resp.api_keys.size(), 3u);
  EXPECT_EQ(resp.api_keys[0].api_key, 1);  // Fetch 0-13
  EXPECT_EQ(resp.api_keys[0].max_version, 13);
  EXPECT_EQ(resp.api_keys[1].api_key, 2);  // ListOffsets 0-5
  EXPECT_EQ(resp.api_keys[1].max_version, 5);
}

TEST_F(CatalogDataPlaneTest, ListOffsetsV0AnswersOldStyleOffsetZero) {
  for (std::int64_t ts : {std::int64_t{-1}, std::int64_t{-2}, std::int64_t{1700000000000}}) {
    auto resp = call_now<ListOffsetsResponse>(list_offsets(ts), 0);
    ASSERT_EQ(resp.topics.size(), 2u);
    EXPECT_EQ(resp.topics[0].name, "orders");
    const auto& parts = resp.topics[0].partitions;
    ASSERT_EQ(parts.size(), 3u);
    for (int i : {0, 1}) {
      EXPECT_EQ(parts[i].error_code, 0) << ts;
      EXPECT_EQ(parts[i].old_style_offsets, std::vector<std::int64_t>{0}) << ts;
    }
    EXPECT_EQ(parts[1].partition_index, 2);
    EXPECT_EQ(parts[2].partition_index, 3);  // beyond the topic's 3 partitions
    EXPECT_EQ(parts[2].error_code, kUnknown);
    EXPECT_TRUE(parts[2].old_style_offsets.empty());
    EXPECT_EQ(resp.topics[1].name, "missing");
    ASSERT_EQ(resp.topics[1].partitions.size(), 1u);
    EXPECT_EQ(resp.topics[1].partitions[0].error_code, kUnknown);
  }
}

TEST_F(CatalogDataPlaneTest, ListOffsetsV1EarliestAndLatestAreZero) {
  for (std::int64_t ts : {std::int64_t{-1}, std::int64_t{-2}}) {
    auto resp = call_now<ListOffsetsResponse>(list_offsets(ts), 1);
    ASSERT_EQ(resp.topics.size(), 2u);
    const auto& p0 = resp.topics[0].partitions.at(0);
    EXPECT_EQ(p0.error_code, 0);
    EXPECT_EQ(p0.offset, 0);
    EXPECT_EQ(p0.timestamp, -1);
    const auto& beyond = resp.topics[0].partitions.at(2);
    EXPECT_EQ(beyond.error_code, kUnknown);
    EXPECT_EQ(beyond.offset, -1);
    EXPECT_EQ(resp.topics[1].partitions.at(0).error_code, kUnknown);
  }
}

TEST_F(CatalogDataPlaneTest, ListOffsetsTimeQueryFindsNoRecord) {
  // Kafka's answer for a time with no record at or after it: NONE, offset and timestamp -1.
  auto resp = call_now<ListOffsetsResponse>(list_offsets(1700000000000), 5);
  const auto& p0 = resp.topics.at(0).partitions.at(0);
  EXPECT_EQ(p0.error_code, 0);
  EXPECT_EQ(p0.offset, -1);
  EXPECT_EQ(p0.timestamp, -1);
  EXPECT_EQ(p0.leader_epoch, -1);
}

TEST_F(CatalogDataPlaneTest, ListOffsetsV5CarriesLeaderEpoch) {
  auto req = list_offsets(-2);
  req.isolation_level = 1;
  req.topics[0].partitions[0].current_leader_epoch = 0;
  auto resp = call_now<ListOffsetsResponse>(req, 5);
  EXPECT_EQ(resp.throttle_time_ms, 0);
  const auto& parts = resp.topics.at(0).partitions;
  for (int i : {0, 1}) {
    EXPECT_EQ(parts.at(i).error_code, 0);
    EXPECT_EQ(parts.at(i).offset, 0);
    EXPECT_EQ(parts.at(i).timestamp, -1);
    EXPECT_EQ(parts.at(i).leader_epoch, 0);  // the epoch Metadata reports
  }
  EXPECT_EQ(parts.at(2).error_code, kUnknown);
  EXPECT_EQ(parts.at(2).leader_epoch, -1);
}

void expect_empty_partition(const FetchResponse::Partition& p, ApiVersion v) {
  EXPECT_EQ(p.error_code, 0) << "v" << v;
  EXPECT_EQ(p.high_watermark, 0);
  if (v >= 4) {
    EXPECT_EQ(p.last_stable_offset, 0);
    EXPECT_EQ(p.aborted_transactions, std::vector<FetchResponse::AbortedTransaction>());
  }
  if (v >= 5) {
    EXPECT_EQ(p.log_start_offset, 0);
  }
  if (v >= 11) {
    EXPECT_EQ(p.preferred_read_replica, -1);
  }
  ASSERT_TRUE(p.records.has_value()) << "records must be empty, not null";
  EXPECT_TRUE(p.records->data.empty());
}

TEST_F(CatalogDataPlaneTest, FetchAnswersEmptyPartitionsAfterWaiting) {
  for (ApiVersion v : {0, 4, 11}) {
    auto out = send(request_frame(fetch(50), v, 42));
    EXPECT_FALSE(out->has_value()) << "v" << v << ": answered before its wait";
    io_.restart();
    io_.run_for(10s);
    ASSERT_TRUE(out->has_value()) << "v" << v;
    auto resp = decode<FetchResponse>(**out, v, 42);
    ASSERT_EQ(resp.responses.size(), 2u);
    EXPECT_EQ(resp.responses[0].topic, "orders");
    ASSERT_EQ(resp.responses[0].partitions.size(), 2u);
    EXPECT_EQ(resp.responses[0].partitions[1].partition_index, 2);
    EXPECT_EQ(resp.responses[1].topic, "audit");
    ASSERT_EQ(resp.responses[1].partitions.size(), 1u);
    for (const auto& t : resp.responses) {
      for (const auto& p : t.partitions) expect_empty_partition(p, v);
    }
  }
}

TEST_F(CatalogDataPlaneTest, FetchV11SessionsGetTheNoSessionAnswer) {
  auto req = fetch(20);
  req.isolation_level = 1;
  req.session_id = 0;
  req.session_epoch = 0;  // asks for a new session
  req.rack_id = "rack-a";
  auto resp = call_fetch(req, 11);
  EXPECT_EQ(resp.error_code, 0);
  EXPECT_EQ(resp.session_id, 0);
  ASSERT_EQ(resp.responses.size(), 2u);
  expect_empty_partition(resp.responses[0].partitions.at(0), 11);
}

TEST_F(CatalogDataPlaneTest, FetchUnknownPartitionsAnswerAtOnceWithErrors) {
  for (ApiVersion v : {4, 11}) {
    auto req = fetch(60000);
    req.topics[0].partitions.push_back({3, -1, 0, -1, -1, 1024});  // orders has 0-2
    req.topics.push_back({"missing", {}, {{0, -1, 0, -1, -1, 1024}}});
    // Kafka does not park a Fetch with a failed partition: answered without running io_.
    auto resp = call_now<FetchResponse>(req, v);
    ASSERT_EQ(resp.responses.size(), 3u);
    expect_empty_partition(resp.responses[0].partitions.at(0), v);
    for (const auto* p :
         {&resp.responses[0].partitions.at(2), &resp.responses[2].partitions.at(0)}) {
      EXPECT_EQ(p->error_code, kUnknown) << "v" << v;
      EXPECT_EQ(p->high_watermark, -1);
      if (v >= 4) {
        EXPECT_EQ(p->last_stable_offset, -1);
      }
      if (v >= 5) {
        EXPECT_EQ(p->log_start_offset, -1);
      }
    }
    EXPECT_EQ(resp.responses[2].topic, "missing");
  }
}

TEST_F(CatalogDataPlaneTest, FetchV13NamesTopicsById) {
  auto req = fetch(0);
  req.topics[0].topic_id = derived_topic_id("orders");
  req.topics[1].topic_id = derived_topic_id("unheard-of");
  for (auto& t : req.topics) t.topic = "ignored at v13";
  auto resp = call_now<FetchResponse>(req, 13);
  ASSERT_EQ(resp.responses.size(), 2u);
  EXPECT_EQ(resp.responses[0].topic_id, derived_topic_id("orders"));
  ASSERT_EQ(resp.responses[0].partitions.size(), 2u);
  expect_empty_partition(resp.responses[0].partitions[0], 13);
  EXPECT_EQ(resp.responses[1].topic_id, derived_topic_id("unheard-of"));
  ASSERT_EQ(resp.responses[1].partitions.size(), 1u);
  EXPECT_EQ(resp.responses[1].partitions[0].error_code, to_wire(ErrorCode::UNKNOWN_TOPIC_ID));
  EXPECT_EQ(resp.responses[1].partitions[0].high_watermark, -1);
}

TEST_F(CatalogDataPlaneTest, FetchThatCannotWaitIsAnsweredAtOnce) {
  auto zero_wait = call_now<FetchResponse>(fetch(0), 11);
  expect_empty_partition(zero_wait.responses.at(0).partitions.at(0), 11);
  auto negative_wait = call_now<FetchResponse>(fetch(-5), 4);
  expect_empty_partition(negative_wait.responses.at(0).partitions.at(0), 4);
  auto no_min_bytes = call_now<FetchResponse>(fetch(60000, 0), 11);
  expect_empty_partition(no_min_bytes.responses.at(0).partitions.at(0), 11);
  FetchRequest nothing;
  nothing.max_wait_ms = 60000;
  nothing.min_bytes = 1;
  EXPECT_TRUE(call_now<FetchResponse>(nothing, 7).responses.empty());
}

TEST_F(CatalogDataPlaneTest, FetchWaitsAboutMaxWait) {
  std::chrono::steady_clock::duration took{};
  auto resp = call_fetch(fetch(120), 11, &took);
  expect_empty_partition(resp.responses.at(0).partitions.at(0), 11);
  // A steady_timer never fires early; the upper bound is generous for a loaded machine.
  EXPECT_GE(took, 120ms);
  EXPECT_LT(took, 5s);
}

TEST_F(CatalogDataPlaneTest, FetchWaitIsCapped) {
  std::chrono::steady_clock::duration took{};
  auto resp = call_fetch(fetch(600000), 11, &took);  // ten minutes asked, kCap given
  expect_empty_partition(resp.responses.at(0).partitions.at(0), 11);
  EXPECT_GE(took, kCap);
  EXPECT_LT(took, 5s);
}

TEST_F(CatalogDataPlaneTest, ParkedFetchesDoNotBlockTheCaller) {
  // Parking returns at once (a timer, not a sleeping thread), and parked Fetches of different
  // connections wait side by side.
  auto start = std::chrono::steady_clock::now();
  auto a = send(request_frame(fetch(static_cast<std::int32_t>(kCap.count())), 11, 1));
  auto b = send(request_frame(fetch(static_cast<std::int32_t>(kCap.count())), 4, 2));
  EXPECT_LT(std::chrono::steady_clock::now() - start, kCap);
  EXPECT_FALSE(a->has_value());
  EXPECT_FALSE(b->has_value());
  io_.restart();
  io_.run_for(10s);
  ASSERT_TRUE(a->has_value());
  ASSERT_TRUE(b->has_value());
  EXPECT_EQ(decode<FetchResponse>(**a, 11, 1).responses.size(), 2u);
  EXPECT_EQ(decode<FetchResponse>(**b, 4, 2).responses.size(), 2u);
}

}  // namespace
}  // namespace groupwire::gateway
