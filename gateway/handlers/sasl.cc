#include "handlers/sasl.h"

#include <chrono>

#include "kafka/error_code.h"

namespace groupwire::gateway {

using kafka::SaslAuthenticateRequest;
using kafka::SaslAuthenticateResponse;
using kafka::SaslHandshakeRequest;
using kafka::SaslHandshakeResponse;

void add_sasl_handlers(Dispatcher& dispatcher) {
  dispatcher.add<SaslHandshakeRequest, SaslHandshakeResponse>(
      [](const RequestContext& ctx, SaslHandshakeRequest req,
         Respond<SaslHandshakeResponse> respond) {
        if (!ctx.session) {
          SaslHandshakeResponse resp;
          resp.error_code = kafka::to_wire(kafka::ErrorCode::ILLEGAL_SASL_STATE);
          return respond(std::move(resp));
        }
        respond(ctx.session->authentication().handshake(req, ctx.header.api_version));
      });
  dispatcher.add<SaslAuthenticateRequest, SaslAuthenticateResponse>(
      [](const RequestContext& ctx, SaslAuthenticateRequest req,
         Respond<SaslAuthenticateResponse> respond) {
        if (!ctx.session) {
          SaslAuthenticateResponse resp;
          resp.error_code = kafka::to_wire(kafka::ErrorCode::ILLEGAL_SASL_STATE);
          return respond(std::move(resp));
        }
        respond(ctx.session->authentication().authenticate(req, std::chrono::steady_clock::now()));
      });
}

}  // namespace groupwire::gateway
