// Kafka's placement of a group id: the Java hash of the id, and partitionFor. Both processes use
// it: the coordinator for its group partitions, the gateway for which broker listener
// coordinates a group.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace groupwire::kafka {

// Java's String.hashCode of the UTF-16 form of a UTF-8 string (malformed bytes decode to
// U+FFFD, as Java's decoder does).
std::int32_t java_string_hash(std::string_view utf8);

// Kafka's partitionFor: Utils.abs(groupId.hashCode()) % partitions.
std::size_t partition_for(std::string_view group_id, std::size_t partitions);

}  // namespace groupwire::kafka
