// The consumer protocol: the subscription and assignment that consumers embed as opaque bytes in
// JoinGroup and SyncGroup when the protocol type is "consumer".
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "kafka/codec/schema.h"

namespace groupwire::kafka {

// Not a top-level message: an int16 version prefix, then a body that is never flexible.
struct ConsumerProtocolSubscription {
  static constexpr Versions kValid = between(0, 3);

  struct TopicPartition {
    std::string topic;
    std::vector<std::int32_t> partitions;
    static void fields(auto& m, auto& v) {
      v(m.topic, {"topic", since(1)});
      v(m.partitions, {"partitions", since(1)});
    }
    bool operator==(const TopicPartition&) const = default;
  };

  std::vector<std::string> topics;
  std::optional<Bytes> user_data;
  std::vector<TopicPartition> owned_partitions;
  std::int32_t generation_id = -1;
  std::optional<std::string> rack_id;

  static void fields(auto& m, auto& v) {
    v(m.topics, {"topics", since(0)});
    v(m.user_data, {"user_data", since(0), since(0)});
    v(m.owned_partitions, {"owned_partitions", since(1)});
    v(m.generation_id, {"generation_id", since(2)});
    v(m.rack_id, {"rack_id", since(3), since(3)});
  }
  bool operator==(const ConsumerProtocolSubscription&) const = default;
};

struct ConsumerProtocolAssignment {
  static constexpr Versions kValid = between(0, 3);

  struct TopicPartition {
    std::string topic;
    std::vector<std::int32_t> partitions;
    static void fields(auto& m, auto& v) {
      v(m.topic, {"topic", since(0)});
      v(m.partitions, {"partitions", since(0)});
    }
    bool operator==(const TopicPartition&) const = default;
  };

  std::vector<TopicPartition> assigned_partitions;
  std::optional<Bytes> user_data;

  static void fields(auto& m, auto& v) {
    v(m.assigned_partitions, {"assigned_partitions", since(0)});
    v(m.user_data, {"user_data", since(0), since(0)});
  }
  bool operator==(const ConsumerProtocolAssignment&) const = default;
};

// Lenient, like Kafka's coordinator: a version newer than 3 is read as far as v3 goes, and bytes
// after the body are ignored. Fails on a negative version or a truncated or malformed body; `out`
// is replaced only on success. `version`, if given, receives the prefix whenever it could be read.
bool decode_consumer_protocol(std::string_view bytes, ConsumerProtocolSubscription& out,
                              std::int16_t* version = nullptr);
bool decode_consumer_protocol(std::string_view bytes, ConsumerProtocolAssignment& out,
                              std::int16_t* version = nullptr);

// The version prefix, then the body as that version lays it out.
std::string encode_consumer_protocol(const ConsumerProtocolSubscription& m, std::int16_t version);
std::string encode_consumer_protocol(const ConsumerProtocolAssignment& m, std::int16_t version);

}  // namespace groupwire::kafka
