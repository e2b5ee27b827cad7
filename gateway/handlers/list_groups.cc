// ListGroups: every group the coordinator knows, optionally filtered by state (v4+) and type (v5+).
#include "handlers/coordinator_forward.h"
#include "handlers/group_handlers.h"

namespace groupwire::gateway {

using kafka::ListGroupsRequest;
using kafka::ListGroupsResponse;

namespace {

// The filters decode as empty (no filtering) in versions that lack them.
pb::ListGroupsRequest to_proto(ListGroupsRequest& req) {
  pb::ListGroupsRequest out;
  for (auto& s : req.states_filter) out.add_states_filter(std::move(s));
  for (auto& t : req.types_filter) out.add_types_filter(std::move(t));
  return out;
}

// group_state (v4+) and group_type (v5+) are only encoded in the versions that carry them.
ListGroupsResponse to_kafka(const pb::ListGroupsResponse& r) {
  ListGroupsResponse out;
  out.error_code = kafka_error(r.error_code());
  for (const auto& g : r.groups()) {
    out.groups.push_back({g.group_id(), g.protocol_type(), g.group_state(), g.group_type()});
  }
  return out;
}

}  // namespace

void add_list_groups_handler(Dispatcher& dispatcher, CoordinatorClient& client,
                             GroupPlacement placement) {
  dispatcher.add<ListGroupsRequest, ListGroupsResponse>(
      [&client, placement](const RequestContext& ctx, ListGroupsRequest req,
                           Respond<ListGroupsResponse> respond) {
        // A broker lists the groups it coordinates (see GroupPlacement), as Kafka's do.
        std::optional<std::int32_t> node;
        if (ctx.session) node = ctx.session->listener().node_id;
        // KafkaApis lists only the groups the principal may describe.
        auto only_here = [placement, node, authorization = ctx.authorization,
                          respond = std::move(respond)](ListGroupsResponse r) {
          std::erase_if(r.groups, [&](const ListGroupsResponse::ListedGroup& g) {
            return (node && !placement.placed_on(g.group_id, *node)) ||
                   !authorization.allowed(security::AclOperation::kDescribe,
                                          security::ResourceType::kGroup, g.group_id);
          });
          respond(std::move(r));
        };
        in_connection_order(ctx, true,
                            [&client, request = asked_by(ctx, to_proto(req)),
                             respond = std::move(only_here)]() mutable {
                              forward(client, std::move(request), client.call_timeout(),
                                      Respond<ListGroupsResponse>(std::move(respond)), &to_kafka);
                            });
      });
}

}  // namespace groupwire::gateway
