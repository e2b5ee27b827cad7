// Heartbeat (key 12): a member says it is alive and learns whether a rebalance is under way.
#pragma once

#include "kafka/codec/api_key.h"
#include "kafka/codec/schema.h"

namespace groupwire::kafka {

struct HeartbeatRequest {
  static constexpr ApiKey kApiKey = ApiKey::Heartbeat;
  static constexpr Versions kValid = between(0, 4);
  static constexpr Versions kFlexible = since(4);

  std::string group_id;
  std::int32_t generation_id = 0;
  std::string member_id;
  std::optional<std::string> group_instance_id;

  static void fields(auto& m, auto& v) {
    v(m.group_id, {"group_id", since(0)});
    v(m.generation_id, {"generation_id", since(0)});
    v(m.member_id, {"member_id", since(0)});
    v(m.group_instance_id, {"group_instance_id", since(3), since(3)});
  }
  bool operator==(const HeartbeatRequest&) const = default;
};

struct HeartbeatResponse {
  static constexpr ApiKey kApiKey = ApiKey::Heartbeat;
  static constexpr Versions kValid = HeartbeatRequest::kValid;
  static constexpr Versions kFlexible = HeartbeatRequest::kFlexible;

  std::int32_t throttle_time_ms = 0;
  std::int16_t error_code = 0;

  static void fields(auto& m, auto& v) {
    v(m.throttle_time_ms, {"throttle_time_ms", since(1)});
    v(m.error_code, {"error_code", since(0)});
  }
  bool operator==(const HeartbeatResponse&) const = default;
};

}  // namespace groupwire::kafka
