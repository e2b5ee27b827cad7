// FindCoordinator (key 10): a client asks which broker coordinates a group (or transaction).
#pragma once

#include "kafka/codec/api_key.h"
#include "kafka/codec/schema.h"

namespace groupwire::kafka {

struct FindCoordinatorRequest {
  static constexpr ApiKey kApiKey = ApiKey::FindCoordinator;
  static constexpr Versions kValid = between(0, 6);
  static constexpr Versions kFlexible = since(3);

  std::string key;
  std::int8_t key_type = 0;
  std::vector<std::string> coordinator_keys;

  static void fields(auto& m, auto& v) {
    v(m.key, {"key", between(0, 3)});
    v(m.key_type, {"key_type", since(1)});
    v(m.coordinator_keys, {"coordinator_keys", since(4)});
  }
  bool operator==(const FindCoordinatorRequest&) const = default;
};

struct FindCoordinatorResponse {
  static constexpr ApiKey kApiKey = ApiKey::FindCoordinator;
  static constexpr Versions kValid = FindCoordinatorRequest::kValid;
  static constexpr Versions kFlexible = FindCoordinatorRequest::kFlexible;

  struct Coordinator {
    std::string key;
    std::int32_t node_id = 0;
    std::string host;
    std::int32_t port = 0;
    std::int16_t error_code = 0;
    std::optional<std::string> error_message = "";
    static void fields(auto& m, auto& v) {
      v(m.key, {"key", since(4)});
      v(m.node_id, {"node_id", since(4)});
      v(m.host, {"host", since(4)});
      v(m.port, {"port", since(4)});
      v(m.error_code, {"error_code", since(4)});
      v(m.error_message, {"error_message", since(4), since(4)});
    }
    bool operator==(const Coordinator&) const = default;
  };

  // v0-3 answer for one key at top level; v4+ batch the answers in coordinators.
  std::int32_t throttle_time_ms = 0;
  std::int16_t error_code = 0;
  std::optional<std::string> error_message = "";
  std::int32_t node_id = 0;
  std::string host;
  std::int32_t port = 0;
  std::vector<Coordinator> coordinators;

  static void fields(auto& m, auto& v) {
    v(m.throttle_time_ms, {"throttle_time_ms", since(1)});
    v(m.error_code, {"error_code", between(0, 3)});
    v(m.error_message, {"error_message", between(1, 3), between(1, 3)});
    v(m.node_id, {"node_id", between(0, 3)});
    v(m.host, {"host", between(0, 3)});
    v(m.port, {"port", between(0, 3)});
    v(m.coordinators, {"coordinators", since(4)});
  }
  bool operator==(const FindCoordinatorResponse&) const = default;
};

}  // namespace groupwire::kafka
