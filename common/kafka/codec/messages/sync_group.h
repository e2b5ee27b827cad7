// SyncGroup (key 14): the leader hands out the assignment; every member receives its own share.
#pragma once

#include "kafka/codec/api_key.h"
#include "kafka/codec/schema.h"

namespace groupwire::kafka {

struct SyncGroupRequest {
  static constexpr ApiKey kApiKey = ApiKey::SyncGroup;
  static constexpr Versions kValid = between(0, 5);
  static constexpr Versions kFlexible = since(4);

  struct Assignment {
    std::string member_id;
    Bytes assignment;
    static void fields(auto& m, auto& v) {
      v(m.member_id, {"member_id", since(0)});
      v(m.assignment, {"assignment", since(0)});
    }
    bool operator==(const Assignment&) const = default;
  };

  std::string group_id;
  std::int32_t generation_id = 0;
  std::string member_id;
  std::optional<std::string> group_instance_id;
  std::optional<std::string> protocol_type;
  std::optional<std::string> protocol_name;
  std::vector<Assignment> assignments;

  static void fields(auto& m, auto& v) {
    v(m.group_id, {"group_id", since(0)});
    v(m.generation_id, {"generation_id", since(0)});
    v(m.member_id, {"member_id", since(0)});
    v(m.group_instance_id, {"group_instance_id", since(3), since(3)});
    v(m.protocol_type, {"protocol_type", since(5), since(5)});
    v(m.protocol_name, {"protocol_name", since(5), since(5)});
    v(m.assignments, {"assignments", since(0)});
  }
  bool operator==(const SyncGroupRequest&) const = default;
};

struct SyncGroupResponse {
  static constexpr ApiKey kApiKey = ApiKey::SyncGroup;
  static constexpr Versions kValid = SyncGroupRequest::kValid;
  static constexpr Versions kFlexible = SyncGroupRequest::kFlexible;

  std::int32_t throttle_time_ms = 0;
  std::int16_t error_code = 0;
  std::optional<std::string> protocol_type;
  std::optional<std::string> protocol_name;
  Bytes assignment;

  static void fields(auto& m, auto& v) {
    v(m.throttle_time_ms, {"throttle_time_ms", since(1)});
    v(m.error_code, {"error_code", since(0)});
    v(m.protocol_type, {"protocol_type", since(5), since(5)});
    v(m.protocol_name, {"protocol_name", since(5), since(5)});
    v(m.assignment, {"assignment", since(0)});
  }
  bool operator==(const SyncGroupResponse&) const = default;
};

}  // namespace groupwire::kafka
