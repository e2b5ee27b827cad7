// JoinGroup: a long-poll that completes when the coordinator ends the join phase.
#include <algorithm>

#include "handlers/coordinator_forward.h"
#include "handlers/group_handlers.h"
#include "handlers/java_client_host.h"

namespace groupwire::gateway {

using kafka::JoinGroupRequest;
using kafka::JoinGroupResponse;

namespace {

pb::JoinGroupRequest to_proto(const RequestContext& ctx, JoinGroupRequest& req) {
  auto version = ctx.header.api_version;
  pb::JoinGroupRequest out;
  out.set_group_id(std::move(req.group_id));
  out.set_member_id(std::move(req.member_id));
  if (req.group_instance_id) out.set_group_instance_id(std::move(*req.group_instance_id));
  out.set_client_id(ctx.header.client_id.value_or(""));
  out.set_client_host(java_client_host(ctx.client_host));
  out.set_session_timeout_ms(req.session_timeout_ms);
  // v0 has no rebalance timeout; Kafka uses the session timeout in its place.
  out.set_rebalance_timeout_ms(version == 0 ? req.session_timeout_ms : req.rebalance_timeout_ms);
  out.set_protocol_type(std::move(req.protocol_type));
  for (auto& p : req.protocols) {
    auto* protocol = out.add_protocols();
    protocol->set_name(std::move(p.name));
    protocol->set_metadata(std::move(p.metadata.data));
  }
  out.set_require_known_member_id(version >= 4);
  out.set_supports_skip_assignment(version >= 9);
  if (req.reason) out.set_reason(std::move(*req.reason));
  return out;
}

JoinGroupResponse to_kafka(const pb::JoinGroupResponse& r, kafka::ApiVersion version) {
  JoinGroupResponse out;
  out.error_code = kafka_error(r.error_code());
  out.generation_id = r.generation_id();
  out.protocol_type = nullable(r.has_protocol_type(), r.protocol_type());
  // Kafka sends "" for no protocol below v7, where the field is not nullable, and null for ""
  // from v7.
  out.protocol_name = nullable(r.has_protocol_name(), r.protocol_name());
  if (version < 7 && !out.protocol_name) out.protocol_name = "";
  if (version >= 7 && out.protocol_name && out.protocol_name->empty()) out.protocol_name.reset();
  out.leader = r.leader();
  out.skip_assignment = version >= 9 && r.skip_assignment();
  out.member_id = r.member_id();
  for (const auto& m : r.members()) {
    out.members.push_back({m.member_id(),
                           nullable(m.has_group_instance_id(), m.group_instance_id()),
                           {m.metadata()}});
  }
  return out;
}

}  // namespace

void add_join_group_handler(Dispatcher& dispatcher, CoordinatorClient& client) {
  dispatcher.add<JoinGroupRequest, JoinGroupResponse>(
      [&client](const RequestContext& ctx, JoinGroupRequest req,
                Respond<JoinGroupResponse> respond) {
        if (refused_group(ctx, security::AclOperation::kRead, req.group_id, respond)) return;
        auto version = ctx.header.api_version;
        auto request = asked_by(ctx, to_proto(ctx, req));
        // The coordinator answers by the end of the join phase, bounded by the rebalance
        // timeout; the margin is the ordinary call timeout.
        auto timeout = std::chrono::milliseconds(std::max(request.rebalance_timeout_ms(), 0)) +
                       client.call_timeout();
        forward(client, std::move(request), timeout, std::move(respond),
                [version](const pb::JoinGroupResponse& r) { return to_kafka(r, version); });
      });
}

}  // namespace groupwire::gateway
