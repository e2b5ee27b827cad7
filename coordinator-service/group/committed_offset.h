// A group's committed offset of one partition, as the coordinator keeps it.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <utility>

namespace groupwire::coordinator {

struct CommittedOffset {
  std::int64_t offset = -1;
  std::int32_t leader_epoch = -1;
  std::string metadata;
  std::int64_t commit_timestamp_ms = 0;
  std::optional<std::int64_t> expire_timestamp_ms;  // only from OffsetCommit v2-4 retention
};

using TopicPartition = std::pair<std::string, std::int32_t>;

}  // namespace groupwire::coordinator
