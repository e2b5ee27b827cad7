// When one group becomes Stable, seen from its members, and what moved on the way. Members on
// different threads report here. A group forms in rounds: first the members the run starts
// with, then, once it is Stable, those that join late (--late-members) with them.
//
// Classic: every member of the round holds a SyncGroup answer for the same generation, and that
// generation (as its leader's JoinGroup answer listed) has all of them.
//
// Consumer (KIP-848): every member of the round has the same epoch in its latest answer, and the
// assignments of those answers are disjoint and cover the topic. Then the coordinator's group is
// Stable: a member answered while it still had partitions to revoke keeps its old epoch and is
// told only what it keeps, and a member still waiting for a partition another owns has the new
// epoch without it, so either leaves a partition uncovered or the epochs unequal; and the last
// member to join was answered the group's newest epoch, so the one epoch they share is the
// assignment epoch.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <mutex>
#include <optional>
#include <vector>

#include "group_load/ownership.h"

namespace groupwire::bench {

using Clock = std::chrono::steady_clock;

// One round, from its members' first join to the answer that made the group Stable.
struct GroupRound {
  int members = 0;
  Clock::time_point started{};         // the round's first JoinGroup or epoch-0 heartbeat
  Clock::time_point last_join_sent{};  // its last one (classic: rejoins too)
  std::optional<Clock::duration> time_to_stable;  // from last_join_sent
  std::optional<Clock::duration> since_start;     // from started
  std::vector<int> owners;                        // per partition, once Stable
  int revoked = 0;  // partitions members gave up during the round (classic: all they had)
  // Per member that joined in this round: from its first join to owning a partition.
  std::vector<Clock::duration> first_partition;
};

class GroupTracker {
 public:
  // `members`: of the first round; `capacity`: of every round; `partitions`: of the topic the
  // members are assigned (0: they are assigned nothing).
  GroupTracker(int members, int capacity, int partitions);

  // The late members are about to join: the next round has `members`.
  void next_round(int members);
  // A JoinGroup, or a ConsumerGroupHeartbeat with epoch 0.
  void join_sent(int member, Clock::time_point at);

  // Classic.
  // The leader's JoinGroup answer: how many members `generation` has.
  void leader_joined(std::int32_t generation, std::size_t members);
  // Members report their SyncGroup requests, so that a leader can send its own last.
  void sync_sent(int member, std::int32_t generation);
  std::size_t syncs_sent(std::int32_t generation) const;
  // True when this answer made the round Stable.
  bool synced(int member, std::int32_t generation, const std::vector<std::int32_t>& partitions,
              Clock::time_point at);
  // The member joins again: it gives up what it owned.
  void unsynced(int member);

  // Consumer: an answer left the member at `epoch` (0: fenced) owning `owned`. True when this
  // answer made the round Stable.
  bool consumer_answered(int member, std::int32_t epoch, const std::vector<std::int32_t>& owned,
                         Clock::time_point at);

  std::vector<GroupRound> rounds() const;

 private:
  static constexpr std::int32_t kNone = -1;

  GroupRound& round() { return rounds_.back(); }
  // Records what the member owns now; a first partition counts for the round it joined in.
  void own(int member, const std::vector<std::int32_t>& partitions, Clock::time_point at);
  bool stable(Clock::time_point at);

  mutable std::mutex mu_;
  std::vector<GroupRound> rounds_;
  Ownership ownership_;
  std::vector<std::int32_t> sync_sent_generation_;
  std::vector<std::int32_t> synced_generation_;
  std::int32_t complete_generation_ = kNone;  // a generation whose leader listed the round
  std::vector<std::int32_t> epoch_;           // consumer: of the latest answer, kNone before
  std::map<std::int32_t, int> members_at_epoch_;
  // Each member's first join, and whether it has owned a partition since (the first counts).
  std::vector<std::optional<Clock::time_point>> joined_at_;
  std::vector<bool> owned_once_;
};

}  // namespace groupwire::bench
