// The assignors' working view of a GroupSpec: members and subscribed topics numbered densely, so
// the algorithms run on flat vectors rather than on maps keyed by strings and topic ids.
#pragma once

#include <cstdint>
#include <vector>

#include "group/assignor/partition_assignor.h"

namespace groupwire::coordinator::assignor {

struct IndexedGroup {
  // Member index → member, in member id order (the GroupSpec's order).
  std::vector<const MemberId*> member_ids;
  std::vector<const MemberSubscription*> members;
  // Topic index → topic, in topic id order: the topics some member subscribes to that the
  // metadata knows.
  std::vector<TopicId> topic_ids;
  std::vector<std::int32_t> partition_counts;
  // Member index → the indices of the topics it subscribes to, ascending.
  std::vector<std::vector<int>> subscriptions;

  int member_count() const { return static_cast<int>(members.size()); }
  int topic_count() const { return static_cast<int>(topic_ids.size()); }
  int topic_index(const TopicId& id) const;  // -1 when no member subscribes to it
  bool subscribes(int member, int topic) const;
  // Kafka's SubscriptionType.HOMOGENEOUS: every member subscribes to the same topics.
  bool homogeneous() const;
};

IndexedGroup index_group(const GroupSpec& group, const SubscribedTopicMetadata& topics);

// Topic index → partition → the index of the member that owns it, or kUnowned.
using PartitionOwners = std::vector<std::vector<int>>;
inline constexpr int kUnowned = -1;

PartitionOwners unowned_partitions(const IndexedGroup& group);

struct PartitionRef {
  int topic = 0;
  std::int32_t partition = 0;
};

// Hands each member back the partitions of its current assignment that still exist and that it
// still subscribes to, recording them in `owners`. Returns them per member, in topic then
// partition order. A partition two members claim (inconsistent input) goes to the first.
std::vector<std::vector<PartitionRef>> claim_current_assignments(const IndexedGroup& group,
                                                                 PartitionOwners& owners);

// Every member, with the partitions `owners` gives it.
GroupAssignment to_group_assignment(const IndexedGroup& group, const PartitionOwners& owners);

}  // namespace groupwire::coordinator::assignor
