// OffsetCommit (key 8): a consumer stores its committed offsets for a group's partitions.
#pragma once

#include "kafka/codec/api_key.h"
#include "kafka/codec/schema.h"

namespace groupwire::kafka {

struct OffsetCommitRequest {
  static constexpr ApiKey kApiKey = ApiKey::OffsetCommit;
  static constexpr Versions kValid = between(0, 9);
  static constexpr Versions kFlexible = since(8);

  struct Partition {
    std::int32_t partition_index = 0;
    std::int64_t committed_offset = 0;
    std::int32_t committed_leader_epoch = -1;
    std::int64_t commit_timestamp = -1;
    std::optional<std::string> committed_metadata = "";
    static void fields(auto& m, auto& v) {
      v(m.partition_index, {"partition_index", since(0)});
      v(m.committed_offset, {"committed_offset", since(0)});
      v(m.committed_leader_epoch, {"committed_leader_epoch", since(6)});
      v(m.commit_timestamp, {"commit_timestamp", between(1, 1)});
      v(m.committed_metadata, {"committed_metadata", since(0), since(0)});
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

  std::string group_id;
  std::int32_t generation_id_or_member_epoch = -1;
  std::string member_id;
  std::optional<std::string> group_instance_id;
  std::int64_t retention_time_ms = -1;
  std::vector<Topic> topics;

  static void fields(auto& m, auto& v) {
    v(m.group_id, {"group_id", since(0)});
    v(m.generation_id_or_member_epoch, {"generation_id_or_member_epoch", since(1)});
    v(m.member_id, {"member_id", since(1)});
    v(m.group_instance_id, {"group_instance_id", since(7), since(7)});
    v(m.retention_time_ms, {"retention_time_ms", between(2, 4)});
    v(m.topics, {"topics", since(0)});
  }
  bool operator==(const OffsetCommitRequest&) const = default;
};

struct OffsetCommitResponse {
  static constexpr ApiKey kApiKey = ApiKey::OffsetCommit;
  static constexpr Versions kValid = OffsetCommitRequest::kValid;
  static constexpr Versions kFlexible = OffsetCommitRequest::kFlexible;

  struct Partition {
    std::int32_t partition_index = 0;
    std::int16_t error_code = 0;
    static void fields(auto& m, auto& v) {
      v(m.partition_index, {"partition_index", since(0)});
      v(m.error_code, {"error_code", since(0)});
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
    v(m.throttle_time_ms, {"throttle_time_ms", since(3)});
    v(m.topics, {"topics", since(0)});
  }
  bool operator==(const OffsetCommitResponse&) const = default;
};

}  // namespace groupwire::kafka
