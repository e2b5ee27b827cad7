#include "group/consumer/consumer_group_records.h"

#include <spdlog/spdlog.h>

#include "groupwire/storage/v1/consumer_group_records.pb.h"

namespace groupwire::coordinator {

namespace spb = groupwire::storage::v1;

namespace {

using Kind = ConsumerGroupRecordKind;

ConsumerGroupRecord record(const std::string& group_id, Kind kind, std::string key,
                           const google::protobuf::MessageLite& value) {
  return ConsumerGroupRecord{group_id, kind, std::move(key), value.SerializeAsString()};
}

void to_proto(const TopicPartitionsById& assignment,
              google::protobuf::RepeatedPtrField<spb::TopicPartitions>& out) {
  for (const auto& [topic, partitions] : assignment) {
    auto* t = out.Add();
    t->set_topic_id(topic.to_bytes());
    t->mutable_partitions()->Add(partitions.begin(), partitions.end());
  }
}

TopicPartitionsById from_proto(const google::protobuf::RepeatedPtrField<spb::TopicPartitions>& in) {
  TopicPartitionsById out;
  for (const auto& t : in) {
    out[TopicId::from_bytes(t.topic_id())].insert(t.partitions().begin(), t.partitions().end());
  }
  return out;
}

template <class T>
std::optional<T> optional_of(bool present, const T& value) {
  if (!present) return std::nullopt;
  return value;
}

}  // namespace

ConsumerGroupRecord group_metadata_record(const ConsumerGroup& group) {
  spb::ConsumerGroupMetadataValue v;
  v.set_epoch(group.group_epoch);
  v.set_catalog_fingerprint(group.catalog_fingerprint);
  v.set_catalog_fetched_at_ms(group.catalog_fetched_at_ms);
  for (const auto& [id, topic] : group.subscription_metadata) {
    auto* t = v.add_subscribed_topics();
    t->set_topic_id(id.to_bytes());
    t->set_name(topic.name);
    t->set_partitions(topic.partitions);
  }
  return record(group.group_id, Kind::kGroupMetadata, "", v);
}

ConsumerGroupRecord member_metadata_record(const std::string& group_id,
                                           const ConsumerGroupMember& m) {
  spb::ConsumerGroupMemberMetadataValue v;
  if (m.instance_id) v.set_instance_id(*m.instance_id);
  if (m.rack_id) v.set_rack_id(*m.rack_id);
  v.set_client_id(m.client_id);
  v.set_client_host(m.client_host);
  for (const auto& name : m.subscribed_topic_names) v.add_subscribed_topic_names(name);
  if (m.subscribed_topic_regex) v.set_subscribed_topic_regex(*m.subscribed_topic_regex);
  if (m.server_assignor) v.set_server_assignor(*m.server_assignor);
  v.set_rebalance_timeout_ms(static_cast<std::int32_t>(m.rebalance_timeout.count()));
  if (m.classic) {
    auto* c = v.mutable_classic_member_metadata();
    c->set_session_timeout_ms(static_cast<std::int32_t>(m.classic->session_timeout.count()));
    for (const auto& [name, metadata] : m.classic->protocols) {
      auto* p = c->add_supported_protocols();
      p->set_name(name);
      p->set_metadata(metadata);
    }
  }
  return record(group_id, Kind::kMember, m.member_id, v);
}

ConsumerGroupRecord current_assignment_record(const std::string& group_id,
                                              const ConsumerGroupMember& m) {
  spb::ConsumerGroupCurrentMemberAssignmentValue v;
  v.set_member_epoch(m.member_epoch);
  v.set_previous_member_epoch(m.previous_member_epoch);
  v.set_state(static_cast<std::int32_t>(m.state));
  to_proto(m.assigned_partitions, *v.mutable_assigned_partitions());
  to_proto(m.partitions_pending_revocation, *v.mutable_partitions_pending_revocation());
  return record(group_id, Kind::kCurrentMemberAssignment, m.member_id, v);
}

ConsumerGroupRecord target_assignment_record(const std::string& group_id, const MemberId& id,
                                             const TopicPartitionsById& assignment) {
  spb::ConsumerGroupTargetAssignmentMemberValue v;
  to_proto(assignment, *v.mutable_topic_partitions());
  return record(group_id, Kind::kTargetAssignmentMember, id, v);
}

ConsumerGroupRecord target_assignment_metadata_record(const ConsumerGroup& group) {
  spb::ConsumerGroupTargetAssignmentMetadataValue v;
  v.set_assignment_epoch(group.assignment_epoch);
  return record(group.group_id, Kind::kTargetAssignmentMetadata, "", v);
}

void append_member_tombstones(const std::string& group_id, const MemberId& id,
                              std::vector<ConsumerGroupRecord>& out) {
  // Kafka's order: the current assignment, the target, then the member itself.
  for (Kind kind : {Kind::kCurrentMemberAssignment, Kind::kTargetAssignmentMember, Kind::kMember}) {
    out.push_back(ConsumerGroupRecord{group_id, kind, id, std::nullopt});
  }
}

std::vector<ConsumerGroupRecord> all_records(const ConsumerGroup& group) {
  std::vector<ConsumerGroupRecord> out;
  out.push_back(group_metadata_record(group));
  for (const auto& [id, m] : group.members) {
    out.push_back(member_metadata_record(group.group_id, m));
    out.push_back(target_assignment_record(group.group_id, id, group.target_of(id)));
    out.push_back(current_assignment_record(group.group_id, m));
  }
  out.push_back(target_assignment_metadata_record(group));
  return out;
}

std::vector<ConsumerGroupRecord> tombstones(const ConsumerGroup& group) {
  std::vector<ConsumerGroupRecord> out = all_records(group);
  for (auto& r : out) r.value.reset();
  return out;
}

std::map<std::string, ConsumerGroup> load_consumer_groups(
    const std::vector<ConsumerGroupRecord>& records) {
  std::map<std::string, ConsumerGroup> groups;
  std::map<std::string, std::map<MemberId, ConsumerGroupMember>> members;
  std::map<std::string, std::map<MemberId, TopicPartitionsById>> targets;
  auto bad = [](const ConsumerGroupRecord& r) {
    spdlog::warn("ignoring an unreadable record of kind {} of consumer group {}",
                 static_cast<int>(r.kind), r.group_id);
  };
  for (const auto& r : records) {
    if (!r.value) continue;
    ConsumerGroup& g = groups[r.group_id];
    g.group_id = r.group_id;
    switch (r.kind) {
      case Kind::kGroupMetadata: {
        spb::ConsumerGroupMetadataValue v;
        if (!v.ParseFromString(*r.value)) {
          bad(r);
          break;
        }
        g.group_epoch = v.epoch();
        g.catalog_fingerprint = v.catalog_fingerprint();
        g.catalog_fetched_at_ms = v.catalog_fetched_at_ms();
        for (const auto& t : v.subscribed_topics()) {
          g.subscription_metadata[TopicId::from_bytes(t.topic_id())] =
              TopicMetadata{t.name(), t.partitions()};
        }
        break;
      }
      case Kind::kMember: {
        spb::ConsumerGroupMemberMetadataValue v;
        if (!v.ParseFromString(*r.value)) {
          bad(r);
          break;
        }
        ConsumerGroupMember& m = members[r.group_id][r.key];
        m.member_id = r.key;
        m.instance_id = optional_of(v.has_instance_id(), v.instance_id());
        m.rack_id = optional_of(v.has_rack_id(), v.rack_id());
        m.client_id = v.client_id();
        m.client_host = v.client_host();
        m.subscribed_topic_names.assign(v.subscribed_topic_names().begin(),
                                        v.subscribed_topic_names().end());
        m.subscribed_topic_regex =
            optional_of(v.has_subscribed_topic_regex(), v.subscribed_topic_regex());
        m.server_assignor = optional_of(v.has_server_assignor(), v.server_assignor());
        m.rebalance_timeout = Millis(v.rebalance_timeout_ms());
        if (v.has_classic_member_metadata()) {
          const auto& c = v.classic_member_metadata();
          auto& classic = m.classic.emplace();
          classic.session_timeout = Millis(c.session_timeout_ms());
          for (const auto& p : c.supported_protocols()) {
            classic.protocols.emplace_back(p.name(), p.metadata());
          }
        }
        break;
      }
      case Kind::kCurrentMemberAssignment: {
        spb::ConsumerGroupCurrentMemberAssignmentValue v;
        if (!v.ParseFromString(*r.value)) {
          bad(r);
          break;
        }
        ConsumerGroupMember& m = members[r.group_id][r.key];
        m.member_id = r.key;
        m.member_epoch = v.member_epoch();
        m.previous_member_epoch = v.previous_member_epoch();
        m.state = static_cast<MemberState>(v.state());
        m.assigned_partitions = from_proto(v.assigned_partitions());
        m.partitions_pending_revocation = from_proto(v.partitions_pending_revocation());
        break;
      }
      case Kind::kTargetAssignmentMember: {
        spb::ConsumerGroupTargetAssignmentMemberValue v;
        if (!v.ParseFromString(*r.value)) {
          bad(r);
          break;
        }
        targets[r.group_id][r.key] = from_proto(v.topic_partitions());
        break;
      }
      case Kind::kTargetAssignmentMetadata: {
        spb::ConsumerGroupTargetAssignmentMetadataValue v;
        if (!v.ParseFromString(*r.value)) {
          bad(r);
          break;
        }
        g.assignment_epoch = v.assignment_epoch();
        break;
      }
    }
  }
  for (auto& [group_id, by_member] : members) {
    for (auto& [id, m] : by_member) groups[group_id].put_member(std::move(m));
  }
  for (auto& [group_id, by_member] : targets) {
    for (auto& [id, assignment] : by_member) groups[group_id].set_target(id, std::move(assignment));
  }
  return groups;
}

}  // namespace groupwire::coordinator
