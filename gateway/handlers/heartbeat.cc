// Heartbeat: keeps a member's session alive and tells it whether a rebalance is under way.
#include "handlers/coordinator_forward.h"
#include "handlers/group_handlers.h"

namespace groupwire::gateway {

using kafka::HeartbeatRequest;
using kafka::HeartbeatResponse;

namespace {

pb::HeartbeatRequest to_proto(HeartbeatRequest& req) {
  pb::HeartbeatRequest out;
  out.set_group_id(std::move(req.group_id));
  out.set_generation_id(req.generation_id);
  out.set_member_id(std::move(req.member_id));
  if (req.group_instance_id) out.set_group_instance_id(std::move(*req.group_instance_id));
  return out;
}

HeartbeatResponse to_kafka(const pb::HeartbeatResponse& r) {
  HeartbeatResponse out;
  out.error_code = kafka_error(r.error_code());
  return out;
}

}  // namespace

void add_heartbeat_handler(Dispatcher& dispatcher, CoordinatorClient& client) {
  dispatcher.add<HeartbeatRequest, HeartbeatResponse>(
      [&client](const RequestContext& ctx, HeartbeatRequest req,
                Respond<HeartbeatResponse> respond) {
        if (refused_group(ctx, security::AclOperation::kRead, req.group_id, respond)) return;
        forward(client, asked_by(ctx, to_proto(req)), client.call_timeout(), std::move(respond),
                &to_kafka);
      });
}

}  // namespace groupwire::gateway
