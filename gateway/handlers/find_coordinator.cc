#include "handlers/find_coordinator.h"

#include "kafka/error_code.h"

namespace groupwire::gateway {

using kafka::ErrorCode;
using kafka::FindCoordinatorRequest;
using kafka::FindCoordinatorResponse;

namespace {

constexpr std::int8_t kGroupKey = 0;
constexpr std::int8_t kShareKey = 2;

FindCoordinatorResponse::Coordinator answer(const RequestContext& ctx, const std::string& key,
                                            std::int8_t key_type, const BrokerIdentity& identity) {
  FindCoordinatorResponse::Coordinator c;
  c.key = key;
  ErrorCode error = ErrorCode::NONE;
  if (key_type == kShareKey && ctx.header.api_version < 6) {
    error = ErrorCode::INVALID_REQUEST;
  } else if (key_type != kGroupKey) {
    // Transactions and share groups are not coordinated here.
    error = ErrorCode::COORDINATOR_NOT_AVAILABLE;
  } else if (!ctx.allowed(security::AclOperation::kDescribe, security::ResourceType::kGroup, key)) {
    error = ErrorCode::GROUP_AUTHORIZATION_FAILED;
  }
  if (error != ErrorCode::NONE) {
    c.error_code = kafka::to_wire(error);
    c.error_message = std::string(kafka::error_name(error));
    c.node_id = -1;
    c.port = -1;
    return c;
  }
  c.node_id = identity.node_id;
  c.host = identity.advertised.host;
  c.port = identity.advertised.port;
  c.error_message = std::nullopt;
  return c;
}

}  // namespace

void add_find_coordinator_handler(Dispatcher& dispatcher, const BrokerIdentity& identity,
                                  GroupPlacement placement) {
  dispatcher.add<FindCoordinatorRequest, FindCoordinatorResponse>(
      [identity, placement](const RequestContext& ctx, FindCoordinatorRequest req,
                            Respond<FindCoordinatorResponse> respond) {
        FindCoordinatorResponse resp;
        auto version = ctx.header.api_version;
        // In upstream mode each listener stands for one broker: name the one the client is on.
        const BrokerIdentity& asked = ctx.session ? ctx.session->listener() : identity;
        auto self_for = [&](const std::string& key) {
          return placement.coordinator(key).value_or(asked);
        };
        if (version >= 4) {
          for (const auto& key : req.coordinator_keys) {
            resp.coordinators.push_back(answer(ctx, key, req.key_type, self_for(key)));
          }
        } else {
          auto c = answer(ctx, req.key, req.key_type, self_for(req.key));
          resp.error_code = c.error_code;
          resp.error_message = c.error_message;
          resp.node_id = c.node_id;
          resp.host = c.host;
          resp.port = c.port;
        }
        respond(std::move(resp));
      });
}

}  // namespace groupwire::gateway
