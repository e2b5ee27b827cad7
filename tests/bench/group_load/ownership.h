// Which members own which partitions of the run's topic, as each member last heard, kept so
// that whether they are disjoint and cover the topic is known after every change.
#pragma once

#include <cstdint>
#include <vector>

namespace groupwire::bench {

class Ownership {
 public:
  Ownership(int members, int partitions);

  // Replaces what `member` owns (sorted, no duplicates); returns how many it gave up.
  int set(int member, const std::vector<std::int32_t>& partitions);
  // Every partition has exactly one owner (and no member names a partition the topic lacks).
  bool exact() const;
  // Per partition, the member that owns it (-1: none, or not only one).
  std::vector<int> owners() const;

  // Partitions whose owner differs between two owners() snapshots.
  static int moved(const std::vector<int>& before, const std::vector<int>& after);

 private:
  void count(std::int32_t partition, int delta);

  std::vector<std::vector<std::int32_t>> of_member_;
  std::vector<int> owner_count_;  // per partition
  int single_owner_ = 0;          // partitions with exactly one owner
  int outside_ = 0;               // claims of partitions the topic lacks
};

}  // namespace groupwire::bench
