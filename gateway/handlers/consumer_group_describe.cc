// ConsumerGroupDescribe (KIP-848): epochs, assignor and members of each named consumer group.
#include <set>

#include "handlers/coordinator_forward.h"
#include "handlers/group_handlers.h"

namespace groupwire::gateway {

using kafka::ConsumerGroupDescribeRequest;
using kafka::ConsumerGroupDescribeResponse;
using DescribedGroup = ConsumerGroupDescribeResponse::DescribedGroup;

namespace {

DescribedGroup failed_group(std::string group_id, kafka::ErrorCode e) {
  DescribedGroup out;
  out.group_id = std::move(group_id);
  out.error_code = kafka::to_wire(e);
  return out;
}

ConsumerGroupDescribeResponse::Assignment to_kafka(
    const google::protobuf::RepeatedPtrField<pb::TopicAssignment>& topics) {
  ConsumerGroupDescribeResponse::Assignment out;
  for (const auto& t : topics) {
    out.topic_partitions.push_back(
        {to_uuid(t.topic_id()), t.topic_name(), {t.partitions().begin(), t.partitions().end()}});
  }
  return out;
}

ConsumerGroupDescribeResponse::Member to_kafka(const pb::ConsumerGroupDescribedMember& m) {
  ConsumerGroupDescribeResponse::Member out;
  out.member_id = m.member_id();
  out.instance_id = nullable(m.has_instance_id(), m.instance_id());
  out.rack_id = nullable(m.has_rack_id(), m.rack_id());
  out.member_epoch = m.member_epoch();
  out.client_id = m.client_id();
  out.client_host = m.client_host();
  out.subscribed_topic_names.assign(m.subscribed_topic_names().begin(),
                                    m.subscribed_topic_names().end());
  out.subscribed_topic_regex = nullable(m.has_subscribed_topic_regex(), m.subscribed_topic_regex());
  out.assignment = to_kafka(m.assignment());
  out.target_assignment = to_kafka(m.target_assignment());
  out.member_type = m.classic() ? ConsumerGroupDescribeResponse::kClassicMember
                                : ConsumerGroupDescribeResponse::kConsumerMember;
  return out;
}

// Kafka 4.x: a group whose members are assigned a topic the principal may not describe is
// answered with TOPIC_AUTHORIZATION_FAILED and no members, so that describing a group does not
// reveal topics.
bool reveals_hidden_topic(const pb::ConsumerGroupDescribed& g, const Authorization& authorization) {
  std::set<std::string> topics;
  for (const auto& m : g.members()) {
    for (const auto& t : m.assignment()) topics.insert(t.topic_name());
    for (const auto& t : m.target_assignment()) topics.insert(t.topic_name());
  }
  return std::any_of(topics.begin(), topics.end(), [&](const std::string& topic) {
    return !authorization.allowed(security::AclOperation::kDescribe, security::ResourceType::kTopic,
                                  topic);
  });
}

DescribedGroup to_kafka(const pb::ConsumerGroupDescribed& g, const Authorization& authorization) {
  if (authorization.restricted() && reveals_hidden_topic(g, authorization)) {
    auto out = failed_group(g.group_id(), kafka::ErrorCode::TOPIC_AUTHORIZATION_FAILED);
    out.error_message = "The group's members are assigned topics the client may not describe.";
    return out;
  }
  DescribedGroup out;
  out.error_code = kafka_error(g.error_code());
  out.error_message = nullable(g.has_error_message(), g.error_message());
  out.group_id = g.group_id();
  out.group_state = g.group_state();
  out.group_epoch = g.group_epoch();
  out.assignment_epoch = g.assignment_epoch();
  out.assignor_name = g.assignor_name();
  for (const auto& m : g.members()) out.members.push_back(to_kafka(m));
  // authorized_operations keeps Kafka's "not provided" default, as DescribeGroups does.
  return out;
}

}  // namespace

void add_consumer_group_describe_handler(Dispatcher& dispatcher, CoordinatorClient& client) {
  dispatcher.add<ConsumerGroupDescribeRequest, ConsumerGroupDescribeResponse>(
      [&client](const RequestContext& ctx, ConsumerGroupDescribeRequest req,
                Respond<ConsumerGroupDescribeResponse> respond) {
        // KafkaApis answers the groups the principal may not describe first, and the
        // coordinator never sees them.
        ConsumerGroupDescribeResponse refused;
        pb::ConsumerGroupDescribeRequest request;
        for (auto& id : req.group_ids) {
          if (ctx.allowed(security::AclOperation::kDescribe, security::ResourceType::kGroup, id)) {
            request.add_group_ids(std::move(id));
          } else {
            refused.groups.push_back(
                failed_group(std::move(id), kafka::ErrorCode::GROUP_AUTHORIZATION_FAILED));
          }
        }
        if (request.group_ids_size() == 0) return respond(std::move(refused));
        in_connection_order(ctx, request.group_ids_size() > 1,
                            [&client, request = asked_by(ctx, std::move(request)),
                             authorization = ctx.authorization, refused = std::move(refused),
                             respond = std::move(respond)]() mutable {
                              forward(client, std::move(request), client.call_timeout(),
                                      std::move(respond),
                                      [authorization, refused = std::move(refused)](
                                          const pb::ConsumerGroupDescribeResponse& r) mutable {
                                        auto out = std::move(refused);
                                        for (const auto& g : r.groups()) {
                                          out.groups.push_back(to_kafka(g, authorization));
                                        }
                                        return out;
                                      });
                            });
      });
  offer_with_consumer_protocol(dispatcher, client, kafka::ApiKey::ConsumerGroupDescribe);
}

}  // namespace groupwire::gateway
