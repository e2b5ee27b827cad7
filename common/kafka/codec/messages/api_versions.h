// ApiVersions (key 18): the client learns which versions of each API this listener serves.
#pragma once

#include "kafka/codec/api_key.h"
#include "kafka/codec/schema.h"

namespace groupwire::kafka {

struct ApiVersionsRequest {
  static constexpr ApiKey kApiKey = ApiKey::ApiVersions;
  static constexpr Versions kValid = between(0, 4);
  static constexpr Versions kFlexible = since(3);

  std::string client_software_name;
  std::string client_software_version;

  static void fields(auto& m, auto& v) {
    v(m.client_software_name, {"client_software_name", since(3)});
    v(m.client_software_version, {"client_software_version", since(3)});
  }
  bool operator==(const ApiVersionsRequest&) const = default;
};

struct ApiVersionsResponse {
  static constexpr ApiKey kApiKey = ApiKey::ApiVersions;
  static constexpr Versions kValid = ApiVersionsRequest::kValid;
  static constexpr Versions kFlexible = ApiVersionsRequest::kFlexible;

  struct ApiVersion {
    std::int16_t api_key = 0;
    std::int16_t min_version = 0;
    std::int16_t max_version = 0;
    static void fields(auto& m, auto& v) {
      v(m.api_key, {"api_key", since(0)});
      v(m.min_version, {"min_version", since(0)});
      v(m.max_version, {"max_version", since(0)});
    }
    bool operator==(const ApiVersion&) const = default;
  };
  struct SupportedFeature {
    std::string name;
    std::int16_t min_version = 0;
    std::int16_t max_version = 0;
    static void fields(auto& m, auto& v) {
      v(m.name, {"name", since(3)});
      v(m.min_version, {"min_version", since(3)});
      v(m.max_version, {"max_version", since(3)});
    }
    bool operator==(const SupportedFeature&) const = default;
  };
  struct FinalizedFeature {
    std::string name;
    std::int16_t max_version_level = 0;
    std::int16_t min_version_level = 0;
    static void fields(auto& m, auto& v) {
      v(m.name, {"name", since(3)});
      v(m.max_version_level, {"max_version_level", since(3)});
      v(m.min_version_level, {"min_version_level", since(3)});
    }
    bool operator==(const FinalizedFeature&) const = default;
  };

  std::int16_t error_code = 0;
  std::vector<ApiVersion> api_keys;
  std::int32_t throttle_time_ms = 0;
  std::optional<std::vector<SupportedFeature>> supported_features;
  std::optional<std::int64_t> finalized_features_epoch;
  std::optional<std::vector<FinalizedFeature>> finalized_features;
  std::optional<bool> zk_migration_ready;

  static void fields(auto& m, auto& v) {
    v(m.error_code, {"error_code", since(0)});
    v(m.api_keys, {"api_keys", since(0)});
    v(m.throttle_time_ms, {"throttle_time_ms", since(1)});
    v(m.supported_features, {"supported_features", since(3), kNever, 0});
    v(m.finalized_features_epoch, {"finalized_features_epoch", since(3), kNever, 1});
    v(m.finalized_features, {"finalized_features", since(3), kNever, 2});
    v(m.zk_migration_ready, {"zk_migration_ready", since(3), kNever, 3});
  }
  bool operator==(const ApiVersionsResponse&) const = default;
};

}  // namespace groupwire::kafka
