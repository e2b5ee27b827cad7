// ConsumerGroupHeartbeat (key 68, KIP-848): a member of a consumer group joins, heartbeats, says
// what it owns and leaves; the coordinator answers with its epoch and, when it changed, its
// assignment. v1 (Kafka 4.0) adds regular expression subscriptions and lets the client generate
// its member id (KIP-1082).
#pragma once

#include "kafka/codec/api_key.h"
#include "kafka/codec/schema.h"

namespace groupwire::kafka {

struct ConsumerGroupHeartbeatRequest {
  static constexpr ApiKey kApiKey = ApiKey::ConsumerGroupHeartbeat;
  static constexpr Versions kValid = between(0, 1);
  static constexpr Versions kFlexible = since(0);

  struct TopicPartitions {
    Uuid topic_id{};
    std::vector<std::int32_t> partitions;
    static void fields(auto& m, auto& v) {
      v(m.topic_id, {"topic_id", since(0)});
      v(m.partitions, {"partitions", since(0)});
    }
    bool operator==(const TopicPartitions&) const = default;
  };

  // The nullable fields are null when unchanged since the member's last heartbeat.
  std::string group_id;
  std::string member_id;
  std::int32_t member_epoch = 0;
  std::optional<std::string> instance_id;
  std::optional<std::string> rack_id;
  std::int32_t rebalance_timeout_ms = -1;
  std::optional<std::vector<std::string>> subscribed_topic_names;
  std::optional<std::string> subscribed_topic_regex;
  std::optional<std::string> server_assignor;
  std::optional<std::vector<TopicPartitions>> topic_partitions;

  static void fields(auto& m, auto& v) {
    v(m.group_id, {"group_id", since(0)});
    v(m.member_id, {"member_id", since(0)});
    v(m.member_epoch, {"member_epoch", since(0)});
    v(m.instance_id, {"instance_id", since(0), since(0)});
    v(m.rack_id, {"rack_id", since(0), since(0)});
    v(m.rebalance_timeout_ms, {"rebalance_timeout_ms", since(0)});
    v(m.subscribed_topic_names, {"subscribed_topic_names", since(0), since(0)});
    v(m.subscribed_topic_regex, {"subscribed_topic_regex", since(1), since(1)});
    v(m.server_assignor, {"server_assignor", since(0), since(0)});
    v(m.topic_partitions, {"topic_partitions", since(0), since(0)});
  }
  bool operator==(const ConsumerGroupHeartbeatRequest&) const = default;
};

struct ConsumerGroupHeartbeatResponse {
  static constexpr ApiKey kApiKey = ApiKey::ConsumerGroupHeartbeat;
  static constexpr Versions kValid = ConsumerGroupHeartbeatRequest::kValid;
  static constexpr Versions kFlexible = ConsumerGroupHeartbeatRequest::kFlexible;

  using TopicPartitions = ConsumerGroupHeartbeatRequest::TopicPartitions;
  struct Assignment {
    std::vector<TopicPartitions> topic_partitions;
    static void fields(auto& m, auto& v) { v(m.topic_partitions, {"topic_partitions", since(0)}); }
    bool operator==(const Assignment&) const = default;
  };

  std::int32_t throttle_time_ms = 0;
  std::int16_t error_code = 0;
  std::optional<std::string> error_message;
  std::optional<std::string> member_id;
  std::int32_t member_epoch = 0;
  std::int32_t heartbeat_interval_ms = 0;
  std::optional<Assignment> assignment;  // null: unchanged

  static void fields(auto& m, auto& v) {
    v(m.throttle_time_ms, {"throttle_time_ms", since(0)});
    v(m.error_code, {"error_code", since(0)});
    v(m.error_message, {"error_message", since(0), since(0)});
    v(m.member_id, {"member_id", since(0), since(0)});
    v(m.member_epoch, {"member_epoch", since(0)});
    v(m.heartbeat_interval_ms, {"heartbeat_interval_ms", since(0)});
    v(m.assignment, {"assignment", since(0), since(0)});
  }
  bool operator==(const ConsumerGroupHeartbeatResponse&) const = default;
};

}  // namespace groupwire::kafka
