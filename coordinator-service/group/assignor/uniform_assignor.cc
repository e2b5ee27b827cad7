#include "group/assignor/uniform_assignor.h"

#include "group/assignor/indexed_group.h"
#include "group/assignor/uniform_heterogeneous_builder.h"
#include "group/assignor/uniform_homogeneous_builder.h"

namespace groupwire::coordinator {

GroupAssignment UniformAssignor::assign(const GroupSpec& group,
                                        const SubscribedTopicMetadata& topics) const {
  const auto indexed = assignor::index_group(group, topics);
  return indexed.homogeneous() ? assignor::assign_uniform_homogeneous(indexed)
                               : assignor::assign_uniform_heterogeneous(indexed);
}

std::unique_ptr<PartitionAssignor> make_uniform_assignor() {
  return std::make_unique<UniformAssignor>();
}

}  // namespace groupwire::coordinator
