// What every forwarded group API shares: send the translated request to the coordinator and
// answer with the translated reply, and the small conversions between Kafka structs and protos.
#pragma once

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "coordinator_client/coordinator_client.h"
#include "coordinator_client/failed_call.h"
#include "handlers/topic_catalog.h"
#include "kafka/error_code.h"
#include "server/dispatcher.h"

namespace groupwire::gateway {

// The proto enum carries Kafka's own numbers.
inline std::int16_t kafka_error(pb::ErrorCode e) {
  return static_cast<std::int16_t>(e);
}
inline pb::ErrorCode proto_error(kafka::ErrorCode e) {
  return static_cast<pb::ErrorCode>(kafka::to_wire(e));
}

inline std::optional<std::string> nullable(bool present, const std::string& value) {
  if (!present) return std::nullopt;
  return value;
}

// Topic ids travel in protos as their 16 bytes.
inline std::string topic_id_bytes(const kafka::Uuid& id) {
  return {reinterpret_cast<const char*>(id.data()), id.size()};
}
inline kafka::Uuid to_uuid(const std::string& bytes) {
  kafka::Uuid id{};
  std::copy_n(bytes.begin(), std::min(bytes.size(), id.size()), id.begin());
  return id;
}

// The consumer group protocol's APIs are offered while the coordinators serve it, as Kafka
// offers them only with its new group coordinator enabled.
inline void offer_with_consumer_protocol(Dispatcher& dispatcher, const CoordinatorClient& client,
                                         kafka::ApiKey api) {
  dispatcher.offer_while(static_cast<std::int16_t>(api),
                         [&client] { return client.serves_consumer_protocol(); });
}

// Every call says who asked: the coordinator's audit log and its view of members use it. An
// anonymous client is said by leaving it empty, which costs the hot path nothing.
template <class PbReq>
PbReq asked_by(const RequestContext& ctx, PbReq request) {
  if (ctx.authorization.principal != kAnonymousPrincipal)
    request.set_principal(ctx.authorization.principal);
  return request;
}

// Sends `request` and answers translate(reply). When the call fails (coordinator unreachable,
// deadline exceeded, ...) the reply is failed_reply(request): the answer of a coordinator that
// could not serve it (see failed_call.h), a retriable error wherever the API carries group
// errors.
template <class KafkaResp, class PbReq, class Translate>
void forward(CoordinatorClient& client, PbReq request, std::chrono::milliseconds timeout,
             Respond<KafkaResp> respond, Translate translate) {
  client.call(std::move(request), timeout,
              [respond = std::move(respond), translate = std::move(translate)](
                  const grpc::Status& status, const PbReq& sent, auto& reply) mutable {
                if (!status.ok()) reply = failed_reply(sent, failure_error(status));
                respond(translate(reply));
              });
}

// A call naming several groups, or all of them, reaches partitions (and streams) that the
// calls before it on its connection did not travel with, so nothing on the way orders it after
// them: it runs alone on its connection (Session::run_alone). A call about one group travels with
// that group's other calls, and the coordinator keeps their order.
template <class Start>
void in_connection_order(const RequestContext& ctx, bool several_groups, Start start) {
  if (several_groups && ctx.session) return ctx.session->run_alone(std::move(start));
  start();
}

// KafkaApis authorizes a request about one group before anything else: one its principal may not
// `op` is answered with the API's response carrying GROUP_AUTHORIZATION_FAILED, and the
// coordinator never sees it. True when so answered.
template <class Resp>
bool refused_group(const RequestContext& ctx, security::AclOperation op, const std::string& group,
                   Respond<Resp>& respond) {
  if (ctx.allowed(op, security::ResourceType::kGroup, group)) return false;
  Resp resp;
  resp.error_code = kafka::to_wire(kafka::ErrorCode::GROUP_AUTHORIZATION_FAILED);
  respond(std::move(resp));
  return true;
}

// Whether a partition is in the gateway's topic catalog: what KafkaApis checks against its
// metadata before OffsetCommit and OffsetDelete reach the coordinator.
inline bool known_partition(const TopicCatalog& catalog, const std::string& topic,
                            std::int32_t partition) {
  auto count = catalog.partitions(topic);
  return count && partition >= 0 && partition < *count;
}

// Why a partition of an OffsetCommit or OffsetDelete is answered by the gateway, in KafkaApis'
// order: the principal may not read its topic, or the topic or partition does not exist.
inline std::optional<kafka::ErrorCode> partition_refused(const RequestContext& ctx,
                                                         const TopicCatalog& catalog,
                                                         const std::string& topic,
                                                         std::int32_t partition) {
  if (!ctx.allowed(security::AclOperation::kRead, security::ResourceType::kTopic, topic)) {
    return kafka::ErrorCode::TOPIC_AUTHORIZATION_FAILED;
  }
  if (!known_partition(catalog, topic, partition))
    return kafka::ErrorCode::UNKNOWN_TOPIC_OR_PARTITION;
  return std::nullopt;
}

// Per-partition errors grouped by topic in first-seen order, like Kafka's OffsetCommit and
// OffsetDelete response builders: the gateway's own rejections first, then the coordinator's
// results merged in (a topic already present gets the new partitions appended).
template <class Topic>
class PartitionErrors {
 public:
  void add(const std::string& topic, std::int32_t partition, std::int16_t error) {
    auto& t = topic_named(topic);
    t.partitions.emplace_back();
    t.partitions.back().partition_index = partition;
    t.partitions.back().error_code = error;
  }
  void merge(const google::protobuf::RepeatedPtrField<pb::TopicPartitionErrors>& topics) {
    for (const auto& t : topics) {
      for (const auto& p : t.partitions())
        add(t.name(), p.partition_index(), kafka_error(p.error_code()));
    }
  }
  std::vector<Topic> take() { return std::move(topics_); }

 private:
  Topic& topic_named(const std::string& name) {
    auto [it, inserted] = index_.try_emplace(name, topics_.size());
    if (inserted) {
      topics_.emplace_back();
      topics_.back().name = name;
    }
    return topics_[it->second];
  }
  std::vector<Topic> topics_;
  std::unordered_map<std::string, std::size_t> index_;
};

}  // namespace groupwire::gateway
