// LeaveGroup: members leave a group; v0-2 name one member, v3+ a batch.
#include "handlers/coordinator_forward.h"
#include "handlers/group_handlers.h"

namespace groupwire::gateway {

using kafka::LeaveGroupRequest;
using kafka::LeaveGroupResponse;

namespace {

pb::LeaveGroupRequest to_proto(LeaveGroupRequest& req, kafka::ApiVersion version) {
  pb::LeaveGroupRequest out;
  out.set_group_id(std::move(req.group_id));
  if (version < 3) {
    // Kafka turns the single-member form into a one-element batch.
    out.add_members()->set_member_id(std::move(req.member_id));
    return out;
  }
  for (auto& m : req.members) {
    auto* member = out.add_members();
    member->set_member_id(std::move(m.member_id));
    if (m.group_instance_id) member->set_group_instance_id(std::move(*m.group_instance_id));
    if (m.reason) member->set_reason(std::move(*m.reason));
  }
  return out;
}

LeaveGroupResponse to_kafka(const pb::LeaveGroupResponse& r, kafka::ApiVersion version) {
  LeaveGroupResponse out;
  out.error_code = kafka_error(r.error_code());
  if (version < 3) {
    // No member list below v3: the top-level error if any, else the one member's.
    if (out.error_code == 0 && !r.members().empty()) {
      out.error_code = kafka_error(r.members(0).error_code());
    }
    return out;
  }
  for (const auto& m : r.members()) {
    out.members.push_back({m.member_id(),
                           nullable(m.has_group_instance_id(), m.group_instance_id()),
                           kafka_error(m.error_code())});
  }
  return out;
}

}  // namespace

void add_leave_group_handler(Dispatcher& dispatcher, CoordinatorClient& client) {
  dispatcher.add<LeaveGroupRequest, LeaveGroupResponse>(
      [&client](const RequestContext& ctx, LeaveGroupRequest req,
                Respond<LeaveGroupResponse> respond) {
        if (refused_group(ctx, security::AclOperation::kRead, req.group_id, respond)) return;
        auto version = ctx.header.api_version;
        forward(client, asked_by(ctx, to_proto(req, version)), client.call_timeout(),
                std::move(respond),
                [version](const pb::LeaveGroupResponse& r) { return to_kafka(r, version); });
      });
}

}  // namespace groupwire::gateway
