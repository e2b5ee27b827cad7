// OffsetCommit: partitions outside the topic catalog are answered here, the rest are committed
// by the coordinator.
#include "handlers/coordinator_forward.h"
#include "handlers/group_handlers.h"

namespace groupwire::gateway {

using kafka::OffsetCommitRequest;
using kafka::OffsetCommitResponse;

namespace {

using Errors = PartitionErrors<OffsetCommitResponse::Topic>;

// Fills `out` with the partitions the catalog knows; the others go to `rejected`.
pb::OffsetCommitRequest to_proto(OffsetCommitRequest& req, const RequestContext& ctx,
                                 const TopicCatalog& catalog, Errors& rejected) {
  auto version = ctx.header.api_version;
  pb::OffsetCommitRequest out;
  out.set_group_id(std::move(req.group_id));
  // v0 has neither: a simple commit, outside any generation.
  out.set_generation_id(version >= 1 ? req.generation_id_or_member_epoch : -1);
  out.set_member_id(version >= 1 ? std::move(req.member_id) : std::string());
  if (req.group_instance_id) out.set_group_instance_id(std::move(*req.group_instance_id));
  out.set_retention_time_ms(version >= 2 && version <= 4 ? req.retention_time_ms : -1);
  out.set_unknown_group_is_not_found(version >= 9);
  // v9+ is what a consumer-protocol member commits with: its generation is its member epoch.
  out.set_member_epoch_aware(version >= 9);
  for (auto& t : req.topics) {
    pb::OffsetCommitTopic* topic = nullptr;
    for (auto& p : t.partitions) {
      if (auto error = partition_refused(ctx, catalog, t.name, p.partition_index)) {
        rejected.add(t.name, p.partition_index, kafka::to_wire(*error));
        continue;
      }
      if (topic == nullptr) {
        topic = out.add_topics();
        topic->set_name(t.name);
      }
      auto* partition = topic->add_partitions();
      partition->set_partition_index(p.partition_index);
      partition->set_committed_offset(p.committed_offset);
      partition->set_committed_leader_epoch(p.committed_leader_epoch);
      if (p.committed_metadata) partition->set_committed_metadata(std::move(*p.committed_metadata));
    }
  }
  return out;
}

}  // namespace

void add_offset_commit_handler(Dispatcher& dispatcher, CoordinatorClient& client,
                               std::shared_ptr<const TopicCatalog> catalog) {
  dispatcher.add<OffsetCommitRequest, OffsetCommitResponse>(
      [&client, catalog](const RequestContext& ctx, OffsetCommitRequest req,
                         Respond<OffsetCommitResponse> respond) {
        Errors rejected;
        // KafkaApis: a group the principal may not read fails every partition, unforwarded.
        if (!ctx.allowed(security::AclOperation::kRead, security::ResourceType::kGroup,
                         req.group_id)) {
          for (const auto& t : req.topics) {
            for (const auto& p : t.partitions) {
              rejected.add(t.name, p.partition_index,
                           kafka::to_wire(kafka::ErrorCode::GROUP_AUTHORIZATION_FAILED));
            }
          }
          OffsetCommitResponse resp;
          resp.topics = rejected.take();
          return respond(std::move(resp));
        }
        auto request = asked_by(ctx, to_proto(req, ctx, *catalog, rejected));
        if (request.topics().empty()) {
          // Nothing left to commit: Kafka does not involve the coordinator either.
          OffsetCommitResponse resp;
          resp.topics = rejected.take();
          respond(std::move(resp));
          return;
        }
        forward(client, std::move(request), client.call_timeout(), std::move(respond),
                [rejected = std::move(rejected)](const pb::OffsetCommitResponse& r) mutable {
                  rejected.merge(r.topics());
                  OffsetCommitResponse resp;
                  resp.topics = rejected.take();
                  return resp;
                });
      });
}

}  // namespace groupwire::gateway
