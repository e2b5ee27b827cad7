// What a classic leader hands out: Kafka's RangeAssignor over the run's one topic. Members sorted
// by id take consecutive ranges; the first (partitions % members) take one more. Eager: every
// rebalance starts from nothing, so a member joining moves the ranges of every member after it.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "kafka/codec/messages/sync_group.h"

namespace groupwire::bench {

// One SyncGroup assignment per member, in the order of `member_ids`.
std::vector<kafka::SyncGroupRequest::Assignment> range_assignment(
    const std::vector<std::string>& member_ids, const std::string& topic, std::int32_t partitions);

// The member's partitions of `topic` in a SyncGroup answer (sorted; none when unreadable).
std::vector<std::int32_t> assigned_partitions(const kafka::Bytes& assignment,
                                              const std::string& topic);

}  // namespace groupwire::bench
