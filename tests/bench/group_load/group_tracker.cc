#include "group_load/group_tracker.h"

#include <algorithm>

namespace groupwire::bench {

GroupTracker::GroupTracker(int members, int capacity, int partitions)
    : rounds_(1),
      ownership_(capacity, partitions),
      sync_sent_generation_(static_cast<std::size_t>(capacity), kNone),
      synced_generation_(static_cast<std::size_t>(capacity), kNone),
      epoch_(static_cast<std::size_t>(capacity), kNone),
      joined_at_(static_cast<std::size_t>(capacity)),
      owned_once_(static_cast<std::size_t>(capacity), false) {
  rounds_[0].members = members;
}

void GroupTracker::next_round(int members) {
  std::lock_guard lock(mu_);
  rounds_.emplace_back().members = members;
}

void GroupTracker::join_sent(int member, Clock::time_point at) {
  std::lock_guard lock(mu_);
  GroupRound& r = round();
  if (r.started == Clock::time_point{}) r.started = at;
  r.last_join_sent = std::max(r.last_join_sent, at);
  auto m = static_cast<std::size_t>(member);
  if (!owned_once_[m] && !joined_at_[m]) joined_at_[m] = at;
}

void GroupTracker::leader_joined(std::int32_t generation, std::size_t members) {
  std::lock_guard lock(mu_);
  if (members == static_cast<std::size_t>(round().members)) complete_generation_ = generation;
}

void GroupTracker::sync_sent(int member, std::int32_t generation) {
  std::lock_guard lock(mu_);
  sync_sent_generation_[static_cast<std::size_t>(member)] = generation;
}

std::size_t GroupTracker::syncs_sent(std::int32_t generation) const {
  std::lock_guard lock(mu_);
  return static_cast<std::size_t>(
      std::count(sync_sent_generation_.begin(), sync_sent_generation_.end(), generation));
}

bool GroupTracker::synced(int member, std::int32_t generation,
                          const std::vector<std::int32_t>& partitions, Clock::time_point at) {
  std::lock_guard lock(mu_);
  synced_generation_[static_cast<std::size_t>(member)] = generation;
  own(member, partitions, at);
  if (round().time_to_stable || generation != complete_generation_) return false;
  auto n = std::count(synced_generation_.begin(), synced_generation_.end(), generation);
  return n == round().members && stable(at);
}

void GroupTracker::unsynced(int member) {
  std::lock_guard lock(mu_);
  synced_generation_[static_cast<std::size_t>(member)] = kNone;
  round().revoked += ownership_.set(member, {});
}

bool GroupTracker::consumer_answered(int member, std::int32_t epoch,
                                     const std::vector<std::int32_t>& owned, Clock::time_point at) {
  std::lock_guard lock(mu_);
  std::int32_t& known = epoch_[static_cast<std::size_t>(member)];
  if (known != kNone) {
    auto it = members_at_epoch_.find(known);
    if (--it->second == 0) members_at_epoch_.erase(it);
  }
  // Epoch 0: fenced, about to join again.
  known = epoch > 0 ? epoch : kNone;
  if (known != kNone) ++members_at_epoch_[known];
  own(member, owned, at);
  if (round().time_to_stable || members_at_epoch_.size() != 1 ||
      members_at_epoch_.begin()->second != round().members || !ownership_.exact()) {
    return false;
  }
  return stable(at);
}

void GroupTracker::own(int member, const std::vector<std::int32_t>& partitions,
                       Clock::time_point at) {
  round().revoked += ownership_.set(member, partitions);
  auto m = static_cast<std::size_t>(member);
  if (partitions.empty() || owned_once_[m]) return;
  owned_once_[m] = true;
  if (joined_at_[m]) round().first_partition.push_back(at - *joined_at_[m]);
}

bool GroupTracker::stable(Clock::time_point at) {
  GroupRound& r = round();
  r.time_to_stable = at - r.last_join_sent;
  r.since_start = at - r.started;
  r.owners = ownership_.owners();
  return true;
}

std::vector<GroupRound> GroupTracker::rounds() const {
  std::lock_guard lock(mu_);
  return rounds_;
}

}  // namespace groupwire::bench
