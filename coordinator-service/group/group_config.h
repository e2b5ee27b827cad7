// Kafka's group coordinator settings, with Kafka's defaults.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace groupwire::coordinator {

using Millis = std::chrono::milliseconds;

// group.consumer.migration.policy: which online conversions between the classic protocol and
// the consumer protocol a group may make.
enum class ConsumerMigrationPolicy { kBidirectional, kUpgrade, kDowngrade, kDisabled };

struct GroupConfig {
  Millis initial_rebalance_delay{3000};              // group.initial.rebalance.delay.ms
  Millis min_session_timeout{6000};                  // group.min.session.timeout.ms
  Millis max_session_timeout{1800000};               // group.max.session.timeout.ms
  std::int32_t max_group_size = INT32_MAX;           // group.max.size
  Millis new_member_join_timeout{300000};            // fixed in Kafka
  std::size_t offset_metadata_max_bytes = 4096;      // offset.metadata.max.bytes
  Millis offsets_retention{7 * 24 * 3600 * 1000LL};  // offsets.retention.minutes
  Millis offsets_retention_check_interval{600000};   // offsets.retention.check.interval.ms

  // The consumer group protocol (KIP-848).
  bool classic_protocol = true;                // group.coordinator.rebalance.protocols
  bool consumer_protocol = true;               //   "classic,consumer"
  Millis consumer_heartbeat_interval{5000};    // group.consumer.heartbeat.interval.ms
  Millis consumer_session_timeout{45000};      // group.consumer.session.timeout.ms
  std::int32_t consumer_max_size = INT32_MAX;  // group.consumer.max.size
  std::vector<std::string> consumer_assignors{"uniform", "range"};  // the first is the default
  ConsumerMigrationPolicy consumer_migration_policy = ConsumerMigrationPolicy::kBidirectional;
};

}  // namespace groupwire::coordinator
