// Kafka's UniformHomogeneousAssignmentBuilder: the uniform assignor when every member subscribes
// to the same topics.
#pragma once

#include "group/assignor/indexed_group.h"

namespace groupwire::coordinator::assignor {

// Balanced first (sizes differ by at most one), then sticky: each member keeps what it has up to
// its quota, and only the partitions over quota or unowned move. The members that hold the most
// get the quotas with an extra partition, so no more partitions move than balance needs.
GroupAssignment assign_uniform_homogeneous(const IndexedGroup& group);

}  // namespace groupwire::coordinator::assignor
