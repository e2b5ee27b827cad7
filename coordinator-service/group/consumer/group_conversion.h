// A group changing protocol while it has members (Kafka's group.consumer.migration.policy): a
// classic group becomes a consumer group when a consumer-protocol member joins it (Kafka's
// ConsumerGroup.fromClassicGroup), and a consumer group whose last consumer-protocol member
// leaves becomes a classic group again (ClassicGroup.fromConsumerGroup).
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "group/classic_group.h"
#include "group/consumer/consumer_group.h"
#include "kafka/codec/messages/consumer_protocol.h"

namespace groupwire::coordinator {

// A topic's id by name, nullopt when unknown; and its name by id, "" when unknown. Partitions of
// unknown topics are left out, as Kafka does.
using TopicIdOf = std::function<std::optional<TopicId>(const std::string&)>;
using TopicNameOf = std::function<std::string(const TopicId&)>;

// The classic group's members, each at the group's generation as its member epoch, Stable with
// its last assignment as current and target. nullopt when a member's embedded consumer protocol
// does not parse.
std::optional<ConsumerGroup> consumer_group_from(const ClassicGroup& classic,
                                                 const TopicIdOf& id_of);

// The consumer group's members but `leaving`, all classic-protocol members, Stable at the group
// epoch with their target assignments, in the embedded protocol's version each member speaks.
ClassicGroup classic_group_from(const ConsumerGroup& group, const MemberId& leaving,
                                const TopicNameOf& name_of, std::int64_t now_ms);

TopicPartitionsById partitions_by_id(
    const std::vector<kafka::ConsumerProtocolSubscription::TopicPartition>& partitions,
    const TopicIdOf& id_of);
// An assignment in the embedded consumer protocol, in the version of `metadata`'s prefix.
std::string encode_assignment(const TopicPartitionsById& assignment, const TopicNameOf& name_of,
                              const std::string& metadata);

}  // namespace groupwire::coordinator
