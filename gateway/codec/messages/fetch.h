// Fetch (key 1): a consumer reads records from partitions, long-polling up to max_wait_ms for
// min_bytes. v0-11 only: v12 is the first flexible version (and v13 switches to topic ids).
// Records stay opaque bytes: the gateway never looks inside a record batch.
#pragma once

#include "codec/api_key.h"
#include "codec/schema.h"

namespace groupwire::kafka {

struct FetchRequest {
  static constexpr ApiKey kApiKey = ApiKey::Fetch;
  static constexpr Versions kValid = between(0, 11);
  static constexpr Versions kFlexible = since(12);

  struct Partition {
    std::int32_t partition = 0;
    std::int32_t current_leader_epoch = -1;
    std::int64_t fetch_offset = 0;
    std::int64_t log_start_offset = -1;
    std::int32_t partition_max_bytes = 0;
    static void fields(auto& m, auto& v) {
      v(m.partition, {"partition", since(0)});
      v(m.current_leader_epoch, {"current_leader_epoch", since(9)});
      v(m.fetch_offset, {"fetch_offset", since(0)});
      v(m.log_start_offset, {"log_start_offset", since(5)});
      v(m.partition_max_bytes, {"partition_max_bytes", since(0)});
    }
    bool operator==(const Partition&) const = default;
  };
  struct Topic {
    std::string topic;
    std::vector<Partition> partitions;
    static void fields(auto& m, auto& v) {
      v(m.topic, {"topic", between(0, 12)});
      v(m.partitions, {"partitions", since(0)});
    }
    bool operator==(const Topic&) const = default;
  };
  // Incremental fetch sessions (v7+): partitions the client drops from its session.
  struct ForgottenTopic {
    std::string topic;
    std::vector<std::int32_t> partitions;
    static void fields(auto& m, auto& v) {
      v(m.topic, {"topic", between(7, 12)});
      v(m.partitions, {"partitions", since(7)});
    }
    bool operator==(const ForgottenTopic&) const = default;
  };

  std::int32_t replica_id = -1;
  std::int32_t max_wait_ms = 0;
  std::int32_t min_bytes = 0;
  std::int32_t max_bytes = 0x7fffffff;
  std::int8_t isolation_level = 0;
  std::int32_t session_id = 0;
  std::int32_t session_epoch = -1;
  std::vector<Topic> topics;
  std::vector<ForgottenTopic> forgotten_topics_data;
  std::string rack_id;

  static void fields(auto& m, auto& v) {
    v(m.replica_id, {"replica_id", between(0, 14)});
    v(m.max_wait_ms, {"max_wait_ms", since(0)});
    v(m.min_bytes, {"min_bytes", since(0)});
    v(m.max_bytes, {"max_bytes", since(3)});
    v(m.isolation_level, {"isolation_level", since(4)});
    v(m.session_id, {"session_id", since(7)});
    v(m.session_epoch, {"session_epoch", since(7)});
    v(m.topics, {"topics", since(0)});
    v(m.forgotten_topics_data, {"forgotten_topics_data", since(7)});
    v(m.rack_id, {"rack_id", since(11)});
  }
  bool operator==(const FetchRequest&) const = default;
};

struct FetchResponse {
  static constexpr ApiKey kApiKey = ApiKey::Fetch;
  static constexpr Versions kValid = FetchRequest::kValid;
  static constexpr Versions kFlexible = FetchRequest::kFlexible;

  struct AbortedTransaction {
    std::int64_t producer_id = 0;
    std::int64_t first_offset = 0;
    static void fields(auto& m, auto& v) {
      v(m.producer_id, {"producer_id", since(4)});
      v(m.first_offset, {"first_offset", since(4)});
    }
    bool operator==(const AbortedTransaction&) const = default;
  };
  struct Partition {
    std::int32_t partition_index = 0;
    std::int16_t error_code = 0;
    std::int64_t high_watermark = 0;
    std::int64_t last_stable_offset = -1;
    std::int64_t log_start_offset = -1;
    // Nullable, but Kafka's default is an empty list.
    std::optional<std::vector<AbortedTransaction>> aborted_transactions =
        std::vector<AbortedTransaction>();
    std::int32_t preferred_read_replica = -1;
    std::optional<Bytes> records;  // Kafka's default: null
    static void fields(auto& m, auto& v) {
      v(m.partition_index, {"partition_index", since(0)});
      v(m.error_code, {"error_code", since(0)});
      v(m.high_watermark, {"high_watermark", since(0)});
      v(m.last_stable_offset, {"last_stable_offset", since(4)});
      v(m.log_start_offset, {"log_start_offset", since(5)});
      v(m.aborted_transactions, {"aborted_transactions", since(4), since(4)});
      v(m.preferred_read_replica, {"preferred_read_replica", since(11)});
      v(m.records, {"records", since(0), since(0)});
    }
    bool operator==(const Partition&) const = default;
  };
  struct Topic {
    std::string topic;
    std::vector<Partition> partitions;
    static void fields(auto& m, auto& v) {
      v(m.topic, {"topic", between(0, 12)});
      v(m.partitions, {"partitions", since(0)});
    }
    bool operator==(const Topic&) const = default;
  };

  std::int32_t throttle_time_ms = 0;
  std::int16_t error_code = 0;
  std::int32_t session_id = 0;
  std::vector<Topic> responses;

  static void fields(auto& m, auto& v) {
    v(m.throttle_time_ms, {"throttle_time_ms", since(1)});
    v(m.error_code, {"error_code", since(7)});
    v(m.session_id, {"session_id", since(7)});
    v(m.responses, {"responses", since(0)});
  }
  bool operator==(const FetchResponse&) const = default;
};

}  // namespace groupwire::kafka
