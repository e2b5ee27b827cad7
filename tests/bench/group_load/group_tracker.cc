#include "group_load/group_tracker.h"

#include <algorithm>

namespace groupwire::bench {

void GroupTracker::join_sent(Clock::time_point at) {
  std::lock_guard lock(mu_);
  last_join_sent_ = std::max(last_join_sent_, at);
}

void GroupTracker::leader_joined(std::int32_t generation, std::size_t members) {
  std::lock_guard lock(mu_);
  if (members == static_cast<std::size_t>(members_)) complete_generation_ = generation;
}

void GroupTracker::sync_sent(int member, std::int32_t generation) {
  std::lock_guard lock(mu_);
  sync_sent_generation_[member] = generation;
}

std::size_t GroupTracker::syncs_sent(std::int32_t generation) const {
  std::lock_guard lock(mu_);
  return static_cast<std::size_t>(
      std::count(sync_sent_generation_.begin(), sync_sent_generation_.end(), generation));
}

bool GroupTracker::synced(int member, std::int32_t generation, Clock::time_point at) {
  std::lock_guard lock(mu_);
  synced_generation_[member] = generation;
  if (time_to_stable_ || generation != complete_generation_) return false;
  bool all = std::all_of(synced_generation_.begin(), synced_generation_.end(),
                         [&](std::int32_t g) { return g == generation; });
  if (all) time_to_stable_ = at - last_join_sent_;
  return all;
}

void GroupTracker::unsynced(int member) {
  std::lock_guard lock(mu_);
  synced_generation_[member] = kNone;
}

std::optional<Clock::duration> GroupTracker::time_to_stable() const {
  std::lock_guard lock(mu_);
  return time_to_stable_;
}

}  // namespace groupwire::bench
