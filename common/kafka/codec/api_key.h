// Kafka API keys the gateway knows by name.
#pragma once

#include <cstdint>
#include <string_view>

namespace groupwire::kafka {

enum class ApiKey : std::int16_t {
  Produce = 0,
  Fetch = 1,
  ListOffsets = 2,
  Metadata = 3,
  OffsetCommit = 8,
  OffsetFetch = 9,
  FindCoordinator = 10,
  JoinGroup = 11,
  Heartbeat = 12,
  LeaveGroup = 13,
  SyncGroup = 14,
  DescribeGroups = 15,
  ListGroups = 16,
  SaslHandshake = 17,
  ApiVersions = 18,
  SaslAuthenticate = 36,
  DeleteGroups = 42,
  OffsetDelete = 47,
  ConsumerGroupHeartbeat = 68,
  ConsumerGroupDescribe = 69,
};

}  // namespace groupwire::kafka
