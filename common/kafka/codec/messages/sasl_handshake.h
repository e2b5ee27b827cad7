// SaslHandshake (key 17): the client names its SASL mechanism and learns the enabled ones. After
// v0 the client sends the mechanism's tokens as bare size-prefixed frames; after v1, inside
// SaslAuthenticate requests (KIP-152).
#pragma once

#include <string>
#include <vector>

#include "kafka/codec/api_key.h"
#include "kafka/codec/schema.h"

namespace groupwire::kafka {

struct SaslHandshakeRequest {
  static constexpr ApiKey kApiKey = ApiKey::SaslHandshake;
  static constexpr Versions kValid = between(0, 1);
  static constexpr Versions kFlexible = kNever;

  std::string mechanism;

  static void fields(auto& m, auto& v) { v(m.mechanism, {"mechanism", since(0)}); }
  bool operator==(const SaslHandshakeRequest&) const = default;
};

struct SaslHandshakeResponse {
  static constexpr ApiKey kApiKey = ApiKey::SaslHandshake;
  static constexpr Versions kValid = SaslHandshakeRequest::kValid;
  static constexpr Versions kFlexible = SaslHandshakeRequest::kFlexible;

  std::int16_t error_code = 0;
  std::vector<std::string> mechanisms;

  static void fields(auto& m, auto& v) {
    v(m.error_code, {"error_code", since(0)});
    v(m.mechanisms, {"mechanisms", since(0)});
  }
  bool operator==(const SaslHandshakeResponse&) const = default;
};

}  // namespace groupwire::kafka
