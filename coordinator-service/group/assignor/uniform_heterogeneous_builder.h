// Kafka's UniformHeterogeneousAssignmentBuilder: the uniform assignor when members subscribe to
// different topics.
#pragma once

#include "group/assignor/indexed_group.h"

namespace groupwire::coordinator::assignor {

// Balanced first, then sticky: members keep the partitions they have of the topics they still
// subscribe to; unowned partitions go to the least loaded subscribers, topic by topic; then
// partitions move from the most to the least loaded subscribers of each topic until no move
// improves the balance. Exact when the subscribers of a topic share their subscriptions. When
// subscriptions overlap it can stop short, as Kafka's does: partitions only move between
// subscribers of the same topic, so an imbalance that needs a chain of moves across topics stays.
GroupAssignment assign_uniform_heterogeneous(const IndexedGroup& group);

}  // namespace groupwire::coordinator::assignor
