// The keys of a consumer group member's timers (Scheduler replaces a timer of the same key).
#pragma once

#include <string>

namespace groupwire::coordinator {

inline constexpr const char* kSession = "consumer-session/";
inline constexpr const char* kRebalance = "consumer-rebalance/";  // must revoke by then
// A classic-protocol member must JoinGroup again, or SyncGroup after its join, by then.
inline constexpr const char* kClassicJoin = "consumer-join/";
inline constexpr const char* kClassicSync = "consumer-sync/";

inline std::string member_key(const std::string& kind, const std::string& group_id,
                              const std::string& member_id) {
  return kind + group_id + "/" + member_id;
}

}  // namespace groupwire::coordinator
