// DeleteGroups: deletes empty groups with their offsets.
#include <unordered_set>

#include "handlers/coordinator_forward.h"
#include "handlers/group_handlers.h"

namespace groupwire::gateway {

using kafka::DeleteGroupsRequest;
using kafka::DeleteGroupsResponse;

namespace {

pb::DeleteGroupsRequest to_proto(DeleteGroupsRequest& req) {
  // KafkaApis collapses duplicate names: each group gets one result.
  pb::DeleteGroupsRequest out;
  std::unordered_set<std::string> seen;
  for (auto& g : req.groups_names) {
    if (seen.insert(g).second) out.add_group_ids(std::move(g));
  }
  return out;
}

DeleteGroupsResponse to_kafka(const pb::DeleteGroupsResponse& r) {
  DeleteGroupsResponse out;
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
        auto request = to_proto(req);
        bool several = request.group_ids_size() > 1;
        in_connection_order(
            ctx, several,
            [&client, request = std::move(request), respond = std::move(respond)]() mutable {
              forward(client, std::move(request), client.call_timeout(), std::move(respond),
                      &to_kafka);
            });
      });
}

}  // namespace groupwire::gateway
