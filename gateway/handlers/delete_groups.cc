// DeleteGroups: deletes empty groups with their offsets.
#include <unordered_set>

#include "handlers/coordinator_forward.h"
#include "handlers/group_handlers.h"

namespace groupwire::gateway {

using kafka::DeleteGroupsRequest;
using kafka::DeleteGroupsResponse;

namespace {

// The groups the principal may delete go to the coordinator; the others are answered
// GROUP_AUTHORIZATION_FAILED first, as KafkaApis builds its response.
pb::DeleteGroupsRequest to_proto(DeleteGroupsRequest& req, const RequestContext& ctx,
                                 DeleteGroupsResponse& refused) {
  // KafkaApis collapses duplicate names: each group gets one result.
  pb::DeleteGroupsRequest out;
  std::unordered_set<std::string> seen;
  for (auto& g : req.groups_names) {
    if (!seen.insert(g).second) continue;
    if (ctx.allowed(security::AclOperation::kDelete, security::ResourceType::kGroup, g)) {
      out.add_group_ids(std::move(g));
    } else {
      refused.results.push_back(
          {std::move(g), kafka::to_wire(kafka::ErrorCode::GROUP_AUTHORIZATION_FAILED)});
    }
  }
  return out;
}

DeleteGroupsResponse to_kafka(const pb::DeleteGroupsResponse& r, DeleteGroupsResponse out) {
  for (const auto& result : r.results()) {
    out.results.push_back({result.group_id(), kafka_error(result.error_code())});
  }
  return out;
}

}  // namespace

void add_delete_groups_handler(Dispatcher& dispatcher, CoordinatorClient& client) {
  dispatcher.add<DeleteGroupsRequest, DeleteGroupsResponse>(
      [&client](const RequestContext& ctx, DeleteGroupsRequest req,
                Respond<DeleteGroupsResponse> respond) {
        DeleteGroupsResponse refused;
        auto request = asked_by(ctx, to_proto(req, ctx, refused));
        if (request.group_ids().empty()) return respond(std::move(refused));
        bool several = request.group_ids_size() > 1;
        in_connection_order(
            ctx, several,
            [&client, request = std::move(request), refused = std::move(refused),
             respond = std::move(respond)]() mutable {
              forward(client, std::move(request), client.call_timeout(), std::move(respond),
                      [refused = std::move(refused)](const pb::DeleteGroupsResponse& r) {
                        return to_kafka(r, refused);
                      });
            });
      });
}

}  // namespace groupwire::gateway
