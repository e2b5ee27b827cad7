// OffsetDelete (key 47): an admin client deletes a group's committed offsets for some partitions.
#pragma once

#include "kafka/codec/api_key.h"
#include "kafka/codec/schema.h"

namespace groupwire::kafka {

struct OffsetDeleteRequest {
  static constexpr ApiKey kApiKey = ApiKey::OffsetDelete;
  static constexpr Versions kValid = between(0, 0);
  static constexpr Versions kFlexible = kNever;

  struct Partition {
    std::int32_t partition_index = 0;
    static void fields(auto& m, auto& v) { v(m.partition_index, {"partition_index", since(0)}); }
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
  std::vector<Topic> topics;

  static void fields(auto& m, auto& v) {
    v(m.group_id, {"group_id", since(0)});
    v(m.topics, {"topics", since(0)});
  }
  bool operator==(const OffsetDeleteRequest&) const = default;
};

struct OffsetDeleteResponse {
  static constexpr ApiKey kApiKey = ApiKey::OffsetDelete;
  static constexpr Versions kValid = OffsetDeleteRequest::kValid;
  static constexpr Versions kFlexible = OffsetDeleteRequest::kFlexible;

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

  std::int16_t error_code = 0;
  std::int32_t throttle_time_ms = 0;
  std::vector<Topic> topics;

  // The error code comes before the throttle time here, unlike every other response.
  static void fields(auto& m, auto& v) {
    v(m.error_code, {"error_code", since(0)});
    v(m.throttle_time_ms, {"throttle_time_ms", since(0)});
    v(m.topics, {"topics", since(0)});
  }
  bool operator==(const OffsetDeleteResponse&) const = default;
};

}  // namespace groupwire::kafka
