#include "handlers/sasl.h"

#include <chrono>
#include <optional>

namespace groupwire::gateway {

using kafka::SaslAuthenticateRequest;
using kafka::SaslAuthenticateResponse;
using kafka::SaslHandshakeRequest;
using kafka::SaslHandshakeResponse;

namespace {

// The connection's authentication; outside a connection (unit tests), that of a listener without
// SASL, which answers ILLEGAL_SASL_STATE.
Authentication& authentication_of(const RequestContext& ctx, Authentication& none) {
  return ctx.session ? ctx.session->authentication() : none;
}

}  // namespace

void add_sasl_handlers(Dispatcher& dispatcher) {
  dispatcher.add<SaslHandshakeRequest, SaslHandshakeResponse>(
      [](const RequestContext& ctx, SaslHandshakeRequest req,
         Respond<SaslHandshakeResponse> respond) {
        Authentication none(nullptr, std::nullopt);
        respond(authentication_of(ctx, none).handshake(req, ctx.header.api_version));
      });
  dispatcher.add<SaslAuthenticateRequest, SaslAuthenticateResponse>(
      [](const RequestContext& ctx, SaslAuthenticateRequest req,
         Respond<SaslAuthenticateResponse> respond) {
        Authentication none(nullptr, std::nullopt);
        respond(authentication_of(ctx, none).authenticate(req, std::chrono::steady_clock::now()));
      });
}

}  // namespace groupwire::gateway
