#include "group/assignor/uniform_heterogeneous_builder.h"

#include <algorithm>
#include <numeric>
#include <utility>

namespace groupwire::coordinator::assignor {

namespace {

// Kafka's bound on the final balancing passes: a pass balances the topics whose subscribers
// share their subscriptions; overlapping subscriptions converge slower, each pass roughly
// halving the imbalance.
constexpr int kMaxBalancingPasses = 16;

// Picks the least loaded of a topic's subscribers to give a partition to, and the most loaded to
// take one from (Kafka's MemberAssignmentBalancer). Subscribers are sorted by assignment size;
// the least loaded range [0, least_end_) and the most loaded range [most_start_, most_end_) grow
// towards each other, each holding members that were level with one another when the range
// reached them. Members with nothing of the topic to give are swapped out past most_end_.
class MemberBalancer {
 public:
  explicit MemberBalancer(const std::vector<int>& sizes) : sizes_(sizes) {}

  // Starts over on a topic's subscribers (not empty). Returns how many partitions the most loaded
  // of them holds over the least loaded.
  int reset(const std::vector<int>& subscribers) {
    sorted_.assign(subscribers.begin(), subscribers.end());
    std::sort(sorted_.begin(), sorted_.end(),
              [&](int a, int b) { return sizes_[a] != sizes_[b] ? sizes_[a] < sizes_[b] : a < b; });
    least_end_ = 0;
    least_level_ = sizes_[sorted_.front()] - 1;
    next_least_ = 0;
    most_start_ = count();
    most_end_ = count();
    most_level_ = sizes_[sorted_.back()] + 1;
    next_most_ = count() - 1;
    return sizes_[sorted_.back()] - sizes_[sorted_.front()];
  }

  // The member to give the next partition to; counts the partition as given.
  int next_least_loaded() {
    if (next_least_ >= least_end_) {
      // Each member of the range got one: raise the range's level and take in the members level
      // with it now.
      ++least_level_;
      while (least_end_ < count() && sizes_[sorted_[least_end_]] == least_level_) ++least_end_;
      next_least_ = 0;
    }
    return sorted_[next_least_++];
  }

  // The member to take the next partition from, or -1 when no member is left to take from;
  // counts the partition as taken.
  int next_most_loaded() {
    if (next_most_ < most_start_) {
      if (most_end_ <= most_start_ && most_start_ > 0) {
        // Exclusions emptied the range: restart its level at the next member down so it grows.
        most_level_ = sizes_[sorted_[most_start_ - 1]];
      } else {
        --most_level_;
      }
      while (most_start_ > 0 && sizes_[sorted_[most_start_ - 1]] == most_level_) --most_start_;
      next_most_ = most_end_ - 1;
    }
    if (next_most_ < 0) return -1;
    return sorted_[next_most_--];
  }

  // Drops the member next_most_loaded() just returned from the most loaded range.
  void exclude_most_loaded() {
    std::swap(sorted_[next_most_ + 1], sorted_[most_end_ - 1]);
    --most_end_;
  }

  // The two ranges differ by one partition or less: no move can improve the balance.
  bool balanced() const { return most_level_ - least_level_ <= 1; }

 private:
  int count() const { return static_cast<int>(sorted_.size()); }

  const std::vector<int>& sizes_;
  std::vector<int> sorted_;
  int least_end_ = 0;
  int least_level_ = 0;
  int next_least_ = 0;
  int most_start_ = 0;
  int most_end_ = 0;
  int most_level_ = 0;
  int next_most_ = 0;
};

class HeterogeneousBuilder {
 public:
  explicit HeterogeneousBuilder(const IndexedGroup& group)
      : group_(group),
        owners_(unowned_partitions(group)),
        sizes_(group.members.size(), 0),
        subscribers_(group.topic_ids.size()) {
    for (int m = 0; m < group.member_count(); ++m) {
      for (int t : group.subscriptions[m]) subscribers_[t].push_back(m);
    }
  }

  GroupAssignment build() {
    const auto claimed = claim_current_assignments(group_, owners_);
    for (std::size_t m = 0; m < claimed.size(); ++m)
      sizes_[m] = static_cast<int>(claimed[m].size());
    assign_unowned_partitions();
    balance();
    return to_group_assignment(group_, owners_);
  }

