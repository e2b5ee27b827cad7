// SyncGroup: the leader's assignment in, each member's share out; a long-poll for followers.
#include "handlers/coordinator_forward.h"
#include "handlers/group_handlers.h"

namespace groupwire::gateway {

using kafka::SyncGroupRequest;
using kafka::SyncGroupResponse;

namespace {

// The coordinator completes a sync within the group's rebalance timeout, which only it knows;
// five minutes is Kafka's default max.poll.interval.ms, the usual rebalance timeout.
constexpr std::chrono::milliseconds kMinSyncTimeout = std::chrono::minutes(5);

SyncGroupResponse error_response(kafka::ErrorCode error) {
  SyncGroupResponse out;
  out.error_code = kafka::to_wire(error);
  return out;
}

pb::SyncGroupRequest to_proto(SyncGroupRequest& req) {
  pb::SyncGroupRequest out;
  out.set_group_id(std::move(req.group_id));
  out.set_generation_id(req.generation_id);
  out.set_member_id(std::move(req.member_id));
  if (req.group_instance_id) out.set_group_instance_id(std::move(*req.group_instance_id));
  if (req.protocol_type) out.set_protocol_type(std::move(*req.protocol_type));
  if (req.protocol_name) out.set_protocol_name(std::move(*req.protocol_name));
  for (auto& a : req.assignments) {
    auto* assignment = out.add_assignments();
    assignment->set_member_id(std::move(a.member_id));
    assignment->set_assignment(std::move(a.assignment.data));
  }
  return out;
}

SyncGroupResponse to_kafka(const pb::SyncGroupResponse& r) {
  SyncGroupResponse out;
  out.error_code = kafka_error(r.error_code());
  out.protocol_type = nullable(r.has_protocol_type(), r.protocol_type());
  out.protocol_name = nullable(r.has_protocol_name(), r.protocol_name());
  out.assignment.data = r.assignment();
  return out;
}

}  // namespace

void add_sync_group_handler(Dispatcher& dispatcher, CoordinatorClient& client) {
  dispatcher.add<SyncGroupRequest, SyncGroupResponse>(
      [&client](const RequestContext& ctx, SyncGroupRequest req,
                Respond<SyncGroupResponse> respond) {
        if (refused_group(ctx, security::AclOperation::kRead, req.group_id, respond)) return;
        // KafkaApis: from v5 both fields are mandatory.
        if (ctx.header.api_version >= 5 && (!req.protocol_type || !req.protocol_name)) {
          respond(error_response(kafka::ErrorCode::INCONSISTENT_GROUP_PROTOCOL));
          return;
        }
        forward(client, asked_by(ctx, to_proto(req)),
                std::max(client.call_timeout(), kMinSyncTimeout), std::move(respond), &to_kafka);
      });
}

}  // namespace groupwire::gateway
