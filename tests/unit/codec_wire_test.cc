// The primitive encodings and the decoder's leniency rules, byte by byte.
#include <gtest/gtest.h>

#include "kafka/codec/codec.h"
#include "kafka/codec/header.h"
#include "kafka/codec/messages/all.h"
#include "kafka/error_code.h"

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

// A message with a struct that is nullable from v1 on, like Kafka's nullable struct fields.
struct Inner {
  std::int16_t x = 0;
  static void fields(auto& m, auto& v) { v(m.x, {"x", since(0)}); }
  bool operator==(const Inner&) const = default;
};
struct WithNullableStruct {
  std::optional<Inner> inner;
  std::int8_t after = 0;
  static void fields(auto& m, auto& v) {
    v(m.inner, {"inner", since(0), since(1)});
    v(m.after, {"after", since(0)});
  }
  bool operator==(const WithNullableStruct&) const = default;
};

std::string encoded(const WithNullableStruct& m, ApiVersion v, bool flexible) {
  std::string out;
  encode_body(m, v, flexible, out);
  return out;
}

TEST(Wire, NullableStructCarriesAnInt8Marker) {
  WithNullableStruct present{Inner{7}, 9};
  WithNullableStruct null{std::nullopt, 9};
  EXPECT_EQ(encoded(present, 1, false), bytes({1, 0, 7, 9}));
  EXPECT_EQ(encoded(null, 1, false), bytes({0xff, 9}));
  // Flexible: the struct's own tag buffer follows its fields.
  EXPECT_EQ(encoded(present, 1, true), bytes({1, 0, 7, 0, 9, 0}));
  EXPECT_EQ(encoded(null, 1, true), bytes({0xff, 9, 0}));
  // Where it is not nullable there is no marker, and a null is written as a default struct.
  EXPECT_EQ(encoded(present, 0, false), bytes({0, 7, 9}));
  EXPECT_EQ(encoded(null, 0, false), bytes({0, 0, 9}));

  for (bool flexible : {false, true}) {
    for (const auto& m : {present, null}) {
      std::string s = encoded(m, 1, flexible);
      WithNullableStruct back{Inner{1}, 0};
      Reader r(s.data(), s.size());
      ASSERT_TRUE(decode_body(r, 1, flexible, back)) << r.error();
      EXPECT_TRUE(back == m);
      EXPECT_EQ(r.remaining(), 0u);
    }
  }
  std::string s = bytes({0, 7, 9});
  WithNullableStruct back;
  Reader r(s.data(), s.size());
  ASSERT_TRUE(decode_body(r, 0, false, back)) << r.error();
  EXPECT_TRUE(back == present);
}

TEST(Wire, NullableStructMarkerAsKafkaReadsIt) {
  // Any non-negative marker means present; any negative one null.
  WithNullableStruct m;
  std::string zero = bytes({0, 0, 7, 9});
  Reader r(zero.data(), zero.size());
  ASSERT_TRUE(decode_body(r, 1, false, m));
  EXPECT_EQ(m.inner, Inner{7});
  std::string minus_two = bytes({0xfe, 9});
  Reader r2(minus_two.data(), minus_two.size());
  ASSERT_TRUE(decode_body(r2, 1, false, m));
  EXPECT_EQ(m.inner, std::nullopt);
  std::string truncated = bytes({1, 0});
  Reader r3(truncated.data(), truncated.size());
  EXPECT_FALSE(decode_body(r3, 1, false, m));
}

constexpr Uuid kTopicId{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16};

std::string uuid_bytes() {
  return std::string(kTopicId.begin(), kTopicId.end());
}

TEST(Wire, ConsumerGroupHeartbeatRequestV0) {
  ConsumerGroupHeartbeatRequest req;
  req.group_id = "g";
  req.member_id = "m";
  req.member_epoch = 0;
  req.rack_id = "r";
  req.rebalance_timeout_ms = 5000;
  req.subscribed_topic_names = std::vector<std::string>{"t"};
  req.subscribed_topic_regex = "ignored.*";  // a v1 field
  req.topic_partitions.emplace();
  std::string s;
  encode(req, 0, s);
  // Compact strings; instance id null (0); rack "r"; 5000 ms; names ["t"]; assignor null (0);
  // owned partitions [] (1); the tag buffer.
  EXPECT_EQ(s,
            bytes({2, 'g', 2, 'm', 0, 0, 0, 0, 0, 2, 'r', 0, 0, 0x13, 0x88, 2, 2, 't', 0, 1, 0}));
  ConsumerGroupHeartbeatRequest back;
  Reader r(s.data(), s.size());
  ASSERT_TRUE(decode(r, 0, back)) << r.error();
  EXPECT_EQ(back.subscribed_topic_regex, std::nullopt);
  EXPECT_EQ(back.subscribed_topic_names, req.subscribed_topic_names);
  EXPECT_EQ(back.instance_id, std::nullopt);
  ASSERT_TRUE(back.topic_partitions.has_value());
  EXPECT_TRUE(back.topic_partitions->empty());
}

