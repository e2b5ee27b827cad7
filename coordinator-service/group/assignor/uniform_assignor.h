// Kafka's UniformAssignor ("uniform", KIP-848's default): balanced and sticky assignments. Racks
// play no part, as in Kafka since its server-side assignors dropped rack awareness.
#pragma once

#include "group/assignor/partition_assignor.h"

namespace groupwire::coordinator {

class UniformAssignor final : public PartitionAssignor {
 public:
  std::string_view name() const override { return "uniform"; }
  // The homogeneous builder when every member subscribes to the same topics, else the
  // heterogeneous one.
  GroupAssignment assign(const GroupSpec& group,
                         const SubscribedTopicMetadata& topics) const override;
};

}  // namespace groupwire::coordinator
