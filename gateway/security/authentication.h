// Who is on the other end of one client connection, and the SASL exchange that establishes it
// (Kafka's SaslServerAuthenticator). Until a client is authenticated only ApiVersions and the
// SASL requests pass; a failed exchange is answered and closes the connection. Lives on the
// connection's strand.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "kafka/codec/messages/sasl_authenticate.h"
#include "kafka/codec/messages/sasl_handshake.h"
#include "kafka/principal.h"
#include "security/sasl_mechanism.h"
#include "security/sasl_settings.h"

namespace groupwire::gateway {

using kafka::kAnonymousPrincipal;

class Authentication {
 public:
  using Clock = std::chrono::steady_clock;

  // `sasl` null: the listener has no SASL. `certificate_cn`: the verified client certificate's
  // subject CN, the principal unless SASL names another.
  Authentication(std::shared_ptr<const SaslSettings> sasl,
                 std::optional<std::string> certificate_cn);

  const std::string& principal() const { return principal_; }

  // Whether a request of this API may be dispatched now; if not, why (for the log line).
  bool admits(std::int16_t api_key, Clock::time_point now, std::string& why) const;

  // After SaslHandshake v0 the client sends its tokens as bare frames, without a request header.
  bool expects_bare_token() const { return state_ == State::kBareToken; }
  // The answer token to one such frame (size prefix included); nullopt when authentication
  // failed, when the connection just closes.
  std::optional<std::string> bare_token(std::string_view token, Clock::time_point now);

  kafka::SaslHandshakeResponse handshake(const kafka::SaslHandshakeRequest& request,
                                         kafka::ApiVersion version);
  // The session's lifetime goes to v1+ clients, which re-authenticate before it ends (KIP-368);
  // older ones are closed at their first request after it.
  kafka::SaslAuthenticateResponse authenticate(const kafka::SaslAuthenticateRequest& request,
                                               Clock::time_point now);

  // Set once the exchange failed: the connection answers what it read and closes.
  const std::optional<std::string>& failure() const { return failure_; }

 private:
  enum class State {
    kHandshake,      // waiting for SaslHandshake
    kAuthenticate,   // tokens in SaslAuthenticate requests
    kBareToken,      // tokens as bare frames
    kAuthenticated,  // principal_ established; a SaslHandshake starts a re-authentication
    kFailed,
  };

  // Feeds one client token to the mechanism; on success the session starts.
  security::SaslStep step(std::string_view token, Clock::time_point now);
  void fail(std::string why);

  std::shared_ptr<const SaslSettings> sasl_;
  State state_;
  std::string principal_;
  bool authenticated_ = false;  // stays set during a re-authentication
  std::string mechanism_;
  std::unique_ptr<security::SaslServerMechanism> exchange_;
  Clock::time_point session_end_ = Clock::time_point::max();
  std::optional<std::string> failure_;
};

}  // namespace groupwire::gateway
