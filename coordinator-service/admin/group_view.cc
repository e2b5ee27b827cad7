#include "admin/group_view.h"

#include <chrono>

#include "kafka/codec/messages/consumer_protocol.h"
#include "lag/partition_lag.h"

namespace groupwire::coordinator::admin {

namespace {

template <class Out, class In>
void add_partitions(const std::vector<In>& in, Out* out) {
  for (const auto& tp : in) {
    auto* t = out->Add();
    t->set_topic(tp.topic);
    t->mutable_partitions()->Add(tp.partitions.begin(), tp.partitions.end());
  }
}

void set_subscription(const ClassicGroup& group, const ClassicGroupMember& m, apb::Member* out) {
  const std::string* meta = group.protocol_name   ? m.metadata(*group.protocol_name)
                            : m.protocols.empty() ? nullptr
                                                  : &m.protocols.front().second;
  if (meta == nullptr) return;
  kafka::ConsumerProtocolSubscription sub;
  std::int16_t version = 0;
  if (!group.uses_consumer_protocol() || !kafka::decode_consumer_protocol(*meta, sub, &version)) {
    out->set_raw_metadata(*meta);
    return;
  }
  auto* s = out->mutable_consumer_subscription();
  s->set_version(version);
  s->mutable_topics()->Add(sub.topics.begin(), sub.topics.end());
  add_partitions(sub.owned_partitions, s->mutable_owned_partitions());
  s->set_generation_id(sub.generation_id);
  if (sub.rack_id) s->set_rack_id(*sub.rack_id);
  if (sub.user_data) s->set_user_data(sub.user_data->data);
}

void set_assignment(const ClassicGroup& group, const ClassicGroupMember& m, apb::Member* out) {
  if (m.assignment.empty()) return;
  kafka::ConsumerProtocolAssignment assignment;
  std::int16_t version = 0;
  if (!group.uses_consumer_protocol() ||
      !kafka::decode_consumer_protocol(m.assignment, assignment, &version)) {
    out->set_raw_assignment(m.assignment);
    return;
  }
  auto* a = out->mutable_consumer_assignment();
  a->set_version(version);
  add_partitions(assignment.assigned_partitions, a->mutable_partitions());
  if (assignment.user_data) a->set_user_data(assignment.user_data->data);
}

}  // namespace

apb::GroupState to_proto(GroupState s) {
  switch (s) {
    case GroupState::Empty:
      return apb::GROUP_STATE_EMPTY;
    case GroupState::PreparingRebalance:
      return apb::GROUP_STATE_PREPARING_REBALANCE;
    case GroupState::CompletingRebalance:
      return apb::GROUP_STATE_COMPLETING_REBALANCE;
    case GroupState::Stable:
      return apb::GROUP_STATE_STABLE;
    case GroupState::Dead:
      return apb::GROUP_STATE_DEAD;
  }
  return apb::GROUP_STATE_UNSPECIFIED;
}

apb::GroupState to_proto(ConsumerGroupState s) {
  switch (s) {
    case ConsumerGroupState::kEmpty:
      return apb::GROUP_STATE_EMPTY;
    case ConsumerGroupState::kAssigning:
      return apb::GROUP_STATE_ASSIGNING;
    case ConsumerGroupState::kReconciling:
      return apb::GROUP_STATE_RECONCILING;
    case ConsumerGroupState::kStable:
      return apb::GROUP_STATE_STABLE;
    case ConsumerGroupState::kDead:
      return apb::GROUP_STATE_DEAD;
  }
  return apb::GROUP_STATE_UNSPECIFIED;
}

apb::GroupSummary summarize(const ConsumerGroup& group) {
  apb::GroupSummary g;
  g.set_group_id(group.group_id);
  g.set_state(to_proto(group.state()));
  g.set_protocol_type("consumer");
  g.set_generation_id(group.group_epoch);
  g.set_members(static_cast<std::int32_t>(group.members.size()));
  g.set_group_type("consumer");
  return g;
}

apb::DescribeGroupResponse describe(const ConsumerGroup& group, Scheduler::Clock::time_point now,
                                    const std::string& default_assignor) {
  apb::DescribeGroupResponse d;
  d.set_group_id(group.group_id);
  d.set_group_type("consumer");
  d.set_state(to_proto(group.state()));
  d.set_generation_id(group.group_epoch);
  d.set_assignment_epoch(group.assignment_epoch);
  d.set_assignor(group.preferred_assignor().value_or(default_assignor));
  d.set_protocol_type("consumer");
  d.set_state_changed_at_ms(group.current_state_timestamp_ms);
  auto by_name = [&](const TopicPartitionsById& assignment,
                     google::protobuf::RepeatedPtrField<apb::TopicPartitions>* out) {
    for (const auto& [id, partitions] : assignment) {
      auto* t = out->Add();
      std::string name = group.topic_name(id);
      t->set_topic(name.empty() ? id.to_string() : name);
      t->mutable_partitions()->Add(partitions.begin(), partitions.end());
    }
  };
  for (const auto& [id, m] : group.members) {
    auto* out = d.add_members();
    out->set_member_id(id);
    if (m.instance_id) out->set_group_instance_id(*m.instance_id);
    out->set_client_id(m.client_id);
    out->set_client_host(m.client_host);
    out->set_principal(m.principal);
    out->set_rebalance_timeout_ms(static_cast<std::int32_t>(m.rebalance_timeout.count()));
    out->set_last_heartbeat_age_ms(
        std::chrono::duration_cast<std::chrono::milliseconds>(now - m.last_heartbeat).count());
    auto* c = out->mutable_consumer();
    c->set_member_epoch(m.member_epoch);
    c->set_previous_member_epoch(m.previous_member_epoch);
    c->set_member_state(member_state_name(m.state));
    c->mutable_subscribed_topic_names()->Add(m.subscribed_topic_names.begin(),
                                             m.subscribed_topic_names.end());
    if (m.subscribed_topic_regex) c->set_subscribed_topic_regex(*m.subscribed_topic_regex);
    if (m.server_assignor) c->set_server_assignor(*m.server_assignor);
    if (m.rack_id) c->set_rack_id(*m.rack_id);
    by_name(m.assigned_partitions, c->mutable_assigned());
    by_name(m.partitions_pending_revocation, c->mutable_pending_revocation());
    by_name(group.target_of(id), c->mutable_target());
  }
  return d;
}

apb::GroupSummary summarize(const ClassicGroup& group) {
  apb::GroupSummary g;
  g.set_group_id(group.group_id);
  g.set_state(to_proto(group.state));
  g.set_protocol_type(group.protocol_type.value_or(""));
  g.set_protocol_name(group.protocol_name.value_or(""));
  g.set_generation_id(group.generation_id);
  g.set_members(static_cast<std::int32_t>(group.members.size()));
  g.set_group_type("classic");
  return g;
}

apb::DescribeGroupResponse describe(const ClassicGroup& group, Scheduler::Clock::time_point now) {
  apb::DescribeGroupResponse d;
  d.set_group_id(group.group_id);
  d.set_group_type("classic");
  d.set_state(to_proto(group.state));
  d.set_generation_id(group.generation_id);
  d.set_protocol_type(group.protocol_type.value_or(""));
  d.set_protocol_name(group.protocol_name.value_or(""));
  d.set_leader_id(group.leader_id.value_or(""));
  d.set_state_changed_at_ms(group.current_state_timestamp_ms);
  for (const auto& [id, m] : group.members) {
    auto* out = d.add_members();
    out->set_member_id(id);
    if (m.group_instance_id) out->set_group_instance_id(*m.group_instance_id);
    out->set_client_id(m.client_id);
    out->set_client_host(m.client_host);
    out->set_principal(m.principal);
    out->set_session_timeout_ms(static_cast<std::int32_t>(m.session_timeout.count()));
    out->set_rebalance_timeout_ms(static_cast<std::int32_t>(m.rebalance_timeout.count()));
    out->set_last_heartbeat_age_ms(
        std::chrono::duration_cast<std::chrono::milliseconds>(now - m.last_heartbeat).count());
    set_subscription(group, m, out);
    set_assignment(group, m, out);
  }
  return d;
}

std::map<TopicPartition, std::int64_t> by_partition(
    const google::protobuf::RepeatedPtrField<apb::PartitionOffset>& offsets) {
  std::map<TopicPartition, std::int64_t> out;
  for (const auto& o : offsets) out[{o.topic(), o.partition()}] = o.offset();
  return out;
}

std::set<TopicPartition> select_partitions(
    const Offsets* committed,
    const google::protobuf::RepeatedPtrField<apb::TopicPartitions>& asked) {
  std::set<TopicPartition> out;
  auto committed_of = [&](const std::string* topic) {
    if (committed == nullptr) return;
    for (const auto& [tp, c] : *committed) {
      if (topic == nullptr || tp.first == *topic) out.insert(tp);
    }
  };
  if (asked.empty()) committed_of(nullptr);
  for (const auto& t : asked) {
    if (t.partitions().empty()) committed_of(&t.topic());
    for (std::int32_t p : t.partitions()) out.insert({t.topic(), p});
  }
  return out;
}

apb::GetOffsetsResponse offsets_view(const apb::GroupSummary& group, const Offsets* committed,
                                     const apb::GetOffsetsRequest& req) {
  apb::GetOffsetsResponse resp;
  resp.set_group_id(group.group_id());
  resp.set_state(group.state());
  auto ends = by_partition(req.end_offsets());
  auto add = [&](const TopicPartition& tp, const CommittedOffset* c) {
    auto* out = resp.add_offsets();
    out->set_topic(tp.first);
    out->set_partition(tp.second);
    out->set_offset(c ? c->offset : -1);
    out->set_leader_epoch(c ? c->leader_epoch : -1);
    if (c) {
      out->set_metadata(c->metadata);
      out->set_commit_timestamp_ms(c->commit_timestamp_ms);
    }
    auto end = ends.find(tp);
    if (end == ends.end()) return;
    out->set_end_offset(end->second);
    if (auto lag = c ? lag::partition_lag(end->second, c->offset) : std::nullopt) {
      out->set_lag(*lag);
    }
  };
  for (const auto& tp : select_partitions(committed, req.partitions())) {
    const CommittedOffset* c = nullptr;
    if (committed != nullptr) {
      auto it = committed->find(tp);
      if (it != committed->end()) c = &it->second;
    }
    add(tp, c);
  }
  return resp;
}

}  // namespace groupwire::coordinator::admin
