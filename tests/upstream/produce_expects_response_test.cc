// produce_expects_response: whether the broker answers a Produce request, read from its acks.
// Frames are built by hand, without the size prefix, as the dispatcher hands them to the relay.
#include <optional>
#include <string>

#include <gtest/gtest.h>

#include "kafka/codec/wire.h"
#include "upstream/relay.h"

namespace groupwire::gateway {
namespace {

using kafka::Writer;

struct ProduceFrame {
  std::int16_t version = 0;
  std::int16_t acks = 1;
  std::optional<std::string> transactional_id;  // v3+
  bool header_tag = false;  // v9+: a tagged field in the request header's tag buffer
  std::optional<std::string> client_id = "producer-1";
};

ProduceFrame produce(std::int16_t version, std::int16_t acks,
                     std::optional<std::string> transactional_id = std::nullopt,
                     bool header_tag = false) {
  ProduceFrame p;
  p.version = version;
  p.acks = acks;
  p.transactional_id = std::move(transactional_id);
  p.header_tag = header_tag;
  return p;
}

// Header, transactional_id (v3+), acks, timeout_ms and an empty topic list.
std::string produce_frame(const ProduceFrame& p) {
  bool flexible = p.version >= 9;
  std::string out;
  Writer w(out);
  w.write_int<std::int16_t>(0);  // Produce
  w.write_int(p.version);
  w.write_int<std::int32_t>(4242);
  if (p.client_id) {
    w.write_length(static_cast<std::int64_t>(p.client_id->size()), false, false);
    w.write_raw(*p.client_id);
  } else {
    w.write_length(-1, false, false);
  }
  if (flexible) {
    if (p.header_tag) {
      w.write_uvarint(1);  // one tagged field
      w.write_uvarint(7);  // tag
      w.write_uvarint(3);  // size
      w.write_raw("abc");
    } else {
      w.write_uvarint(0);
    }
  }
  if (p.version >= 3) {
    if (p.transactional_id) {
      w.write_length(static_cast<std::int64_t>(p.transactional_id->size()), flexible, false);
      w.write_raw(*p.transactional_id);
    } else {
      w.write_length(-1, flexible, false);
    }
  }
  w.write_int(p.acks);
  w.write_int<std::int32_t>(30000);   // timeout_ms
  w.write_length(0, flexible, true);  // topic_data: empty
  if (flexible) w.write_uvarint(0);   // body tag buffer
  return out;
}

constexpr std::int16_t kAcks[] = {0, 1, -1};

TEST(ProduceExpectsResponse, ClassicVersionsReadAcksRightAfterTheHeader) {
  for (std::int16_t version = 0; version <= 2; ++version) {
    for (std::int16_t acks : kAcks) {
      EXPECT_EQ(produce_expects_response(produce_frame(produce(version, acks))), acks != 0)
          << "v" << version << " acks=" << acks;
    }
  }
}

TEST(ProduceExpectsResponse, ClassicVersionsWithNullClientId) {
  for (std::int16_t version = 0; version <= 8; ++version) {
    for (std::int16_t acks : kAcks) {
      ProduceFrame p = produce(version, acks);
      p.client_id.reset();
      EXPECT_EQ(produce_expects_response(produce_frame(p)), acks != 0)
          << "v" << version << " acks=" << acks;
    }
  }
}

TEST(ProduceExpectsResponse, V3ToV8SkipANullTransactionalId) {
  for (std::int16_t version = 3; version <= 8; ++version) {
    for (std::int16_t acks : kAcks) {
      EXPECT_EQ(produce_expects_response(produce_frame(produce(version, acks))), acks != 0)
          << "v" << version << " acks=" << acks;
    }
  }
}

TEST(ProduceExpectsResponse, V3ToV8SkipATransactionalId) {
  for (std::int16_t version = 3; version <= 8; ++version) {
    for (std::int16_t acks : kAcks) {
      for (std::string txn : {std::string(), std::string("txn-1"), std::string(300, 't')}) {
        EXPECT_EQ(produce_expects_response(produce_frame(produce(version, acks, txn))), acks != 0)
            << "v" << version << " acks=" << acks << " transactional_id of " << txn.size();
      }
    }
  }
}

TEST(ProduceExpectsResponse, FlexibleVersionsUseHeaderV2AndCompactTransactionalId) {
  for (std::int16_t version = 9; version <= 11; ++version) {
    for (std::int16_t acks : kAcks) {
      for (bool header_tag : {false, true}) {
        for (std::optional<std::string> txn :
             {std::optional<std::string>(), std::optional<std::string>(""),
              std::optional<std::string>("txn-1"),
              std::optional<std::string>(std::string(200, 'x'))}) {
          EXPECT_EQ(
              produce_expects_response(produce_frame(produce(version, acks, txn, header_tag))),
              acks != 0)
              << "v" << version << " acks=" << acks << " header_tag=" << header_tag
              << " transactional_id " << (txn ? "of " + std::to_string(txn->size()) : "null");
        }
      }
    }
  }
}

// The classic header layout read as flexible (or the other way round) would land on the wrong
// bytes: a v9 frame whose first transactional_id byte looked like acks=0 must still be read
// correctly.
TEST(ProduceExpectsResponse, FlexibleTransactionalIdIsNotReadAsClassic) {
  // Compact length 1 (empty string) followed by acks=1: read as a classic int16 length the
  // bytes 0x01 0x00 would be 256.
  EXPECT_TRUE(produce_expects_response(produce_frame(produce(9, 1, std::string()))));
  EXPECT_FALSE(produce_expects_response(produce_frame(produce(9, 0, std::string()))));
}

TEST(ProduceExpectsResponse, MalformedFramesAwaitAnAnswer) {
  EXPECT_TRUE(produce_expects_response(""));
  EXPECT_TRUE(produce_expects_response(std::string("\x00", 1)));
  EXPECT_TRUE(produce_expects_response(std::string("\x00\x00\x00", 3)));  // no version
  // Every strict prefix of an acks=0 frame, up to and including the first byte of acks.
  for (std::int16_t version : {0, 3, 8, 9}) {
    std::string whole = produce_frame(produce(version, 0, std::string("txn-1")));
    std::size_t acks_at = whole.size() - 2 - 4 - (version >= 9 ? 2 : 4);
    ASSERT_FALSE(produce_expects_response(whole)) << "v" << version;
    for (std::size_t n = 0; n <= acks_at + 1; ++n) {
      EXPECT_TRUE(produce_expects_response(std::string_view(whole).substr(0, n)))
          << "v" << version << " cut to " << n << " bytes";
    }
  }
}

TEST(ProduceExpectsResponse, TransactionalIdLongerThanTheFrameAwaitsAnAnswer) {
  std::string classic = produce_frame(produce(3, 0));
  // The null length (0xffff) sits after the 10-byte fixed header and the client id.
  std::size_t at = 10 + std::string("producer-1").size();
  ASSERT_EQ(static_cast<unsigned char>(classic[at]), 0xff);
  classic[at] = 0x7f;  // 32767 + bytes
  EXPECT_TRUE(produce_expects_response(classic));

  std::string flexible = produce_frame(produce(9, 0));
  at = 10 + std::string("producer-1").size() + 1;  // after the header tag buffer
  ASSERT_EQ(flexible[at], 0);                      // compact null
  flexible[at] = 0x7f;                             // 126 bytes
  EXPECT_TRUE(produce_expects_response(flexible));
}

TEST(ProduceExpectsResponse, HeaderTagBufferLongerThanTheFrameAwaitsAnAnswer) {
  std::string frame = produce_frame(produce(9, 0, std::nullopt, true));
  std::size_t at = 10 + std::string("producer-1").size() + 2;  // the tagged field's size
  ASSERT_EQ(frame[at], 3);
  frame[at] = 0x7f;
  EXPECT_TRUE(produce_expects_response(frame));
}

}  // namespace
}  // namespace groupwire::gateway
