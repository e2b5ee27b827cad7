// DescribeGroups: state, protocol and members of each named group.
#include "handlers/coordinator_forward.h"
#include "handlers/group_handlers.h"

namespace groupwire::gateway {

using kafka::DescribeGroupsRequest;
using kafka::DescribeGroupsResponse;

namespace {

pb::DescribeGroupsRequest to_proto(DescribeGroupsRequest& req) {
  pb::DescribeGroupsRequest out;
  for (auto& g : req.groups) out.add_group_ids(std::move(g));
  return out;
}

DescribeGroupsResponse to_kafka(const pb::DescribeGroupsResponse& r,
                                const Authorization& authorization) {
  DescribeGroupsResponse out;
  for (const auto& g : r.groups()) {
    DescribeGroupsResponse::DescribedGroup group;
    group.group_id = g.group_id();
    // KafkaApis' answer for a group the principal may not describe: its id and the error.
    if (!authorization.allowed(security::AclOperation::kDescribe, security::ResourceType::kGroup,
                               g.group_id())) {
      group.error_code = kafka::to_wire(kafka::ErrorCode::GROUP_AUTHORIZATION_FAILED);
      out.groups.push_back(std::move(group));
      continue;
    }
    group.error_code = kafka_error(g.error_code());
    group.group_state = g.group_state();
    group.protocol_type = g.protocol_type();
    group.protocol_data = g.protocol_data();
    for (const auto& m : g.members()) {
      group.members.push_back({m.member_id(),
                               nullable(m.has_group_instance_id(), m.group_instance_id()),
                               m.client_id(),
                               m.client_host(),
                               {m.member_metadata()},
                               {m.member_assignment()}});
    }
    // authorized_operations keeps Kafka's "not provided" default: KIP-430 asks for it with
    // include_authorized_operations, which no group client needs.
    out.groups.push_back(std::move(group));
  }
  return out;
}

}  // namespace

void add_describe_groups_handler(Dispatcher& dispatcher, CoordinatorClient& client) {
  dispatcher.add<DescribeGroupsRequest, DescribeGroupsResponse>(
      [&client](const RequestContext& ctx, DescribeGroupsRequest req,
                Respond<DescribeGroupsResponse> respond) {
        in_connection_order(
            ctx, req.groups.size() > 1,
            [&client, request = asked_by(ctx, to_proto(req)), authorization = ctx.authorization,
             respond = std::move(respond)]() mutable {
              forward(client, std::move(request), client.call_timeout(), std::move(respond),
                      [authorization](const pb::DescribeGroupsResponse& r) {
                        return to_kafka(r, authorization);
                      });
            });
      });
}

}  // namespace groupwire::gateway
