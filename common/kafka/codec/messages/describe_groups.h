// DescribeGroups (key 15): an admin client reads groups' state, protocol and members.
#pragma once

#include "kafka/codec/api_key.h"
#include "kafka/codec/schema.h"

namespace groupwire::kafka {

struct DescribeGroupsRequest {
  static constexpr ApiKey kApiKey = ApiKey::DescribeGroups;
  static constexpr Versions kValid = between(0, 5);
  static constexpr Versions kFlexible = since(5);

  std::vector<std::string> groups;
  bool include_authorized_operations = false;

  static void fields(auto& m, auto& v) {
    v(m.groups, {"groups", since(0)});
    v(m.include_authorized_operations, {"include_authorized_operations", since(3)});
  }
  bool operator==(const DescribeGroupsRequest&) const = default;
};

struct DescribeGroupsResponse {
  static constexpr ApiKey kApiKey = ApiKey::DescribeGroups;
  static constexpr Versions kValid = DescribeGroupsRequest::kValid;
  static constexpr Versions kFlexible = DescribeGroupsRequest::kFlexible;

  struct DescribedGroupMember {
    std::string member_id;
    std::optional<std::string> group_instance_id;
    std::string client_id;
    std::string client_host;
    Bytes member_metadata;
    Bytes member_assignment;
    static void fields(auto& m, auto& v) {
      v(m.member_id, {"member_id", since(0)});
      v(m.group_instance_id, {"group_instance_id", since(4), since(4)});
      v(m.client_id, {"client_id", since(0)});
      v(m.client_host, {"client_host", since(0)});
      v(m.member_metadata, {"member_metadata", since(0)});
      v(m.member_assignment, {"member_assignment", since(0)});
    }
    bool operator==(const DescribedGroupMember&) const = default;
  };
  struct DescribedGroup {
    std::int16_t error_code = 0;
    std::string group_id;
    std::string group_state;
    std::string protocol_type;
    std::string protocol_data;
    std::vector<DescribedGroupMember> members;
    std::int32_t authorized_operations = INT32_MIN;
    static void fields(auto& m, auto& v) {
      v(m.error_code, {"error_code", since(0)});
      v(m.group_id, {"group_id", since(0)});
      v(m.group_state, {"group_state", since(0)});
      v(m.protocol_type, {"protocol_type", since(0)});
      v(m.protocol_data, {"protocol_data", since(0)});
      v(m.members, {"members", since(0)});
      v(m.authorized_operations, {"authorized_operations", since(3)});
    }
    bool operator==(const DescribedGroup&) const = default;
  };

  std::int32_t throttle_time_ms = 0;
  std::vector<DescribedGroup> groups;

  static void fields(auto& m, auto& v) {
    v(m.throttle_time_ms, {"throttle_time_ms", since(1)});
    v(m.groups, {"groups", since(0)});
  }
  bool operator==(const DescribeGroupsResponse&) const = default;
};

}  // namespace groupwire::kafka
