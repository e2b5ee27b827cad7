#include "group/consumer/group_conversion.h"

#include "kafka/codec/wire.h"

namespace groupwire::coordinator {

namespace {

template <class TopicPartitionList>
TopicPartitionsById by_id(const TopicPartitionList& partitions, const TopicIdOf& id_of) {
  TopicPartitionsById out;
  for (const auto& tp : partitions) {
    auto id = id_of(tp.topic);
    if (!id) continue;
    out[*id].insert(tp.partitions.begin(), tp.partitions.end());
  }
  return out;
}

std::int16_t version_of(const std::string& metadata) {
  kafka::Reader r(metadata.data(), metadata.size());
  auto version = r.read_int<std::int16_t>();
  return r.ok() && version >= 0 ? std::min<std::int16_t>(version, 3) : 0;
}

}  // namespace

TopicPartitionsById partitions_by_id(
    const std::vector<kafka::ConsumerProtocolSubscription::TopicPartition>& partitions,
    const TopicIdOf& id_of) {
  return by_id(partitions, id_of);
}

std::string encode_assignment(const TopicPartitionsById& assignment, const TopicNameOf& name_of,
                              const std::string& metadata) {
  kafka::ConsumerProtocolAssignment a;
  for (const auto& [id, partitions] : assignment) {
    std::string name = name_of(id);
    if (name.empty()) continue;
    a.assigned_partitions.push_back({name, {partitions.begin(), partitions.end()}});
  }
  return kafka::encode_consumer_protocol(a, version_of(metadata));
}

std::optional<ConsumerGroup> consumer_group_from(const ClassicGroup& classic,
                                                 const TopicIdOf& id_of) {
  ConsumerGroup group;
  group.group_id = classic.group_id;
  group.group_epoch = classic.generation_id;
  group.assignment_epoch = classic.generation_id;
  const std::string protocol = classic.protocol_name.value_or("");
  for (const auto& [id, m] : classic.members) {
    const std::string* metadata = m.metadata(protocol);
    kafka::ConsumerProtocolSubscription subscription;
    if (metadata == nullptr || !kafka::decode_consumer_protocol(*metadata, subscription)) {
      return std::nullopt;
    }
    // A member that has not received this generation's assignment owns nothing yet.
    kafka::ConsumerProtocolAssignment assignment;
    if (!m.assignment.empty() && !kafka::decode_consumer_protocol(m.assignment, assignment)) {
      return std::nullopt;
    }
    ConsumerGroupMember member;
    member.member_id = id;
    member.instance_id = m.group_instance_id;
    member.rack_id = subscription.rack_id;
    member.client_id = m.client_id;
    member.client_host = m.client_host;
    member.principal = m.principal;
    member.rebalance_timeout = m.rebalance_timeout;
    member.subscribed_topic_names = subscription.topics;
    member.member_epoch = classic.generation_id;
    member.previous_member_epoch = classic.generation_id;
    member.state = MemberState::kStable;
    member.assigned_partitions = by_id(assignment.assigned_partitions, id_of);
    member.classic = ClassicMemberMetadata{m.session_timeout, m.protocols};
    member.last_heartbeat = m.last_heartbeat;
    group.set_target(id, member.assigned_partitions);
    group.put_member(std::move(member));
  }
  return group;
}

ClassicGroup classic_group_from(const ConsumerGroup& group, const MemberId& leaving,
                                const TopicNameOf& name_of, std::int64_t now_ms) {
  ClassicGroup classic;
  classic.group_id = group.group_id;
  classic.generation_id = group.group_epoch;
  classic.state = GroupState::Stable;
  classic.current_state_timestamp_ms = now_ms;
  for (const auto& [id, m] : group.members) {
    if (id == leaving || !m.classic) continue;
    ClassicGroupMember member;
    member.member_id = id;
    member.group_instance_id = m.instance_id;
    member.client_id = m.client_id;
    member.client_host = m.client_host;
    member.principal = m.principal;
    member.session_timeout = m.classic->session_timeout;
    member.rebalance_timeout = m.rebalance_timeout;
    member.protocols = m.classic->protocols;
    member.last_heartbeat = m.last_heartbeat;
    classic.add_member(std::move(member), "consumer");
  }
  classic.protocol_type = "consumer";
  classic.protocol_name = classic.select_protocol();
  if (!classic.members.empty()) classic.leader_id = classic.members.begin()->first;
  for (auto& [id, member] : classic.members) {
    const std::string* metadata = member.metadata(*classic.protocol_name);
    member.assignment =
        encode_assignment(group.target_of(id), name_of, metadata ? *metadata : std::string());
  }
  return classic;
}

}  // namespace groupwire::coordinator
