// OffsetDelete: deletes a group's committed offsets for some partitions; partitions outside the
// topic catalog are answered here.
#include "handlers/coordinator_forward.h"
#include "handlers/group_handlers.h"

namespace groupwire::gateway {

using kafka::OffsetDeleteRequest;
using kafka::OffsetDeleteResponse;

namespace {

using Errors = PartitionErrors<OffsetDeleteResponse::Topic>;

pb::OffsetDeleteRequest to_proto(OffsetDeleteRequest& req, const RequestContext& ctx,
                                 const TopicCatalog& catalog, Errors& rejected) {
  pb::OffsetDeleteRequest out;
  out.set_group_id(std::move(req.group_id));
  for (const auto& t : req.topics) {
    pb::TopicPartitions* topic = nullptr;
    for (const auto& p : t.partitions) {
      if (auto error = partition_refused(ctx, catalog, t.name, p.partition_index)) {
        rejected.add(t.name, p.partition_index, kafka::to_wire(*error));
        continue;
      }
      if (topic == nullptr) {
        topic = out.add_topics();
        topic->set_name(t.name);
      }
      topic->add_partition_indexes(p.partition_index);
    }
  }
  return out;
}

OffsetDeleteResponse to_kafka(const pb::OffsetDeleteResponse& r, Errors rejected) {
  OffsetDeleteResponse out;
  out.error_code = kafka_error(r.error_code());
  // As Kafka's response builder: a group-level error replaces the partition results, the
  // gateway's own rejections included.
  if (out.error_code != 0) rejected = Errors();
  rejected.merge(r.topics());
  out.topics = rejected.take();
  return out;
}

}  // namespace

void add_offset_delete_handler(Dispatcher& dispatcher, CoordinatorClient& client,
                               std::shared_ptr<const TopicCatalog> catalog) {
  dispatcher.add<OffsetDeleteRequest, OffsetDeleteResponse>(
      [&client, catalog](const RequestContext& ctx, OffsetDeleteRequest req,
                         Respond<OffsetDeleteResponse> respond) {
        if (refused_group(ctx, security::AclOperation::kDelete, req.group_id, respond)) return;
        Errors rejected;
        auto request = asked_by(ctx, to_proto(req, ctx, *catalog, rejected));
        // Forwarded even when no partition is left: the group itself is still validated
        // (GROUP_ID_NOT_FOUND, NON_EMPTY_GROUP), as Kafka does.
        forward(client, std::move(request), client.call_timeout(), std::move(respond),
                [rejected = std::move(rejected)](const pb::OffsetDeleteResponse& r) mutable {
                  return to_kafka(r, std::move(rejected));
                });
      });
}

}  // namespace groupwire::gateway
