// OffsetFetch: committed offsets of one group (v0-7) or several (v8+).
#include "handlers/coordinator_forward.h"
#include "handlers/group_handlers.h"

namespace groupwire::gateway {

using kafka::OffsetFetchRequest;
using kafka::OffsetFetchResponse;

namespace {

// Unknown topics and partitions are forwarded as they are: the coordinator answers them with
// offset -1, as Kafka does.
template <class Topics>
pb::OffsetFetchGroup& add_group(pb::OffsetFetchRequest& out, std::string group_id,
                                const std::optional<Topics>& topics) {
  auto* group = out.add_groups();
  group->set_group_id(std::move(group_id));
  group->set_all_topics(!topics);  // null topics: every committed offset (v2+)
  if (!topics) return *group;
  for (const auto& t : *topics) {
    auto* topic = group->add_topics();
    topic->set_name(t.name);
    topic->mutable_partition_indexes()->Add(t.partition_indexes.begin(), t.partition_indexes.end());
  }
  return *group;
}

pb::OffsetFetchRequest to_proto(OffsetFetchRequest& req, kafka::ApiVersion version) {
  pb::OffsetFetchRequest out;
  if (version < 8) {
    add_group(out, std::move(req.group_id), req.topics);
  } else {
    for (auto& g : req.groups) {
      auto& group = add_group(out, std::move(g.group_id), g.topics);
      // v9+: a consumer-protocol member says who it is, for the coordinator to check.
      if (version < 9) continue;
      if (g.member_id) group.set_member_id(std::move(*g.member_id));
      group.set_member_epoch(g.member_epoch);
    }
  }
  out.set_require_stable(req.require_stable);
  return out;
}

template <class Partition>
Partition partition_to_kafka(const pb::OffsetFetchPartition& p) {
  Partition out;
  out.partition_index = p.partition_index();
  out.committed_offset = p.committed_offset();
  out.committed_leader_epoch = p.committed_leader_epoch();
  out.metadata = nullable(p.has_metadata(), p.metadata());
  out.error_code = kafka_error(p.error_code());
  return out;
}

// v0-7 and v8+ use distinct (same-shaped) structs for topics and partitions.
template <class Topic>
std::vector<Topic> topics_to_kafka(const pb::OffsetFetchGroupResponse& g) {
  std::vector<Topic> out;
  for (const auto& t : g.topics()) {
    Topic topic;
    topic.name = t.name();
    for (const auto& p : t.partitions()) {
      topic.partitions.push_back(
          partition_to_kafka<typename decltype(Topic::partitions)::value_type>(p));
    }
    out.push_back(std::move(topic));
  }
  return out;
}

// v0-1 have no group-level error field: Kafka puts the group error in every requested
// partition, with offset -1.
std::vector<OffsetFetchResponse::Topic> group_error_in_partitions(
    const std::vector<OffsetFetchRequest::Topic>& requested, std::int16_t error) {
  std::vector<OffsetFetchResponse::Topic> out;
  for (const auto& t : requested) {
    OffsetFetchResponse::Topic topic;
    topic.name = t.name;
    for (auto index : t.partition_indexes) {
      OffsetFetchResponse::Partition p;
      p.partition_index = index;
      p.committed_offset = -1;
      p.error_code = error;
      topic.partitions.push_back(std::move(p));
    }
    out.push_back(std::move(topic));
  }
  return out;
}

OffsetFetchResponse to_kafka(const pb::OffsetFetchResponse& r, kafka::ApiVersion version,
                             const std::vector<OffsetFetchRequest::Topic>& requested) {
  OffsetFetchResponse out;
  if (version >= 8) {
    for (const auto& g : r.groups()) {
      out.groups.push_back({g.group_id(), topics_to_kafka<OffsetFetchResponse::Topics>(g),
                            kafka_error(g.error_code())});
    }
    return out;
  }
  if (r.groups().empty()) {
    out.error_code = kafka::to_wire(kafka::ErrorCode::UNKNOWN_SERVER_ERROR);
  } else {
    const auto& g = r.groups(0);
    out.error_code = kafka_error(g.error_code());
    out.topics = topics_to_kafka<OffsetFetchResponse::Topic>(g);
  }
  if (version < 2 && out.error_code != 0) {
    out.topics = group_error_in_partitions(requested, out.error_code);
  }
  return out;
}

// KafkaApis answers what the principal may not describe without revealing it: a group as
// GROUP_AUTHORIZATION_FAILED with no offsets, a topic's requested partitions as
// TOPIC_AUTHORIZATION_FAILED at offset -1, a topic of an every-topic request not at all. Applied to
// the coordinator's answer, so that a request stays one call in its connection's order.
void hide_unauthorized(pb::OffsetFetchResponse& r, const pb::OffsetFetchRequest& asked,
                       const Authorization& authorization) {
  using security::AclOperation;
  using security::ResourceType;
  for (int i = 0; i < r.groups_size(); ++i) {
    auto& g = *r.mutable_groups(i);
    if (!authorization.allowed(AclOperation::kDescribe, ResourceType::kGroup, g.group_id())) {
      g.clear_topics();
      g.set_error_code(proto_error(kafka::ErrorCode::GROUP_AUTHORIZATION_FAILED));
      continue;
    }
    bool every_topic = i < asked.groups_size() && asked.groups(i).all_topics();
    auto& topics = *g.mutable_topics();
    for (auto t = topics.begin(); t != topics.end();) {
      if (authorization.allowed(AclOperation::kDescribe, ResourceType::kTopic, t->name())) {
        ++t;
      } else if (every_topic) {
        t = topics.erase(t);
      } else {
        for (auto& p : *t->mutable_partitions()) {
          p.set_committed_offset(-1);
          p.set_committed_leader_epoch(-1);
          p.clear_metadata();
          p.set_error_code(proto_error(kafka::ErrorCode::TOPIC_AUTHORIZATION_FAILED));
        }
        ++t;
      }
    }
  }
}

}  // namespace

void add_offset_fetch_handler(Dispatcher& dispatcher, CoordinatorClient& client) {
  dispatcher.add<OffsetFetchRequest, OffsetFetchResponse>(
      [&client](const RequestContext& ctx, OffsetFetchRequest req,
                Respond<OffsetFetchResponse> respond) {
        auto version = ctx.header.api_version;
        auto request = asked_by(ctx, to_proto(req, version));
        // Only v0-1 need the requested partitions back, to carry a group error.
        std::vector<OffsetFetchRequest::Topic> requested;
        if (version < 2 && req.topics) requested = std::move(*req.topics);
        bool several = request.groups_size() > 1;
        // Only a restricted principal needs the request back, to filter the answer.
        std::optional<pb::OffsetFetchRequest> asked;
        if (ctx.authorization.restricted()) asked = request;
        in_connection_order(
            ctx, several,
            [&client, version, request = std::move(request), requested = std::move(requested),
             asked = std::move(asked), authorization = ctx.authorization,
             respond = std::move(respond)]() mutable {
              forward(client, std::move(request), client.call_timeout(), std::move(respond),
                      [version, requested = std::move(requested), asked = std::move(asked),
                       authorization](pb::OffsetFetchResponse& r) {
                        if (asked) hide_unauthorized(r, *asked, authorization);
                        return to_kafka(r, version, requested);
                      });
            });
      });
}

}  // namespace groupwire::gateway
