#include "security/authentication.h"

#include <algorithm>

#include <fmt/format.h>

#include "kafka/codec/api_key.h"
#include "kafka/codec/frame.h"
#include "kafka/error_code.h"

namespace groupwire::gateway {

namespace {

using kafka::ApiKey;
using kafka::ErrorCode;

bool is(std::int16_t api_key, ApiKey key) {
  return api_key == static_cast<std::int16_t>(key);
}

std::string user_principal(std::string_view name) {
  return fmt::format("User:{}", name);
}

}  // namespace

Authentication::Authentication(std::shared_ptr<const SaslSettings> sasl,
                               std::optional<std::string> certificate_cn)
    : sasl_(std::move(sasl)), state_(sasl_ ? State::kHandshake : State::kAuthenticated) {
  principal_ = certificate_cn ? user_principal(*certificate_cn) : std::string(kAnonymousPrincipal);
  authenticated_ = !sasl_;
}

bool Authentication::admits(std::int16_t api_key, Clock::time_point now, std::string& why) const {
  if (is(api_key, ApiKey::ApiVersions) || is(api_key, ApiKey::SaslHandshake) ||
      is(api_key, ApiKey::SaslAuthenticate)) {
    return true;
  }
  if (!authenticated_) {
    why = fmt::format("API key {} before SASL authentication completed", api_key);
    return false;
  }
  if (now >= session_end_) {
    why = fmt::format("the SASL session of {} expired without re-authentication", principal_);
    return false;
  }
  return true;
}

void Authentication::fail(std::string why) {
  state_ = State::kFailed;
  exchange_.reset();
  failure_ = std::move(why);
}

kafka::SaslHandshakeResponse Authentication::handshake(const kafka::SaslHandshakeRequest& request,
                                                       kafka::ApiVersion version) {
  kafka::SaslHandshakeResponse response;
  if (!sasl_) {
    response.error_code = kafka::to_wire(ErrorCode::ILLEGAL_SASL_STATE);
    return response;
  }
  response.mechanisms = sasl_->mechanisms;
  bool reauthenticating = state_ == State::kAuthenticated;
  if (state_ != State::kHandshake && !(reauthenticating && version >= 1)) {
    response.error_code = kafka::to_wire(ErrorCode::ILLEGAL_SASL_STATE);
    fail("SaslHandshake out of order");
    return response;
  }
  const auto& enabled = sasl_->mechanisms;
  if (std::find(enabled.begin(), enabled.end(), request.mechanism) == enabled.end()) {
    response.error_code = kafka::to_wire(ErrorCode::UNSUPPORTED_SASL_MECHANISM);
    fail(fmt::format("SASL mechanism '{}' is not enabled", request.mechanism));
    return response;
  }
  if (reauthenticating && request.mechanism != mechanism_) {
    response.error_code = kafka::to_wire(ErrorCode::ILLEGAL_SASL_STATE);
    fail(fmt::format("re-authentication may not change the SASL mechanism from {} to {}",
                     mechanism_, request.mechanism));
    return response;
  }
  mechanism_ = request.mechanism;
  exchange_ = security::make_sasl_server(mechanism_, sasl_->credentials());
  state_ = version == 0 ? State::kBareToken : State::kAuthenticate;
  return response;
}

security::SaslStep Authentication::step(std::string_view token, Clock::time_point now) {
  security::SaslStep result = exchange_->step(token);
  if (result.status == security::SaslStep::Status::kFailed) {
    fail(fmt::format("SASL {} authentication failed: {}", mechanism_, result.error));
  } else if (result.status == security::SaslStep::Status::kDone) {
    std::string principal = user_principal(result.user);
    if (authenticated_ && principal != principal_) {
      result.status = security::SaslStep::Status::kFailed;
      result.error = fmt::format("Cannot change principals during re-authentication from {} to {}",
                                 principal_, principal);
      fail(result.error);
      return result;
    }
    principal_ = std::move(principal);
    authenticated_ = true;
    state_ = State::kAuthenticated;
    exchange_.reset();
    session_end_ = sasl_->session_lifetime.count() > 0 ? now + sasl_->session_lifetime
                                                       : Clock::time_point::max();
  }
  return result;
}

std::optional<std::string> Authentication::bare_token(std::string_view token,
                                                      Clock::time_point now) {
  security::SaslStep result = step(token, now);
  if (result.status == security::SaslStep::Status::kFailed) return std::nullopt;
  std::string frame(4, '\0');
  frame += result.response;
  kafka::patch_frame_size(frame);
  return frame;
}

kafka::SaslAuthenticateResponse Authentication::authenticate(
    const kafka::SaslAuthenticateRequest& request, Clock::time_point now) {
  kafka::SaslAuthenticateResponse response;
  if (!sasl_) {
    response.error_code = kafka::to_wire(ErrorCode::ILLEGAL_SASL_STATE);
    response.error_message = "SASL is not enabled on this listener";
    return response;
  }
  if (state_ != State::kAuthenticate) {
    response.error_code = kafka::to_wire(ErrorCode::ILLEGAL_SASL_STATE);
    response.error_message = "SaslAuthenticate before SaslHandshake";
    fail(*response.error_message);
    return response;
  }
  security::SaslStep result = step(request.auth_bytes.data, now);
  if (result.status == security::SaslStep::Status::kFailed) {
    response.error_code = kafka::to_wire(ErrorCode::SASL_AUTHENTICATION_FAILED);
    response.error_message = result.error;
    return response;
  }
  response.auth_bytes.data = std::move(result.response);
  if (result.status == security::SaslStep::Status::kDone &&
      session_end_ != Clock::time_point::max()) {
    response.session_lifetime_ms = sasl_->session_lifetime.count();
  }
  return response;
}

}  // namespace groupwire::gateway
