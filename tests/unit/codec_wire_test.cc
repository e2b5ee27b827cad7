// The primitive encodings and the decoder's leniency rules, byte by byte.
#include <gtest/gtest.h>

#include "kafka/codec/codec.h"
#include "kafka/codec/header.h"
#include "kafka/codec/messages/all.h"

namespace groupwire::kafka {
namespace {

std::string bytes(std::initializer_list<int> b) {
  std::string s;
  for (int x : b) s.push_back(static_cast<char>(x));
  return s;
}

std::uint32_t read_varint(const std::string& s, bool* ok) {
  Reader r(s.data(), s.size());
  auto v = r.read_uvarint();
  *ok = r.ok();
  return v;
}

TEST(Wire, UnsignedVarintBoundaries) {
  for (std::uint32_t v : {0u, 1u, 127u, 128u, 300u, 16383u, 16384u, 0x0fffffffu, 0xffffffffu}) {
    std::string s;
    Writer(s).write_uvarint(v);
    bool ok = false;
    EXPECT_EQ(read_varint(s, &ok), v);
    EXPECT_TRUE(ok);
  }
  std::string s;
  Writer(s).write_uvarint(300);
  EXPECT_EQ(s, bytes({0xac, 0x02}));
}

TEST(Wire, OverlongVarintIsAnError) {
  bool ok = true;
  read_varint(bytes({0x80, 0x80, 0x80, 0x80, 0x80, 0x01}), &ok);
  EXPECT_FALSE(ok);
  read_varint(bytes({0xff, 0xff, 0xff, 0xff, 0x1f}), &ok);  // more than 32 bits
  EXPECT_FALSE(ok);
  read_varint(bytes({0x80}), &ok);  // truncated
  EXPECT_FALSE(ok);
}

TEST(Wire, CompactAndClassicStrings) {
  HeartbeatRequest hb;
  hb.group_id = "g";
  hb.member_id = "m";
  hb.generation_id = 5;
  std::string classic, compact;
  encode(hb, 0, classic);
  encode(hb, 4, compact);
  EXPECT_EQ(classic, bytes({0, 1, 'g', 0, 0, 0, 5, 0, 1, 'm'}));
  // v4: compact strings (length + 1), a null group_instance_id (0), an empty tag buffer.
  EXPECT_EQ(compact, bytes({2, 'g', 0, 0, 0, 5, 2, 'm', 0, 0}));
}

TEST(Wire, NullInNonNullableFieldIsAnError) {
  HeartbeatRequest hb;
  std::string s = bytes({0xff, 0xff, 0, 0, 0, 1, 0, 0});  // group_id length -1 at v0
  Reader r(s.data(), s.size());
  EXPECT_FALSE(decode(r, 0, hb));
}

TEST(Wire, NullableStringOnlyWhereNullable) {
  // Heartbeat v3: group_instance_id is nullable.
  std::string s = bytes({0, 1, 'g', 0, 0, 0, 1, 0, 1, 'm', 0xff, 0xff});
  HeartbeatRequest hb;
  hb.group_instance_id = "stale";
  Reader r(s.data(), s.size());
  ASSERT_TRUE(decode(r, 3, hb)) << r.error();
  EXPECT_EQ(hb.group_instance_id, std::nullopt);
}

TEST(Wire, GroupInstanceIdAbsentBeforeHeartbeatV3) {
  HeartbeatRequest hb;
  hb.group_id = "g";
  hb.group_instance_id = "instance";  // not representable in v2: dropped
  std::string v2, v3;
  encode(hb, 2, v2);
  encode(hb, 3, v3);
  EXPECT_EQ(v3.size(), v2.size() + 2 + 8);
}

TEST(Wire, TrailingBytesAfterBodyAreIgnored) {
  HeartbeatRequest hb;
  std::string s = bytes({0, 1, 'g', 0, 0, 0, 1, 0, 1, 'm', 0x42, 0x42});
  Reader r(s.data(), s.size());
  ASSERT_TRUE(decode(r, 0, hb));
  EXPECT_EQ(r.remaining(), 2u);
}

TEST(Wire, TruncatedBodyIsAnError) {
  HeartbeatRequest hb;
  std::string s = bytes({0, 1, 'g', 0, 0});
  Reader r(s.data(), s.size());
  EXPECT_FALSE(decode(r, 0, hb));
}

TEST(Wire, HostileArrayCountIsRefusedBeforeAllocating) {
  DeleteGroupsRequest req;
  std::string s = bytes({0x7f, 0xff, 0xff, 0xff, 0, 1, 'g'});
  Reader r(s.data(), s.size());
  EXPECT_FALSE(decode(r, 0, req));
}

TEST(Wire, UnknownTaggedFieldsAreSkipped) {
  // Heartbeat v4 with a tag buffer holding tag 7 (3 bytes) and tag 9 (0 bytes).
  std::string s = bytes({2, 'g', 0, 0, 0, 1, 2, 'm', 0, 2, 7, 3, 1, 2, 3, 9, 0});
  HeartbeatRequest hb;
  Reader r(s.data(), s.size());
  ASSERT_TRUE(decode(r, 4, hb)) << r.error();
  EXPECT_EQ(hb.group_id, "g");
  EXPECT_EQ(r.remaining(), 0u);
  std::string again;
  encode(hb, 4, again);  // unknown tags are dropped, deliberately
  EXPECT_EQ(again, bytes({2, 'g', 0, 0, 0, 1, 2, 'm', 0, 0}));
}

TEST(Wire, KnownTaggedFieldsRoundTrip) {
  ApiVersionsResponse resp;
  resp.finalized_features_epoch = 3;
  resp.zk_migration_ready = true;
  std::string s;
  encode(resp, 3, s);
  // error, empty compact array, throttle, 2 tags: (1, len 8, int64 3), (3, len 1, true)
  EXPECT_EQ(s, bytes({0, 0, 1, 0, 0, 0, 0, 2, 1, 8, 0, 0, 0, 0, 0, 0, 0, 3, 3, 1, 1}));
  ApiVersionsResponse back;
  Reader r(s.data(), s.size());
  ASSERT_TRUE(decode(r, 3, back));
  EXPECT_TRUE(back == resp);
}

TEST(Wire, TaggedFieldPayloadOverrunIsAnError) {
  std::string s = bytes({0, 0, 1, 0, 0, 0, 0, 1, 1, 9, 0, 0});
  ApiVersionsResponse resp;
  Reader r(s.data(), s.size());
  EXPECT_FALSE(decode(r, 3, resp));
}

TEST(Header, ClientIdStaysClassicInHeaderV2) {
  RequestHeader h{18, 3, 42, "cli"};
  std::string s;
  encode_request_header(h, true, s);
  EXPECT_EQ(s, bytes({0, 18, 0, 3, 0, 0, 0, 42, 0, 3, 'c', 'l', 'i', 0}));
  RequestHeader back;
  Reader r(s.data(), s.size());
  ASSERT_TRUE(decode_request_header(r, true, back));
  EXPECT_TRUE(back == h);
}

TEST(Header, NullClientId) {
  std::string s = bytes({0, 12, 0, 0, 0, 0, 0, 1, 0xff, 0xff});
  RequestHeader h;
  Reader r(s.data(), s.size());
  ASSERT_TRUE(decode_request_header(r, false, h));
  EXPECT_EQ(h.client_id, std::nullopt);
}

TEST(Header, ApiVersionsResponsesUseHeaderV0) {
  EXPECT_FALSE(response_header_flexible(ApiKey::ApiVersions, true));
  EXPECT_TRUE(response_header_flexible(ApiKey::Heartbeat, true));
  EXPECT_FALSE(response_header_flexible(ApiKey::Heartbeat, false));
}

TEST(Traps, LeaveGroupV1V2ResponsesPutThrottleFirstWithoutMembers) {
  LeaveGroupResponse resp;
  resp.throttle_time_ms = 1;
  resp.error_code = 25;
  resp.members.push_back({"m", std::nullopt, 0});
  for (ApiVersion v : {1, 2}) {
    std::string s;
    encode(resp, v, s);
    EXPECT_EQ(s, bytes({0, 0, 0, 1, 0, 25})) << "v" << v;
  }
}

}  // namespace
}  // namespace groupwire::kafka
