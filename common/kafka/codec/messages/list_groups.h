// ListGroups (key 16): an admin client lists the groups a coordinator knows, optionally filtered.
#pragma once

#include "kafka/codec/api_key.h"
#include "kafka/codec/schema.h"

namespace groupwire::kafka {

struct ListGroupsRequest {
  static constexpr ApiKey kApiKey = ApiKey::ListGroups;
  static constexpr Versions kValid = between(0, 5);
  static constexpr Versions kFlexible = since(3);

  std::vector<std::string> states_filter;
  std::vector<std::string> types_filter;

  static void fields(auto& m, auto& v) {
    v(m.states_filter, {"states_filter", since(4)});
    v(m.types_filter, {"types_filter", since(5)});
  }
  bool operator==(const ListGroupsRequest&) const = default;
};

struct ListGroupsResponse {
  static constexpr ApiKey kApiKey = ApiKey::ListGroups;
  static constexpr Versions kValid = ListGroupsRequest::kValid;
  static constexpr Versions kFlexible = ListGroupsRequest::kFlexible;

  struct ListedGroup {
    std::string group_id;
    std::string protocol_type;
    std::string group_state;
    std::string group_type;
    static void fields(auto& m, auto& v) {
      v(m.group_id, {"group_id", since(0)});
      v(m.protocol_type, {"protocol_type", since(0)});
      v(m.group_state, {"group_state", since(4)});
      v(m.group_type, {"group_type", since(5)});
    }
    bool operator==(const ListedGroup&) const = default;
  };

  std::int32_t throttle_time_ms = 0;
  std::int16_t error_code = 0;
  std::vector<ListedGroup> groups;

  static void fields(auto& m, auto& v) {
    v(m.throttle_time_ms, {"throttle_time_ms", since(1)});
    v(m.error_code, {"error_code", since(0)});
    v(m.groups, {"groups", since(0)});
  }
  bool operator==(const ListGroupsResponse&) const = default;
};

}  // namespace groupwire::kafka
