// Kafka's server-side RangeAssignor ("range"): each topic's partitions split into contiguous
// ranges, one per subscriber, in member order. Members subscribed to the same topics with the same
// partition counts get the same partition numbers of each (co-partitioning, for joins).
#pragma once

#include "group/assignor/partition_assignor.h"

namespace groupwire::coordinator {

// Like Kafka 4's, recomputed from scratch each time rather than sticky to the current assignment:
// what keeps it stable is the member order. Static members come first, by group.instance.id, so
// one that rejoins under a new member id gets its ranges back; dynamic members follow by member
// id. Within a topic, the first partitions % subscribers members get one partition more.
class RangeAssignor final : public PartitionAssignor {
 public:
  std::string_view name() const override { return "range"; }
  GroupAssignment assign(const GroupSpec& group,
                         const SubscribedTopicMetadata& topics) const override;
};

}  // namespace groupwire::coordinator
