// Fetch (key 1): a consumer reads records from partitions, long-polling up to max_wait_ms for
// min_bytes. v0-13: v12 is the first flexible version, v13 names topics by id. Later versions
// (replica state, node endpoints) are only relayed. Records stay opaque bytes: the gateway never
// looks inside a record batch. The request's tagged cluster_id (v12+) is not kept.
#pragma once

#include "kafka/codec/api_key.h"
#include "kafka/codec/schema.h"

namespace groupwire::kafka {

struct FetchRequest {
  static constexpr ApiKey kApiKey = ApiKey::Fetch;
  static constexpr Versions kValid = between(0, 13);
  static constexpr Versions kFlexible = since(12);

  struct Partition {
    std::int32_t partition = 0;
    std::int32_t current_leader_epoch = -1;
    std::int64_t fetch_offset = 0;
    std::int32_t last_fetched_epoch = -1;
    std::int64_t log_start_offset = -1;
    std::int32_t partition_max_bytes = 0;
    static void fields(auto& m, auto& v) {
      v(m.partition, {"partition", since(0)});
      v(m.current_leader_epoch, {"current_leader_epoch", since(9)});
      v(m.fetch_offset, {"fetch_offset", since(0)});
      v(m.last_fetched_epoch, {"last_fetched_epoch", since(12)});
      v(m.log_start_offset, {"log_start_offset", since(5)});
      v(m.partition_max_bytes, {"partition_max_bytes", since(0)});
    }
    bool operator==(const Partition&) const = default;
  };
  struct Topic {
    std::string topic;
    Uuid topic_id{};
    std::vector<Partition> partitions;
    static void fields(auto& m, auto& v) {
      v(m.topic, {"topic", between(0, 12)});
      v(m.topic_id, {"topic_id", since(13)});
      v(m.partitions, {"partitions", since(0)});
    }
    bool operator==(const Topic&) const = default;
  };
  // Incremental fetch sessions (v7+): partitions the client drops from its session.
  struct ForgottenTopic {
    std::string topic;
    Uuid topic_id{};
    std::vector<std::int32_t> partitions;
    static void fields(auto& m, auto& v) {
      v(m.topic, {"topic", between(7, 12)});
      v(m.topic_id, {"topic_id", since(13)});
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

// The tagged partition fields of a Fetch response (v12+), at namespace scope: as members of an
// enclosing class still being defined, clang 14 cannot default-construct them in std::optional.

// Tagged (v12+): where the log diverges from the fetcher's last fetched epoch.
struct FetchEpochEndOffset {
  std::int32_t epoch = -1;
  std::int64_t end_offset = -1;
  static void fields(auto& m, auto& v) {
    v(m.epoch, {"epoch", since(12)});
    v(m.end_offset, {"end_offset", since(12)});
  }
  bool operator==(const FetchEpochEndOffset&) const = default;
};
// Tagged (v12+): the partition's leader, when the fetch went to the wrong broker.
struct FetchLeaderIdAndEpoch {
  std::int32_t leader_id = -1;
  std::int32_t leader_epoch = -1;
  static void fields(auto& m, auto& v) {
    v(m.leader_id, {"leader_id", since(12)});
    v(m.leader_epoch, {"leader_epoch", since(12)});
  }
  bool operator==(const FetchLeaderIdAndEpoch&) const = default;
};
// Tagged (v12+): the snapshot to fetch instead, below the log start offset.
struct FetchSnapshotId {
  std::int64_t end_offset = -1;
  std::int32_t epoch = -1;
  static void fields(auto& m, auto& v) {
    v(m.end_offset, {"end_offset", since(0)});
    v(m.epoch, {"epoch", since(0)});
  }
  bool operator==(const FetchSnapshotId&) const = default;
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
  using EpochEndOffset = FetchEpochEndOffset;
  using LeaderIdAndEpoch = FetchLeaderIdAndEpoch;
  using SnapshotId = FetchSnapshotId;
  struct Partition {
    std::int32_t partition_index = 0;
    std::int16_t error_code = 0;
    std::int64_t high_watermark = 0;
    std::int64_t last_stable_offset = -1;
    std::int64_t log_start_offset = -1;
    std::optional<EpochEndOffset> diverging_epoch;
    std::optional<LeaderIdAndEpoch> current_leader;
    std::optional<SnapshotId> snapshot_id;
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
      v(m.diverging_epoch, {"diverging_epoch", since(12), kNever, 0});
      v(m.current_leader, {"current_leader", since(12), kNever, 1});
      v(m.snapshot_id, {"snapshot_id", since(12), kNever, 2});
      v(m.aborted_transactions, {"aborted_transactions", since(4), since(4)});
      v(m.preferred_read_replica, {"preferred_read_replica", since(11)});
      v(m.records, {"records", since(0), since(0)});
    }
    bool operator==(const Partition&) const = default;
  };
  struct Topic {
    std::string topic;
    Uuid topic_id{};
    std::vector<Partition> partitions;
    static void fields(auto& m, auto& v) {
      v(m.topic, {"topic", between(0, 12)});
      v(m.topic_id, {"topic_id", since(13)});
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
