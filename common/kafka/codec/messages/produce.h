// Produce (key 0): records for partitions. The gateway relays it unread, and decodes it only to
// answer, per partition, what a principal may not write (ACLs). Records stay opaque bytes.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "kafka/codec/api_key.h"
#include "kafka/codec/schema.h"

namespace groupwire::kafka {

struct ProduceRequest {
  static constexpr ApiKey kApiKey = ApiKey::Produce;
  static constexpr Versions kValid = between(0, 11);
  static constexpr Versions kFlexible = since(9);

  struct Partition {
    std::int32_t index = 0;
    std::optional<Bytes> records;
    static void fields(auto& m, auto& v) {
      v(m.index, {"index", since(0)});
      v(m.records, {"records", since(0), since(0)});
    }
    bool operator==(const Partition&) const = default;
  };
  struct Topic {
    std::string name;
    std::vector<Partition> partition_data;
    static void fields(auto& m, auto& v) {
      v(m.name, {"name", since(0)});
      v(m.partition_data, {"partition_data", since(0)});
    }
    bool operator==(const Topic&) const = default;
  };

  std::optional<std::string> transactional_id;
  std::int16_t acks = 0;
  std::int32_t timeout_ms = 0;
  std::vector<Topic> topic_data;

  static void fields(auto& m, auto& v) {
    v(m.transactional_id, {"transactional_id", since(3), since(3)});
    v(m.acks, {"acks", since(0)});
    v(m.timeout_ms, {"timeout_ms", since(0)});
    v(m.topic_data, {"topic_data", since(0)});
  }
  bool operator==(const ProduceRequest&) const = default;
};

// Tagged structs at namespace scope: clang 14 cannot default-construct a nested one in
// std::optional while its enclosing class is being defined.

// Tagged (v10+): the partition's leader, when the produce went to the wrong broker.
struct ProduceLeaderIdAndEpoch {
  std::int32_t leader_id = -1;
  std::int32_t leader_epoch = -1;
  static void fields(auto& m, auto& v) {
    v(m.leader_id, {"leader_id", since(10)});
    v(m.leader_epoch, {"leader_epoch", since(10)});
  }
  bool operator==(const ProduceLeaderIdAndEpoch&) const = default;
};
// Tagged (v10+): the brokers named as new leaders.
struct ProduceNodeEndpoint {
  std::int32_t node_id = 0;
  std::string host;
  std::int32_t port = 0;
  std::optional<std::string> rack;
  static void fields(auto& m, auto& v) {
    v(m.node_id, {"node_id", since(10)});
    v(m.host, {"host", since(10)});
    v(m.port, {"port", since(10)});
    v(m.rack, {"rack", since(10), since(10)});
  }
  bool operator==(const ProduceNodeEndpoint&) const = default;
};

struct ProduceResponse {
  static constexpr ApiKey kApiKey = ApiKey::Produce;
  static constexpr Versions kValid = ProduceRequest::kValid;
  static constexpr Versions kFlexible = ProduceRequest::kFlexible;

  struct RecordError {
    std::int32_t batch_index = 0;
    std::optional<std::string> batch_index_error_message;
    static void fields(auto& m, auto& v) {
      v(m.batch_index, {"batch_index", since(8)});
      v(m.batch_index_error_message, {"batch_index_error_message", since(8), since(8)});
    }
    bool operator==(const RecordError&) const = default;
  };
  struct Partition {
    std::int32_t index = 0;
    std::int16_t error_code = 0;
    std::int64_t base_offset = -1;
    std::int64_t log_append_time_ms = -1;
    std::int64_t log_start_offset = -1;
    std::vector<RecordError> record_errors;
    std::optional<std::string> error_message;
    std::optional<ProduceLeaderIdAndEpoch> current_leader;
    static void fields(auto& m, auto& v) {
      v(m.index, {"index", since(0)});
      v(m.error_code, {"error_code", since(0)});
      v(m.base_offset, {"base_offset", since(0)});
      v(m.log_append_time_ms, {"log_append_time_ms", since(2)});
      v(m.log_start_offset, {"log_start_offset", since(5)});
      v(m.record_errors, {"record_errors", since(8)});
      v(m.error_message, {"error_message", since(8), since(8)});
      v(m.current_leader, {"current_leader", since(10), kNever, 0});
    }
    bool operator==(const Partition&) const = default;
  };
  struct Topic {
    std::string name;
    std::vector<Partition> partition_responses;
    static void fields(auto& m, auto& v) {
      v(m.name, {"name", since(0)});
      v(m.partition_responses, {"partition_responses", since(0)});
    }
    bool operator==(const Topic&) const = default;
  };

  std::vector<Topic> responses;
  std::int32_t throttle_time_ms = 0;
  std::optional<std::vector<ProduceNodeEndpoint>> node_endpoints;

  static void fields(auto& m, auto& v) {
    v(m.responses, {"responses", since(0)});
    v(m.throttle_time_ms, {"throttle_time_ms", since(1)});
    v(m.node_endpoints, {"node_endpoints", since(10), kNever, 0});
  }
  bool operator==(const ProduceResponse&) const = default;
};

}  // namespace groupwire::kafka
