// SaslAuthenticate (key 36): one SASL token each way. v1 tells the client how long its session
// lasts before it must re-authenticate on the same connection (KIP-368).
#pragma once

#include <optional>
#include <string>

#include "kafka/codec/api_key.h"
#include "kafka/codec/schema.h"

namespace groupwire::kafka {

struct SaslAuthenticateRequest {
  static constexpr ApiKey kApiKey = ApiKey::SaslAuthenticate;
  static constexpr Versions kValid = between(0, 2);
  static constexpr Versions kFlexible = since(2);

  Bytes auth_bytes;

  static void fields(auto& m, auto& v) { v(m.auth_bytes, {"auth_bytes", since(0)}); }
  bool operator==(const SaslAuthenticateRequest&) const = default;
};

struct SaslAuthenticateResponse {
  static constexpr ApiKey kApiKey = ApiKey::SaslAuthenticate;
  static constexpr Versions kValid = SaslAuthenticateRequest::kValid;
  static constexpr Versions kFlexible = SaslAuthenticateRequest::kFlexible;

  std::int16_t error_code = 0;
  std::optional<std::string> error_message;
  Bytes auth_bytes;
  std::int64_t session_lifetime_ms = 0;

  static void fields(auto& m, auto& v) {
    v(m.error_code, {"error_code", since(0)});
    v(m.error_message, {"error_message", since(0), since(0)});
    v(m.auth_bytes, {"auth_bytes", since(0)});
    v(m.session_lifetime_ms, {"session_lifetime_ms", since(1)});
  }
  bool operator==(const SaslAuthenticateResponse&) const = default;
};

}  // namespace groupwire::kafka
