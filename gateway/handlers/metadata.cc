#include "handlers/metadata.h"

#include "kafka/error_code.h"

namespace groupwire::gateway {

using kafka::MetadataRequest;
using kafka::MetadataResponse;

namespace {

MetadataResponse::Topic describe_topic(const std::string& name,
                                       const std::optional<TopicCatalog::Topic>& topic,
                                       std::int32_t node_id) {
  MetadataResponse::Topic t;
  t.name = name;
  if (!topic) {
    t.error_code = kafka::to_wire(kafka::ErrorCode::UNKNOWN_TOPIC_OR_PARTITION);
    return t;
  }
  t.topic_id = topic->id;
  for (std::int32_t p = 0; p < topic->partitions; ++p) {
    MetadataResponse::Partition part;
    part.partition_index = p;
    part.leader_id = node_id;
    part.leader_epoch = 0;
    part.replica_nodes = {node_id};
    part.isr_nodes = {node_id};
    t.partitions.push_back(std::move(part));
  }
  return t;
}

}  // namespace

void name_topics_by_id(MetadataRequest& req, const TopicCatalog& catalog) {
  if (!req.topics) return;
  for (auto& t : *req.topics) {
    if (!t.name && t.topic_id != kafka::Uuid{}) t.name = catalog.name(t.topic_id);
  }
}

void hide_unauthorized_topics(MetadataResponse& resp, bool every_topic,
                              const Authorization& authorization) {
  if (!authorization.restricted()) return;
  auto allowed = [&](const MetadataResponse::Topic& t) {
    return authorization.allowed(security::AclOperation::kDescribe, security::ResourceType::kTopic,
                                 t.name.value_or(""));
  };
  if (every_topic) {
    std::erase_if(resp.topics, [&](const MetadataResponse::Topic& t) { return !allowed(t); });
    return;
  }
  for (auto& t : resp.topics) {
    if (allowed(t)) continue;
    MetadataResponse::Topic refused;
    refused.name = std::move(t.name);
    refused.error_code = kafka::to_wire(kafka::ErrorCode::TOPIC_AUTHORIZATION_FAILED);
    t = std::move(refused);
  }
}

void add_metadata_handler(Dispatcher& dispatcher, const BrokerIdentity& identity,
                          SharedTopicCatalog catalog) {
  dispatcher.add<MetadataRequest, MetadataResponse>(
      [identity, catalog = std::move(catalog)](const RequestContext& ctx, MetadataRequest req,
                                               Respond<MetadataResponse> respond) {
        name_topics_by_id(req, *catalog);
        MetadataResponse resp;
        resp.brokers.push_back(
            {identity.node_id, identity.advertised.host, identity.advertised.port, std::nullopt});
        resp.cluster_id = identity.cluster_id;
        resp.controller_id = identity.node_id;
        // v0: an empty list means all topics; v1+: null means all, empty means none.
        bool all = !req.topics || (ctx.header.api_version == 0 && req.topics->empty());
        if (all) {
          for (const auto& [name, topic] : *catalog->all()) {
            resp.topics.push_back(describe_topic(name, topic, identity.node_id));
          }
        } else {
          for (const auto& t : *req.topics) {
            std::string name = t.name.value_or("");
            resp.topics.push_back(describe_topic(name, catalog->find(name), identity.node_id));
          }
        }
        hide_unauthorized_topics(resp, all, ctx.authorization);
        respond(std::move(resp));
      });
}

}  // namespace groupwire::gateway
