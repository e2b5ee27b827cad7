// DeleteGroups (key 42): an admin client deletes empty groups and their committed offsets.
#pragma once

#include "kafka/codec/api_key.h"
#include "kafka/codec/schema.h"

namespace groupwire::kafka {

struct DeleteGroupsRequest {
  static constexpr ApiKey kApiKey = ApiKey::DeleteGroups;
  static constexpr Versions kValid = between(0, 2);
  static constexpr Versions kFlexible = since(2);

  std::vector<std::string> groups_names;

  static void fields(auto& m, auto& v) { v(m.groups_names, {"groups_names", since(0)}); }
  bool operator==(const DeleteGroupsRequest&) const = default;
};

struct DeleteGroupsResponse {
  static constexpr ApiKey kApiKey = ApiKey::DeleteGroups;
  static constexpr Versions kValid = DeleteGroupsRequest::kValid;
  static constexpr Versions kFlexible = DeleteGroupsRequest::kFlexible;

  struct DeletableGroupResult {
    std::string group_id;
    std::int16_t error_code = 0;
    static void fields(auto& m, auto& v) {
      v(m.group_id, {"group_id", since(0)});
      v(m.error_code, {"error_code", since(0)});
    }
    bool operator==(const DeletableGroupResult&) const = default;
  };

  // Unlike most responses, the throttle time is there from v0.
  std::int32_t throttle_time_ms = 0;
  std::vector<DeletableGroupResult> results;

  static void fields(auto& m, auto& v) {
    v(m.throttle_time_ms, {"throttle_time_ms", since(0)});
    v(m.results, {"results", since(0)});
  }
  bool operator==(const DeleteGroupsResponse&) const = default;
};

}  // namespace groupwire::kafka
