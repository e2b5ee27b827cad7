// Which broker listener coordinates a group. Any listener serves any group (the state is in the
// coordinator service), but a gateway in front of several upstream brokers shows clients several
// brokers, and clients that ask every broker for its groups (kafkajs, librdkafka) must see each
// group once. So each group is placed on one broker by Kafka's own hash of its id, FindCoordinator
// names that broker and ListGroups on a broker lists only its groups. With a single broker
// (catalog mode) every group is on the listener asked.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "handlers/broker_identity.h"
#include "kafka/group_hash.h"

namespace groupwire::gateway {

class GroupPlacement {
 public:
  GroupPlacement() = default;
  explicit GroupPlacement(std::vector<BrokerIdentity> brokers) : brokers_(std::move(brokers)) {}

  // The broker coordinating `group_id`, or nullopt: the listener that was asked.
  std::optional<BrokerIdentity> coordinator(const std::string& group_id) const {
    if (brokers_.size() < 2) return std::nullopt;
    return brokers_[kafka::partition_for(group_id, brokers_.size())];
  }

  bool placed_on(const std::string& group_id, std::int32_t node_id) const {
    auto c = coordinator(group_id);
    return !c || c->node_id == node_id;
  }

 private:
  std::vector<BrokerIdentity> brokers_;
};

}  // namespace groupwire::gateway
