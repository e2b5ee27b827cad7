#include "group/consumer/consumer_group.h"

namespace groupwire::coordinator {

const char* member_state_name(MemberState s) {
  switch (s) {
    case MemberState::kStable:
      return "STABLE";
    case MemberState::kUnrevokedPartitions:
      return "UNREVOKED_PARTITIONS";
    case MemberState::kUnreleasedPartitions:
      return "UNRELEASED_PARTITIONS";
    case MemberState::kUnknown:
      break;
  }
  return "UNKNOWN";
}

const char* consumer_group_state_name(ConsumerGroupState s) {
  switch (s) {
    case ConsumerGroupState::kEmpty:
      return "Empty";
    case ConsumerGroupState::kAssigning:
      return "Assigning";
    case ConsumerGroupState::kReconciling:
      return "Reconciling";
    case ConsumerGroupState::kStable:
      return "Stable";
    case ConsumerGroupState::kDead:
      break;
  }
  return "Dead";
}

ConsumerGroupState ConsumerGroup::state() const {
  if (dead) return ConsumerGroupState::kDead;
  if (members.empty()) return ConsumerGroupState::kEmpty;
  if (group_epoch > assignment_epoch) return ConsumerGroupState::kAssigning;
  for (const auto& [id, m] : members) {
    if (!m.is_reconciled_to(assignment_epoch)) return ConsumerGroupState::kReconciling;
  }
  return ConsumerGroupState::kStable;
}

ConsumerGroupMember* ConsumerGroup::member(const MemberId& id) {
  auto it = members.find(id);
  return it == members.end() ? nullptr : &it->second;
}

const ConsumerGroupMember* ConsumerGroup::member(const MemberId& id) const {
  auto it = members.find(id);
  return it == members.end() ? nullptr : &it->second;
}

ConsumerGroupMember* ConsumerGroup::static_member(const std::string& instance_id) {
  auto it = static_members.find(instance_id);
  return it == static_members.end() ? nullptr : member(it->second);
}

std::int32_t ConsumerGroup::current_partition_epoch(const TopicId& topic,
                                                    std::int32_t partition) const {
  auto it = partition_epochs.find({topic, partition});
  return it == partition_epochs.end() ? -1 : it->second;
}

const TopicPartitionsById& ConsumerGroup::target_of(const MemberId& id) const {
  static const TopicPartitionsById kNone;
  auto it = target_assignment.find(id);
  return it == target_assignment.end() ? kNone : it->second;
}

void ConsumerGroup::put_member(ConsumerGroupMember m) {
  if (auto* old = member(m.member_id)) {
    remove_partition_epochs(*old);
    if (old->instance_id && old->instance_id != m.instance_id)
      static_members.erase(*old->instance_id);
  }
  add_partition_epochs(m);
  if (m.instance_id) static_members[*m.instance_id] = m.member_id;
  MemberId id = m.member_id;
  members.insert_or_assign(std::move(id), std::move(m));
}

void ConsumerGroup::remove_member(const MemberId& id) {
  auto it = members.find(id);
  if (it == members.end()) return;
  remove_partition_epochs(it->second);
  if (it->second.instance_id) {
    auto s = static_members.find(*it->second.instance_id);
    if (s != static_members.end() && s->second == id) static_members.erase(s);
  }
  members.erase(it);
}

void ConsumerGroup::set_target(const MemberId& id, TopicPartitionsById assignment) {
  if (assignment.empty()) {
    target_assignment.erase(id);
  } else {
    target_assignment.insert_or_assign(id, std::move(assignment));
  }
}

std::optional<std::string> ConsumerGroup::preferred_assignor() const {
  std::map<std::string, int> counts;
  for (const auto& [id, m] : members) {
    if (m.server_assignor) ++counts[*m.server_assignor];
  }
  std::optional<std::string> best;
  int best_count = 0;
  for (const auto& [name, count] : counts) {
    if (count > best_count) {
      best = name;
      best_count = count;
    }
  }
  return best;
}

std::string ConsumerGroup::topic_name(const TopicId& id) const {
  auto it = subscription_metadata.find(id);
  return it == subscription_metadata.end() ? std::string() : it->second.name;
}

v1::ErrorCode ConsumerGroup::validate_offset_commit(const v1::OffsetCommitRequest& req) const {
  // An admin client, or a consumer outside group management, commits to an empty group.
  if (req.generation_id() < 0 && members.empty()) return v1::NONE;
  const ConsumerGroupMember* m = member(req.member_id());
  if (m == nullptr) return v1::UNKNOWN_MEMBER_ID;
  if (!m->classic && !req.member_epoch_aware()) return v1::UNSUPPORTED_VERSION;
  if (req.generation_id() == m->member_epoch) return v1::NONE;
  return m->classic ? v1::ILLEGAL_GENERATION : v1::STALE_MEMBER_EPOCH;
}

v1::ErrorCode ConsumerGroup::validate_offset_fetch(const v1::OffsetFetchGroup& req) const {
  // No member id and no epoch: an admin client, or a consumer outside group management.
  if (!req.has_member_id() && req.member_epoch() < 0) return v1::NONE;
  const ConsumerGroupMember* m = req.has_member_id() ? member(req.member_id()) : nullptr;
  if (m == nullptr) return v1::UNKNOWN_MEMBER_ID;
  if (req.member_epoch() == m->member_epoch) return v1::NONE;
  return m->classic ? v1::ILLEGAL_GENERATION : v1::STALE_MEMBER_EPOCH;
}

bool ConsumerGroup::is_subscribed_to(const std::string& topic) const {
  for (const auto& [id, t] : subscription_metadata) {
    if (t.name == topic) return true;
  }
  return false;
}

void ConsumerGroup::add_partition_epochs(const ConsumerGroupMember& m) {
  for (const auto* owned : {&m.assigned_partitions, &m.partitions_pending_revocation}) {
    for (const auto& [topic, partitions] : *owned) {
      for (std::int32_t p : partitions) partition_epochs[{topic, p}] = m.member_epoch;
    }
  }
}

void ConsumerGroup::remove_partition_epochs(const ConsumerGroupMember& m) {
  for (const auto* owned : {&m.assigned_partitions, &m.partitions_pending_revocation}) {
    for (const auto& [topic, partitions] : *owned) {
      for (std::int32_t p : partitions) partition_epochs.erase({topic, p});
    }
  }
}

}  // namespace groupwire::coordinator
