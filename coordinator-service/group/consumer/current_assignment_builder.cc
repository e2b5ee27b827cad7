#include "group/consumer/current_assignment_builder.h"

#include <set>

namespace groupwire::coordinator {

namespace {

// Whether the member still claims any of `revoking`. A member that did not say what it owns
// is taken to own everything it was given.
bool owns_any(const std::optional<TopicPartitionsById>* owned,
              const TopicPartitionsById& revoking) {
  if (owned == nullptr || !owned->has_value()) return true;
  for (const auto& [topic, partitions] : **owned) {
    auto it = revoking.find(topic);
    if (it == revoking.end()) continue;
    for (std::int32_t p : partitions) {
      if (it->second.count(p)) return true;
    }
  }
  return false;
}

ConsumerGroupMember with_epoch(const ConsumerGroupMember& member, std::int32_t epoch) {
  ConsumerGroupMember next = member;
  next.previous_member_epoch = member.member_epoch;
  next.member_epoch = epoch;
  return next;
}

ConsumerGroupMember next_assignment(const ConsumerGroupMember& member, std::int32_t epoch,
                                    const Reconciliation& r) {
  TopicPartitionsById assigned, revoking, assigning;
  bool unreleased = false;
  std::set<TopicId> topics;
  for (const auto& [topic, partitions] : *r.target) topics.insert(topic);
  for (const auto& [topic, partitions] : member.assigned_partitions) topics.insert(topic);
  static const PartitionSet kNone;
  for (const TopicId& topic : topics) {
    auto t = r.target->find(topic);
    const PartitionSet& target = t == r.target->end() ? kNone : t->second;
    auto c = member.assigned_partitions.find(topic);
    const PartitionSet& current = c == member.assigned_partitions.end() ? kNone : c->second;
    for (std::int32_t p : current) (target.count(p) ? assigned : revoking)[topic].insert(p);
    for (std::int32_t p : target) {
      if (current.count(p)) continue;
      if (r.partition_epoch(topic, p) != -1) {
        unreleased = true;
      } else {
        assigning[topic].insert(p);
      }
    }
  }
  if (!revoking.empty() && owns_any(r.owned, revoking)) {
    // Revoke first: the member stays at its epoch until it says the partitions are gone.
    ConsumerGroupMember next = with_epoch(member, epoch);
    next.state = MemberState::kUnrevokedPartitions;
    next.assigned_partitions = std::move(assigned);
    next.partitions_pending_revocation = std::move(revoking);
    return next;
  }
  ConsumerGroupMember next = with_epoch(member, r.target_epoch);
  for (auto& [topic, partitions] : assigning) assigned[topic].merge(partitions);
  next.state = unreleased ? MemberState::kUnreleasedPartitions : MemberState::kStable;
  next.assigned_partitions = std::move(assigned);
  next.partitions_pending_revocation.clear();
  return next;
}

}  // namespace

std::optional<ConsumerGroupMember> reconcile(const ConsumerGroupMember& member,
                                             const Reconciliation& r) {
  switch (member.state) {
    case MemberState::kStable:
      if (member.member_epoch == r.target_epoch) return member;
      return next_assignment(member, member.member_epoch, r);
    case MemberState::kUnrevokedPartitions:
      if (owns_any(r.owned, member.partitions_pending_revocation)) return member;
      return next_assignment(member, member.member_epoch + 1, r);
    case MemberState::kUnreleasedPartitions:
      return next_assignment(member, member.member_epoch, r);
    case MemberState::kUnknown:
      break;
  }
  if (r.owned == nullptr || !r.owned->has_value() || !(*r.owned)->empty()) return std::nullopt;
  return next_assignment(member, r.target_epoch, r);
}

}  // namespace groupwire::coordinator
