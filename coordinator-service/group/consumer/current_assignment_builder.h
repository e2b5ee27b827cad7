// How a member moves towards its target assignment: Kafka's CurrentAssignmentBuilder. A member
// first gives up what it must revoke (keeping its epoch until it says it has), then moves to the
// target epoch and receives what is free; partitions another member still owns come later.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>

#include "group/consumer/consumer_group_member.h"

namespace groupwire::coordinator {

// The epoch at which a partition is owned, -1 when free.
using PartitionEpochOf = std::function<std::int32_t(const TopicId&, std::int32_t)>;

struct Reconciliation {
  std::int32_t target_epoch = 0;
  const TopicPartitionsById* target = nullptr;
  PartitionEpochOf partition_epoch;
  // What the member says it owns; nullopt when its heartbeat did not say.
  const std::optional<TopicPartitionsById>* owned = nullptr;
};

// The member after one reconciliation step. Fenced (nullopt) only from an unknown state while
// the member still claims partitions: it must give them all up and rejoin.
std::optional<ConsumerGroupMember> reconcile(const ConsumerGroupMember& member,
                                             const Reconciliation& r);

}  // namespace groupwire::coordinator