 private:
  // Kafka's topic order, the likeliest to balance: partitions per subscriber descending, then
  // subscriber count ascending, then topic id.
  void sort_topics(std::vector<int>& topics) const {
    std::sort(topics.begin(), topics.end(), [&](int a, int b) {
      const auto a_partitions = static_cast<std::int64_t>(group_.partition_counts[a]);
      const auto b_partitions = static_cast<std::int64_t>(group_.partition_counts[b]);
      const auto a_subscribers = static_cast<std::int64_t>(subscribers_[a].size());
      const auto b_subscribers = static_cast<std::int64_t>(subscribers_[b].size());
      if (a_partitions * b_subscribers != b_partitions * a_subscribers) {
        return a_partitions * b_subscribers > b_partitions * a_subscribers;
      }
      if (a_subscribers != b_subscribers) return a_subscribers < b_subscribers;
      return a < b;
    });
  }

  void assign_unowned_partitions() {
    std::vector<int> topics;
    for (int t = 0; t < group_.topic_count(); ++t) {
      if (std::ranges::find(owners_[t], kUnowned) != owners_[t].end()) topics.push_back(t);
    }
    sort_topics(topics);
    MemberBalancer balancer(sizes_);
    for (int t : topics) {
      balancer.reset(subscribers_[t]);
      for (std::int32_t p = 0; p < group_.partition_counts[t]; ++p) {
        if (owners_[t][p] == kUnowned) give(t, p, balancer.next_least_loaded());
      }
    }
  }

  // Goes round the topics until a whole round moves nothing, or the pass limit.
  void balance() {
    std::vector<int> topics;
    for (int t = 0; t < group_.topic_count(); ++t) {
      if (subscribers_[t].size() >= 2) topics.push_back(t);
    }
    sort_topics(topics);
    MemberBalancer balancer(sizes_);
    int last_changed = -1;
    for (int pass = 0; pass < kMaxBalancingPasses; ++pass) {
      for (int i = 0; i < static_cast<int>(topics.size()); ++i) {
        if (i == last_changed) return;
        if (balance_topic(topics[i], balancer) > 0 || last_changed == -1) last_changed = i;
      }
    }
  }

  // Moves partitions of topic t from its most to its least loaded subscribers until they are
  // balanced or the most loaded have none of t left. Returns how many moved.
  int balance_topic(int t, MemberBalancer& balancer) {
    if (balancer.reset(subscribers_[t]) <= 1) return 0;

    // The topic's partitions grouped by owner, and each owner's slice [start, end) of them, so
    // taking "an owner's last partition" is constant time and deterministic. Every partition has
    // an owner among the subscribers by now.
    const auto& owners = owners_[t];
    partitions_.resize(static_cast<std::size_t>(group_.partition_counts[t]));
    std::iota(partitions_.begin(), partitions_.end(), std::int32_t{0});
    std::stable_sort(partitions_.begin(), partitions_.end(),
                     [&](std::int32_t a, std::int32_t b) { return owners[a] < owners[b]; });
    slice_start_.resize(group_.members.size());
    slice_end_.resize(group_.members.size());
    for (int m : subscribers_[t]) slice_start_[m] = slice_end_[m] = 0;
    for (std::size_t i = 0; i < partitions_.size(); ++i) {
      const int owner = owners[partitions_[i]];
      if (i == 0 || owners[partitions_[i - 1]] != owner) slice_start_[owner] = static_cast<int>(i);
      slice_end_[owner] = static_cast<int>(i) + 1;
    }

    int moved = 0;
    while (!balancer.balanced()) {
      int from = balancer.next_most_loaded();
      while (from != -1 && slice_end_[from] <= slice_start_[from]) {
        balancer.exclude_most_loaded();
        from = balancer.next_most_loaded();
      }
      if (from == -1) break;
      const std::int32_t partition = partitions_[--slice_end_[from]];
      const int to = balancer.next_least_loaded();
      if (balancer.balanced()) break;
      give(t, partition, to);
      ++moved;
    }
    return moved;
  }

  void give(int t, std::int32_t partition, int member) {
    int& owner = owners_[t][partition];
    if (owner != kUnowned) --sizes_[owner];
    owner = member;
    ++sizes_[member];
  }

  const IndexedGroup& group_;
  PartitionOwners owners_;
  std::vector<int> sizes_;                     // member index → partitions assigned
  std::vector<std::vector<int>> subscribers_;  // topic index → member indices, ascending
  // Scratch space of balance_topic, kept across topics.
  std::vector<std::int32_t> partitions_;
  std::vector<int> slice_start_;
  std::vector<int> slice_end_;
};

}  // namespace

GroupAssignment assign_uniform_heterogeneous(const IndexedGroup& group) {
  return HeterogeneousBuilder(group).build();
}

}  // namespace groupwire::coordinator::assignor
