// Metadata (key 3): a client learns the brokers and the topics' partitions and leaders.
#pragma once

#include "kafka/codec/api_key.h"
#include "kafka/codec/schema.h"

namespace groupwire::kafka {

struct MetadataRequest {
  static constexpr ApiKey kApiKey = ApiKey::Metadata;
  static constexpr Versions kValid = between(0, 12);
  static constexpr Versions kFlexible = since(9);

  struct Topic {
    Uuid topic_id{};
    std::optional<std::string> name = "";
    static void fields(auto& m, auto& v) {
      v(m.topic_id, {"topic_id", since(10)});
      v(m.name, {"name", since(0), since(10)});
    }
    bool operator==(const Topic&) const = default;
  };

  // Kafka's default is an empty list (no topics); null (all topics) must be asked for.
  std::optional<std::vector<Topic>> topics = std::vector<Topic>();
  bool allow_auto_topic_creation = true;
  bool include_cluster_authorized_operations = false;
  bool include_topic_authorized_operations = false;

  static void fields(auto& m, auto& v) {
    v(m.topics, {"topics", since(0), since(1)});
    v(m.allow_auto_topic_creation, {"allow_auto_topic_creation", since(4)});
    v(m.include_cluster_authorized_operations,
      {"include_cluster_authorized_operations", between(8, 10)});
    v(m.include_topic_authorized_operations, {"include_topic_authorized_operations", since(8)});
  }
  bool operator==(const MetadataRequest&) const = default;
};

struct MetadataResponse {
  static constexpr ApiKey kApiKey = ApiKey::Metadata;
  static constexpr Versions kValid = MetadataRequest::kValid;
  static constexpr Versions kFlexible = MetadataRequest::kFlexible;

  struct Broker {
    std::int32_t node_id = 0;
    std::string host;
    std::int32_t port = 0;
    std::optional<std::string> rack;
    static void fields(auto& m, auto& v) {
      v(m.node_id, {"node_id", since(0)});
      v(m.host, {"host", since(0)});
      v(m.port, {"port", since(0)});
      v(m.rack, {"rack", since(1), since(1)});
    }
    bool operator==(const Broker&) const = default;
  };
  struct Partition {
    std::int16_t error_code = 0;
    std::int32_t partition_index = 0;
    std::int32_t leader_id = 0;
    std::int32_t leader_epoch = -1;
    std::vector<std::int32_t> replica_nodes;
    std::vector<std::int32_t> isr_nodes;
    std::vector<std::int32_t> offline_replicas;
    static void fields(auto& m, auto& v) {
      v(m.error_code, {"error_code", since(0)});
      v(m.partition_index, {"partition_index", since(0)});
      v(m.leader_id, {"leader_id", since(0)});
      v(m.leader_epoch, {"leader_epoch", since(7)});
      v(m.replica_nodes, {"replica_nodes", since(0)});
      v(m.isr_nodes, {"isr_nodes", since(0)});
      v(m.offline_replicas, {"offline_replicas", since(5)});
    }
    bool operator==(const Partition&) const = default;
  };
  struct Topic {
    std::int16_t error_code = 0;
    std::optional<std::string> name = "";
    Uuid topic_id{};
    bool is_internal = false;
    std::vector<Partition> partitions;
    std::int32_t topic_authorized_operations = INT32_MIN;
    static void fields(auto& m, auto& v) {
      v(m.error_code, {"error_code", since(0)});
      v(m.name, {"name", since(0), since(12)});
      v(m.topic_id, {"topic_id", since(10)});
      v(m.is_internal, {"is_internal", since(1)});
      v(m.partitions, {"partitions", since(0)});
      v(m.topic_authorized_operations, {"topic_authorized_operations", since(8)});
    }
    bool operator==(const Topic&) const = default;
  };

  std::int32_t throttle_time_ms = 0;
  std::vector<Broker> brokers;
  std::optional<std::string> cluster_id;
  std::int32_t controller_id = -1;
  std::vector<Topic> topics;
  std::int32_t cluster_authorized_operations = INT32_MIN;

  static void fields(auto& m, auto& v) {
    v(m.throttle_time_ms, {"throttle_time_ms", since(3)});
    v(m.brokers, {"brokers", since(0)});
    v(m.cluster_id, {"cluster_id", since(2), since(2)});
    v(m.controller_id, {"controller_id", since(1)});
    v(m.topics, {"topics", since(0)});
    v(m.cluster_authorized_operations, {"cluster_authorized_operations", between(8, 10)});
  }
  bool operator==(const MetadataResponse&) const = default;
};

}  // namespace groupwire::kafka