TEST(Wire, ConsumerGroupHeartbeatRequestV1) {
  ConsumerGroupHeartbeatRequest req;
  req.group_id = "g";
  req.member_id = "m";
  req.member_epoch = 7;
  req.subscribed_topic_regex = "a.*";
  req.server_assignor = "range";
  req.topic_partitions =
      std::vector<ConsumerGroupHeartbeatRequest::TopicPartitions>{{kTopicId, {0, 2}}};
  std::string s;
  encode(req, 1, s);
  std::string want = bytes({2, 'g', 2,   'm', 0,   0,   0, 7, 0, 0, 0xff, 0xff, 0xff, 0xff,
                            0,                 // subscribed_topic_names: null
                            4, 'a', '.', '*',  // subscribed_topic_regex
                            6, 'r', 'a', 'n', 'g', 'e', 2}) +
                     uuid_bytes() + bytes({3, 0, 0, 0, 0, 0, 0, 0, 2, 0, 0});
  EXPECT_EQ(s, want);
  ConsumerGroupHeartbeatRequest back;
  Reader r(s.data(), s.size());
  ASSERT_TRUE(decode(r, 1, back)) << r.error();
  EXPECT_TRUE(back == req);
  EXPECT_EQ(r.remaining(), 0u);
}

TEST(Wire, ConsumerGroupHeartbeatResponseWithNullAssignment) {
  ConsumerGroupHeartbeatResponse resp;
  resp.member_id = "m";
  resp.member_epoch = 3;
  resp.heartbeat_interval_ms = 5000;
  std::string s;
  encode(resp, 0, s);
  // throttle, error, message null, member id, epoch, interval, assignment null (-1), tags.
  EXPECT_EQ(s, bytes({0, 0, 0, 0, 0, 0, 0, 2, 'm', 0, 0, 0, 3, 0, 0, 0x13, 0x88, 0xff, 0}));
  ConsumerGroupHeartbeatResponse back;
  back.assignment.emplace();
  Reader r(s.data(), s.size());
  ASSERT_TRUE(decode(r, 0, back)) << r.error();
  EXPECT_TRUE(back == resp);
}

TEST(Wire, ConsumerGroupHeartbeatResponseWithAssignment) {
  ConsumerGroupHeartbeatResponse resp;
  resp.error_code = to_wire(ErrorCode::NONE);
  resp.member_epoch = 4;
  resp.heartbeat_interval_ms = 5000;
  resp.assignment = ConsumerGroupHeartbeatResponse::Assignment{{{kTopicId, {1}}}};
  std::string s;
  encode(resp, 1, s);
  // ... assignment present (1): one topic (2), its id, partitions [1], the topic's tags, the
  // assignment's tags, the response's tags.
  std::string want = bytes({0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 4, 0, 0, 0x13, 0x88, 1, 2}) +
                     uuid_bytes() + bytes({2, 0, 0, 0, 1, 0, 0, 0});
  EXPECT_EQ(s, want);
  ConsumerGroupHeartbeatResponse back;
  Reader r(s.data(), s.size());
  ASSERT_TRUE(decode(r, 1, back)) << r.error();
  EXPECT_TRUE(back == resp);
  EXPECT_EQ(r.remaining(), 0u);
}

TEST(Wire, ConsumerGroupDescribeMemberTypeOnlyFromV1) {
  ConsumerGroupDescribeResponse resp;
  auto& group = resp.groups.emplace_back();
  group.group_id = "g";
  auto& member = group.members.emplace_back();
  member.member_id = "m";
  member.member_type = ConsumerGroupDescribeResponse::kConsumerMember;
  std::string v0, v1;
  encode(resp, 0, v0);
  encode(resp, 1, v1);
  ASSERT_EQ(v1.size(), v0.size() + 1);
  // v1: the member type, the member's tag buffer; then the group's authorized operations
  // (INT32_MIN), the group's and the response's tag buffers.
  EXPECT_EQ(v1.substr(v1.size() - 8), bytes({1, 0, 0x80, 0, 0, 0, 0, 0}));
  EXPECT_EQ(v0, v1.substr(0, v1.size() - 8) + bytes({0, 0x80, 0, 0, 0, 0, 0}));
  ConsumerGroupDescribeResponse back;
  Reader r(v0.data(), v0.size());
  ASSERT_TRUE(decode(r, 0, back)) << r.error();
  EXPECT_EQ(back.groups.at(0).members.at(0).member_type,
            ConsumerGroupDescribeResponse::kUnknownMember);
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
