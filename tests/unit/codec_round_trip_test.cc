// Every message, request and response, at every version it defines: random values encode,
// decode back to the same values, and re-encode to the same bytes.
#include <gtest/gtest.h>

#include "codec_support.h"

namespace groupwire::kafka {
namespace {

using testing::for_each_api;
using testing::RandomFill;

template <TopLevelMessage M>
int round_trip_all_versions(std::mt19937& rng) {
  int pairs = 0;
  for (ApiVersion v = M::kValid.lo; v <= M::kValid.hi; ++v) {
    for (int trial = 0; trial < 25; ++trial) {
      M original;
      RandomFill fill(rng, v);
      M::fields(original, fill);
      std::string bytes;
      encode(original, v, bytes);
      M decoded;
      Reader r(bytes.data(), bytes.size());
      bool ok = decode(r, v, decoded);
      EXPECT_TRUE(ok) << "v" << v << ": " << r.error();
      EXPECT_EQ(r.remaining(), 0u) << "v" << v;
      EXPECT_TRUE(decoded == original) << "v" << v << " trial " << trial;
      std::string again;
      encode(decoded, v, again);
      EXPECT_EQ(again, bytes) << "v" << v;
      if (::testing::Test::HasFailure()) return pairs;
    }
    ++pairs;
  }
  return pairs;
}

TEST(CodecRoundTrip, EveryMessageAtEveryVersion) {
  std::mt19937 rng(20261125);
  int pairs = 0;
  for_each_api([&](auto api) {
    using A = decltype(api);
    int requests = round_trip_all_versions<typename A::Request>(rng);
    int responses = round_trip_all_versions<typename A::Response>(rng);
    EXPECT_EQ(requests, A::Request::kValid.hi - A::Request::kValid.lo + 1) << api.name;
    EXPECT_EQ(responses, A::Response::kValid.hi - A::Response::kValid.lo + 1) << api.name;
    pairs += requests + responses;
  });
  // 20 APIs: ApiVersions 5, Metadata 13, FindCoordinator 7, JoinGroup 10, SyncGroup 6,
  // Heartbeat 5, LeaveGroup 6, OffsetCommit 10, OffsetFetch 10, DescribeGroups 6, ListGroups 6,
  // DeleteGroups 3, OffsetDelete 1, ListOffsets 6, Fetch 14, SaslHandshake 2,
  // SaslAuthenticate 3, Produce 12, ConsumerGroupHeartbeat 2, ConsumerGroupDescribe 2
  // = 129 versions, each as request and response.
  EXPECT_EQ(pairs, 258);
  std::printf("round trip covered %d (api, version, direction) pairs\n", pairs);
}

template <class M>
void round_trip_consumer_protocol(std::mt19937& rng) {
  for (std::int16_t v = 0; v <= 3; ++v) {
    for (int trial = 0; trial < 25; ++trial) {
      M original;
      RandomFill fill(rng, v);
      M::fields(original, fill);
      std::string bytes = encode_consumer_protocol(original, v);
      M decoded;
      std::int16_t version = -1;
      ASSERT_TRUE(decode_consumer_protocol(bytes, decoded, &version));
      EXPECT_EQ(version, v);
      EXPECT_TRUE(decoded == original) << "v" << v;
    }
  }
}

TEST(CodecRoundTrip, ConsumerProtocolEveryVersion) {
  std::mt19937 rng(7);
  round_trip_consumer_protocol<ConsumerProtocolSubscription>(rng);
  round_trip_consumer_protocol<ConsumerProtocolAssignment>(rng);
}

TEST(CodecRoundTrip, ConsumerProtocolNewerVersionParsesKnownPrefix) {
  ConsumerProtocolSubscription sub;
  sub.topics = {"orders", "payments"};
  sub.rack_id = "rack-a";
  std::string bytes = encode_consumer_protocol(sub, 3);
  bytes[1] = 9;              // claim a future version
  bytes += "future-fields";  // that appends fields we do not know
  ConsumerProtocolSubscription decoded;
  std::int16_t version = 0;
  ASSERT_TRUE(decode_consumer_protocol(bytes, decoded, &version));
  EXPECT_EQ(version, 9);
  EXPECT_EQ(decoded.topics, sub.topics);
  EXPECT_EQ(decoded.rack_id, sub.rack_id);
}

TEST(CodecRoundTrip, ConsumerProtocolRejectsNegativeVersionAndTruncation) {
  ConsumerProtocolAssignment a;
  a.assigned_partitions = {{"orders", {0, 1, 2}}};
  std::string bytes = encode_consumer_protocol(a, 1);
  ConsumerProtocolAssignment out;
  EXPECT_FALSE(decode_consumer_protocol(bytes.substr(0, bytes.size() - 3), out));
  std::string negative = bytes;
  negative[0] = '\xff';
  EXPECT_FALSE(decode_consumer_protocol(negative, out));
}

}  // namespace
}  // namespace groupwire::kafka
