// Kafka's group coordinator settings, with Kafka's defaults.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>

namespace groupwire::coordinator {

using Millis = std::chrono::milliseconds;

struct GroupConfig {
  Millis initial_rebalance_delay{3000};              // group.initial.rebalance.delay.ms
  Millis min_session_timeout{6000};                  // group.min.session.timeout.ms
  Millis max_session_timeout{1800000};               // group.max.session.timeout.ms
  std::int32_t max_group_size = INT32_MAX;           // group.max.size
  Millis new_member_join_timeout{300000};            // fixed in Kafka
  std::size_t offset_metadata_max_bytes = 4096;      // offset.metadata.max.bytes
  Millis offsets_retention{7 * 24 * 3600 * 1000LL};  // offsets.retention.minutes
  Millis offsets_retention_check_interval{600000};   // offsets.retention.check.interval.ms
};

}  // namespace groupwire::coordinator
