// Kafka's lag of one partition, in one place: the admin API's offsets and the lag sampler agree.
#pragma once

#include <algorithm>
#include <cstdint>
#include <optional>

namespace groupwire::coordinator::lag {

// How far the committed offset is behind the end offset; none when nothing is committed.
inline std::optional<std::int64_t> partition_lag(std::int64_t end_offset, std::int64_t committed) {
  if (committed < 0) return std::nullopt;
  return std::max<std::int64_t>(0, end_offset - committed);
}

}  // namespace groupwire::coordinator::lag
