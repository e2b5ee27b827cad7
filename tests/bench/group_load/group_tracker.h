// When one group becomes Stable, seen from its members: every member holds a SyncGroup answer
// for the same generation, and that generation (as its leader's JoinGroup answer listed) has
// all of them. Members on different threads report here.
#pragma once

#include <chrono>
#include <cstdint>
#include <mutex>
#include <optional>
#include <vector>

namespace groupwire::bench {

using Clock = std::chrono::steady_clock;

class GroupTracker {
 public:
  explicit GroupTracker(int members)
      : sync_sent_generation_(members, kNone),
        synced_generation_(members, kNone),
        members_(members) {}

  void join_sent(Clock::time_point at);
  // The leader's JoinGroup answer: how many members `generation` has.
  void leader_joined(std::int32_t generation, std::size_t members);
  // Members report their SyncGroup requests, so that a leader can send its own last.
  void sync_sent(int member, std::int32_t generation);
  std::size_t syncs_sent(std::int32_t generation) const;
  // True when this answer made the group Stable for the first time.
  bool synced(int member, std::int32_t generation, Clock::time_point at);
  void unsynced(int member);

  // From the last JoinGroup sent to the SyncGroup answer that completed the group.
  std::optional<Clock::duration> time_to_stable() const;

 private:
  static constexpr std::int32_t kNone = -1;

  mutable std::mutex mu_;
  std::vector<std::int32_t> sync_sent_generation_;
  std::vector<std::int32_t> synced_generation_;
  int members_;
  std::int32_t complete_generation_ = kNone;  // a generation whose leader listed every member
  Clock::time_point last_join_sent_{};
  std::optional<Clock::duration> time_to_stable_;
};

}  // namespace groupwire::bench
