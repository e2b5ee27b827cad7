// OffsetFetch (key 9): a consumer reads the committed offsets of one group (v0-7) or several (v8+).
#pragma once

#include "kafka/codec/api_key.h"
#include "kafka/codec/schema.h"

namespace groupwire::kafka {

struct OffsetFetchRequest {
  static constexpr ApiKey kApiKey = ApiKey::OffsetFetch;
  static constexpr Versions kValid = between(0, 9);
  static constexpr Versions kFlexible = since(6);

  struct Topic {
    std::string name;
    std::vector<std::int32_t> partition_indexes;
    static void fields(auto& m, auto& v) {
      v(m.name, {"name", between(0, 7)});
      v(m.partition_indexes, {"partition_indexes", between(0, 7)});
    }
    bool operator==(const Topic&) const = default;
  };
  struct Topics {
    std::string name;
    std::vector<std::int32_t> partition_indexes;
    static void fields(auto& m, auto& v) {
      v(m.name, {"name", since(8)});
      v(m.partition_indexes, {"partition_indexes", since(8)});
    }
    bool operator==(const Topics&) const = default;
  };
  struct Group {
    std::string group_id;
    std::optional<std::string> member_id;
    std::int32_t member_epoch = -1;
    // Null asks for every committed offset; Kafka's default is an empty list.
    std::optional<std::vector<Topics>> topics = std::vector<Topics>();
    static void fields(auto& m, auto& v) {
      v(m.group_id, {"group_id", since(8)});
      v(m.member_id, {"member_id", since(9), since(9)});
      v(m.member_epoch, {"member_epoch", since(9)});
      v(m.topics, {"topics", since(8), since(8)});
    }
    bool operator==(const Group&) const = default;
  };

  // v0-7 carry a single group in group_id/topics; v8+ carry groups.
  std::string group_id;
  std::optional<std::vector<Topic>> topics = std::vector<Topic>();
  std::vector<Group> groups;
  bool require_stable = false;

  static void fields(auto& m, auto& v) {
    v(m.group_id, {"group_id", between(0, 7)});
    v(m.topics, {"topics", between(0, 7), between(2, 7)});
    v(m.groups, {"groups", since(8)});
    v(m.require_stable, {"require_stable", since(7)});
  }
  bool operator==(const OffsetFetchRequest&) const = default;
};

struct OffsetFetchResponse {
  static constexpr ApiKey kApiKey = ApiKey::OffsetFetch;
  static constexpr Versions kValid = OffsetFetchRequest::kValid;
  static constexpr Versions kFlexible = OffsetFetchRequest::kFlexible;

  struct Partition {
    std::int32_t partition_index = 0;
    std::int64_t committed_offset = 0;
    std::int32_t committed_leader_epoch = -1;
    std::optional<std::string> metadata = "";
    std::int16_t error_code = 0;
    static void fields(auto& m, auto& v) {
      v(m.partition_index, {"partition_index", between(0, 7)});
      v(m.committed_offset, {"committed_offset", between(0, 7)});
      v(m.committed_leader_epoch, {"committed_leader_epoch", between(5, 7)});
      v(m.metadata, {"metadata", between(0, 7), between(0, 7)});
      v(m.error_code, {"error_code", between(0, 7)});
    }
    bool operator==(const Partition&) const = default;
  };
  struct Topic {
    std::string name;
    std::vector<Partition> partitions;
    static void fields(auto& m, auto& v) {
      v(m.name, {"name", between(0, 7)});
      v(m.partitions, {"partitions", between(0, 7)});
    }
    bool operator==(const Topic&) const = default;
  };
  struct Partitions {
    std::int32_t partition_index = 0;
    std::int64_t committed_offset = 0;
    std::int32_t committed_leader_epoch = -1;
    std::optional<std::string> metadata = "";
    std::int16_t error_code = 0;
    static void fields(auto& m, auto& v) {
      v(m.partition_index, {"partition_index", since(8)});
      v(m.committed_offset, {"committed_offset", since(8)});
      v(m.committed_leader_epoch, {"committed_leader_epoch", since(8)});
      v(m.metadata, {"metadata", since(8), since(8)});
      v(m.error_code, {"error_code", since(8)});
    }
    bool operator==(const Partitions&) const = default;
  };
  struct Topics {
    std::string name;
    std::vector<Partitions> partitions;
    static void fields(auto& m, auto& v) {
      v(m.name, {"name", since(8)});
      v(m.partitions, {"partitions", since(8)});
    }
    bool operator==(const Topics&) const = default;
  };
  struct Group {
    std::string group_id;
    std::vector<Topics> topics;
    std::int16_t error_code = 0;
    static void fields(auto& m, auto& v) {
      v(m.group_id, {"group_id", since(8)});
      v(m.topics, {"topics", since(8)});
      v(m.error_code, {"error_code", since(8)});
    }
    bool operator==(const Group&) const = default;
  };

  std::int32_t throttle_time_ms = 0;
  std::vector<Topic> topics;
  std::int16_t error_code = 0;
  std::vector<Group> groups;

  static void fields(auto& m, auto& v) {
    v(m.throttle_time_ms, {"throttle_time_ms", since(3)});
    v(m.topics, {"topics", between(0, 7)});
    v(m.error_code, {"error_code", between(2, 7)});
    v(m.groups, {"groups", since(8)});
  }
  bool operator==(const OffsetFetchResponse&) const = default;
};

}  // namespace groupwire::kafka
