// ConsumerGroupHeartbeat (KIP-848): a consumer-protocol member joins, heartbeats, reports what it
// owns and leaves; the coordinator answers its epoch and, when it changed, its assignment.
//
// Subscriptions resolve against the gateway's topic catalog, which the coordinator does not have
// of its own: a heartbeat carries the catalog whenever the coordinator may need it (a member
// joins, a subscription changes, or the coordinator answered for the group with another catalog
// than the gateway's), and otherwise only the catalog's fingerprint.
#include <unordered_map>

#include "handlers/coordinator_catalog.h"
#include "handlers/coordinator_forward.h"
#include "handlers/group_handlers.h"
#include "handlers/java_client_host.h"

namespace groupwire::gateway {

using kafka::ConsumerGroupHeartbeatRequest;
using kafka::ConsumerGroupHeartbeatResponse;

namespace {

// Beyond this many groups the memory starts over: each group's next heartbeat sends the catalog
// once more, which costs a message, not correctness.
constexpr std::size_t kMaxRememberedGroups = 100000;

// The catalog fingerprint the coordinator last answered for each group, shared by connections.
class CoordinatorFingerprints {
 public:
  std::uint64_t of(const std::string& group) const {
    std::lock_guard lock(mu_);
    auto it = by_group_.find(group);
    return it == by_group_.end() ? 0 : it->second;
  }
  void remember(const std::string& group, std::uint64_t fingerprint) {
    std::lock_guard lock(mu_);
    if (by_group_.size() >= kMaxRememberedGroups && !by_group_.contains(group)) by_group_.clear();
    by_group_[group] = fingerprint;
  }

 private:
  mutable std::mutex mu_;
  std::unordered_map<std::string, std::uint64_t> by_group_;
};

// Kafka 4.x: subscribing by name to a topic the principal may not describe fails the heartbeat,
// so that a client cannot learn of topics through its assignment.
bool may_describe_all(const RequestContext& ctx, const std::vector<std::string>& topics) {
  return std::all_of(topics.begin(), topics.end(), [&](const std::string& topic) {
    return ctx.allowed(security::AclOperation::kDescribe, security::ResourceType::kTopic, topic);
  });
}

pb::ConsumerGroupHeartbeatRequest to_proto(const RequestContext& ctx,
                                           ConsumerGroupHeartbeatRequest& req) {
  pb::ConsumerGroupHeartbeatRequest out;
  out.set_group_id(std::move(req.group_id));
  out.set_member_id(std::move(req.member_id));
  out.set_member_epoch(req.member_epoch);
  if (req.instance_id) out.set_instance_id(std::move(*req.instance_id));
  if (req.rack_id) out.set_rack_id(std::move(*req.rack_id));
  out.set_rebalance_timeout_ms(req.rebalance_timeout_ms);
  if (req.subscribed_topic_names) {
    auto* names = out.mutable_subscribed_topic_names()->mutable_names();
    for (auto& name : *req.subscribed_topic_names) names->Add(std::move(name));
  }
  if (req.subscribed_topic_regex) {
    out.set_subscribed_topic_regex(std::move(*req.subscribed_topic_regex));
  }
  if (req.server_assignor) out.set_server_assignor(std::move(*req.server_assignor));
  if (req.topic_partitions) {
    auto* owned = out.mutable_topic_partitions();
    for (const auto& t : *req.topic_partitions) {
      auto* topic = owned->add_topics();
      topic->set_topic_id(topic_id_bytes(t.topic_id));
      topic->mutable_partitions()->Add(t.partitions.begin(), t.partitions.end());
    }
  }
  out.set_client_id(ctx.header.client_id.value_or(""));
  out.set_client_host(java_client_host(ctx.client_host));
  out.set_client_generates_member_id(ctx.header.api_version >= 1);
  return out;
}

// Whether the coordinator may need the catalog itself: it resolves a joining member's or a new
// subscription against it, and holds another one (or none) for the group.
bool needs_catalog(const pb::ConsumerGroupHeartbeatRequest& req, std::uint64_t held,
                   std::uint64_t ours) {
  return req.member_epoch() == 0 || req.has_subscribed_topic_names() ||
         req.has_subscribed_topic_regex() || held != ours;
}

ConsumerGroupHeartbeatResponse to_kafka(const pb::ConsumerGroupHeartbeatResponse& r) {
  ConsumerGroupHeartbeatResponse out;
  out.error_code = kafka_error(r.error_code());
  out.error_message = nullable(r.has_error_message(), r.error_message());
  out.member_id = nullable(r.has_member_id(), r.member_id());
  out.member_epoch = r.member_epoch();
  out.heartbeat_interval_ms = r.heartbeat_interval_ms();
  if (r.has_assignment()) {
    auto& assignment = out.assignment.emplace();
    for (const auto& t : r.assignment().topics()) {
      assignment.topic_partitions.push_back(
          {to_uuid(t.topic_id()), {t.partitions().begin(), t.partitions().end()}});
    }
  }
  return out;
}

ConsumerGroupHeartbeatResponse refusal(kafka::ErrorCode e) {
  ConsumerGroupHeartbeatResponse out;
  out.error_code = kafka::to_wire(e);
  return out;
}

}  // namespace

void add_consumer_group_heartbeat_handler(Dispatcher& dispatcher, CoordinatorClient& client,
                                          std::shared_ptr<const TopicCatalog> catalog) {
  auto catalogs = std::make_shared<CoordinatorCatalog>(std::move(catalog));
  auto fingerprints = std::make_shared<CoordinatorFingerprints>();
  dispatcher.add<ConsumerGroupHeartbeatRequest, ConsumerGroupHeartbeatResponse>(
      [&client, catalogs, fingerprints](const RequestContext& ctx,
                                        ConsumerGroupHeartbeatRequest req,
                                        Respond<ConsumerGroupHeartbeatResponse> respond) {
        if (refused_group(ctx, security::AclOperation::kRead, req.group_id, respond)) return;
        if (req.subscribed_topic_names && !may_describe_all(ctx, *req.subscribed_topic_names)) {
          return respond(refusal(kafka::ErrorCode::TOPIC_AUTHORIZATION_FAILED));
        }
        auto request = asked_by(ctx, to_proto(ctx, req));
        auto ours = catalogs->current();
        request.set_catalog_fingerprint(ours->fingerprint());
        if (needs_catalog(request, fingerprints->of(request.group_id()), ours->fingerprint())) {
          *request.mutable_catalog() = *ours;
        }
        std::string group = request.group_id();
        forward(
            client, std::move(request), client.call_timeout(), std::move(respond),
            [fingerprints, group = std::move(group)](const pb::ConsumerGroupHeartbeatResponse& r) {
              fingerprints->remember(group, r.catalog_fingerprint());
              return to_kafka(r);
            });
      });
  offer_with_consumer_protocol(dispatcher, client, kafka::ApiKey::ConsumerGroupHeartbeat);
}

}  // namespace groupwire::gateway
