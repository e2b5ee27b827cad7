// ListOffsets (key 2): a consumer asks for the offset at a time, or the earliest (-2) or latest
// (-1) offset, of each partition. v0-5 only: v6 is the first flexible version.
#pragma once

#include "kafka/codec/api_key.h"
#include "kafka/codec/schema.h"

namespace groupwire::kafka {

struct ListOffsetsRequest {
  static constexpr ApiKey kApiKey = ApiKey::ListOffsets;
  static constexpr Versions kValid = between(0, 5);
  static constexpr Versions kFlexible = since(6);

  struct Partition {
    std::int32_t partition_index = 0;
    std::int32_t current_leader_epoch = -1;
    std::int64_t timestamp = 0;
    std::int32_t max_num_offsets = 1;
    static void fields(auto& m, auto& v) {
      v(m.partition_index, {"partition_index", since(0)});
      v(m.current_leader_epoch, {"current_leader_epoch", since(4)});
      v(m.timestamp, {"timestamp", since(0)});
      v(m.max_num_offsets, {"max_num_offsets", between(0, 0)});
    }
    bool operator==(const Partition&) const = default;
  };
  struct Topic {
    std::string name;
    std::vector<Partition> partitions;
    static void fields(auto& m, auto& v) {
      v(m.name, {"name", since(0)});
      v(m.partitions, {"partitions", since(0)});
    }
    bool operator==(const Topic&) const = default;
  };

  std::int32_t replica_id = 0;
  std::int8_t isolation_level = 0;
  std::vector<Topic> topics;

  static void fields(auto& m, auto& v) {
    v(m.replica_id, {"replica_id", since(0)});
    v(m.isolation_level, {"isolation_level", since(2)});
    v(m.topics, {"topics", since(0)});
  }
  bool operator==(const ListOffsetsRequest&) const = default;
};

struct ListOffsetsResponse {
  static constexpr ApiKey kApiKey = ApiKey::ListOffsets;
  static constexpr Versions kValid = ListOffsetsRequest::kValid;
  static constexpr Versions kFlexible = ListOffsetsRequest::kFlexible;

  struct Partition {
    std::int32_t partition_index = 0;
    std::int16_t error_code = 0;
    std::vector<std::int64_t> old_style_offsets;  // v0 only: v1+ answer a single offset
    std::int64_t timestamp = -1;
    std::int64_t offset = -1;
    std::int32_t leader_epoch = -1;
    static void fields(auto& m, auto& v) {
      v(m.partition_index, {"partition_index", since(0)});
      v(m.error_code, {"error_code", since(0)});
      v(m.old_style_offsets, {"old_style_offsets", between(0, 0)});
      v(m.timestamp, {"timestamp", since(1)});
      v(m.offset, {"offset", since(1)});
      v(m.leader_epoch, {"leader_epoch", since(4)});
    }
    bool operator==(const Partition&) const = default;
  };
  struct Topic {
    std::string name;
    std::vector<Partition> partitions;
    static void fields(auto& m, auto& v) {
      v(m.name, {"name", since(0)});
      v(m.partitions, {"partitions", since(0)});
    }
    bool operator==(const Topic&) const = default;
  };

  std::int32_t throttle_time_ms = 0;
  std::vector<Topic> topics;

  static void fields(auto& m, auto& v) {
    v(m.throttle_time_ms, {"throttle_time_ms", since(2)});
    v(m.topics, {"topics", since(0)});
  }
  bool operator==(const ListOffsetsResponse&) const = default;
};

}  // namespace groupwire::kafka
