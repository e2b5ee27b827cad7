// LeaveGroup (key 13): members leave a classic group, which triggers a rebalance.
#pragma once

#include "kafka/codec/api_key.h"
#include "kafka/codec/schema.h"

namespace groupwire::kafka {

struct LeaveGroupRequest {
  static constexpr ApiKey kApiKey = ApiKey::LeaveGroup;
  static constexpr Versions kValid = between(0, 5);
  static constexpr Versions kFlexible = since(4);

  struct MemberIdentity {
    std::string member_id;
    std::optional<std::string> group_instance_id;
    std::optional<std::string> reason;
    static void fields(auto& m, auto& v) {
      v(m.member_id, {"member_id", since(3)});
      v(m.group_instance_id, {"group_instance_id", since(3), since(3)});
      v(m.reason, {"reason", since(5), since(5)});
    }
    bool operator==(const MemberIdentity&) const = default;
  };

  // v0-2 name one member in member_id; v3+ list them in members.
  std::string group_id;
  std::string member_id;
  std::vector<MemberIdentity> members;

  static void fields(auto& m, auto& v) {
    v(m.group_id, {"group_id", since(0)});
    v(m.member_id, {"member_id", between(0, 2)});
    v(m.members, {"members", since(3)});
  }
  bool operator==(const LeaveGroupRequest&) const = default;
};

struct LeaveGroupResponse {
  static constexpr ApiKey kApiKey = ApiKey::LeaveGroup;
  static constexpr Versions kValid = LeaveGroupRequest::kValid;
  static constexpr Versions kFlexible = LeaveGroupRequest::kFlexible;

  struct MemberResponse {
    std::string member_id;
    std::optional<std::string> group_instance_id = "";
    std::int16_t error_code = 0;
    static void fields(auto& m, auto& v) {
      v(m.member_id, {"member_id", since(3)});
      v(m.group_instance_id, {"group_instance_id", since(3), since(3)});
      v(m.error_code, {"error_code", since(3)});
    }
    bool operator==(const MemberResponse&) const = default;
  };

  std::int32_t throttle_time_ms = 0;
  std::int16_t error_code = 0;
  std::vector<MemberResponse> members;

  static void fields(auto& m, auto& v) {
    v(m.throttle_time_ms, {"throttle_time_ms", since(1)});
    v(m.error_code, {"error_code", since(0)});
    v(m.members, {"members", since(3)});
  }
  bool operator==(const LeaveGroupResponse&) const = default;
};

}  // namespace groupwire::kafka
