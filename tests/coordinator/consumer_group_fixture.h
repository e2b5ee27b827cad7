// Drives the consumer group protocol (KIP-848) of one GroupPartition with a manual clock, in the
// terms of Kafka's own consumer-group scenarios: heartbeats with member epochs, owned partitions,
// and a topic catalog as a gateway sends it.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "group_fixture.h"

namespace groupwire::coordinator::testing {

inline std::string topic_id_bytes(const std::string& name) {
  std::string id(16, '\0');
  for (std::size_t i = 0; i < name.size() && i < 15; ++i) id[i] = name[i];
  id[15] = 1;
  return id;
}
inline TopicId topic_id(const std::string& name) {
  return TopicId::from_bytes(topic_id_bytes(name));
}

// Assignments by topic name, for readable expectations.
using Owned = std::map<std::string, std::set<std::int32_t>>;

struct ConsumerHeartbeat {
  std::string member_id;
  std::int32_t epoch = 0;
  std::optional<std::vector<std::string>> topics;
  std::optional<std::string> regex;
  std::optional<Owned> owned;  // nullopt: not said
  std::optional<std::string> instance;
  std::optional<std::string> assignor;
  std::int32_t rebalance_timeout_ms = -1;
};

class ConsumerGroupTest : public GroupTest {
 protected:
  explicit ConsumerGroupTest(GroupConfig config = {}) : GroupTest(config) {}

  // The catalog every heartbeat carries, as a gateway's: set topics with partition counts.
  void create_topic(const std::string& name, std::int32_t partitions) {
    topics_[name] = partitions;
    ++catalog_time_;
  }

  pb::ConsumerGroupHeartbeatRequest request(const std::string& group, const ConsumerHeartbeat& h) {
    pb::ConsumerGroupHeartbeatRequest req;
    req.set_group_id(group);
    req.set_member_id(h.member_id);
    req.set_member_epoch(h.epoch);
    req.set_rebalance_timeout_ms(h.rebalance_timeout_ms);
    req.set_client_id("client");
    req.set_client_host("/127.0.0.1");
    req.set_client_generates_member_id(true);
    if (h.instance) req.set_instance_id(*h.instance);
    if (h.assignor) req.set_server_assignor(*h.assignor);
    if (h.topics) {
      for (const auto& t : *h.topics) req.mutable_subscribed_topic_names()->add_names(t);
      if (h.topics->empty()) req.mutable_subscribed_topic_names();
    }
    if (h.regex) req.set_subscribed_topic_regex(*h.regex);
    if (h.owned) {
      auto* owned = req.mutable_topic_partitions();
      for (const auto& [name, partitions] : *h.owned) {
        auto* t = owned->add_topics();
        t->set_topic_id(topic_id_bytes(name));
        t->mutable_partitions()->Add(partitions.begin(), partitions.end());
      }
    }
    auto* catalog = req.mutable_catalog();
    catalog->set_fingerprint(catalog_time_ + 1000);
    catalog->set_fetched_at_ms(catalog_time_);
    for (const auto& [name, partitions] : topics_) {
      auto* t = catalog->add_topics();
      t->set_name(name);
      t->set_topic_id(topic_id_bytes(name));
      t->set_partitions(partitions);
    }
    req.set_catalog_fingerprint(catalog->fingerprint());
    return req;
  }

  Pending<pb::ConsumerGroupHeartbeatResponse> heartbeat_async(const std::string& group,
                                                              const ConsumerHeartbeat& h) {
    return ask(partition_, &GroupPartition::consumer_group_heartbeat, request(group, h));
  }
  pb::ConsumerGroupHeartbeatResponse cg_heartbeat(const std::string& group,
                                                  const ConsumerHeartbeat& h) {
    auto out = heartbeat_async(group, h);
    EXPECT_TRUE(out.done()) << "the heartbeat waits";
    return out.done() ? *out : pb::ConsumerGroupHeartbeatResponse();
  }

  // A member joins subscribed to `topics` and gets its first answer.
  pb::ConsumerGroupHeartbeatResponse join_consumer(const std::string& group, const std::string& id,
                                                   std::vector<std::string> topics,
                                                   ConsumerHeartbeat h = {}) {
    h.member_id = id;
    h.epoch = 0;
    h.topics = std::move(topics);
    h.owned = Owned{};
    if (h.rebalance_timeout_ms == -1) h.rebalance_timeout_ms = 30000;
    return cg_heartbeat(group, h);
  }

  // A heartbeat of an established member saying what it owns.
  pb::ConsumerGroupHeartbeatResponse beat(const std::string& group, const std::string& id,
                                          std::int32_t epoch, std::optional<Owned> owned) {
    ConsumerHeartbeat h;
    h.member_id = id;
    h.epoch = epoch;
    h.owned = std::move(owned);
    return cg_heartbeat(group, h);
  }

  static Owned assignment_of(const pb::ConsumerGroupHeartbeatResponse& r) {
    Owned out;
    for (const auto& t : r.assignment().topics()) {
      std::string name = t.topic_id().substr(0, t.topic_id().find('\0'));
      out[name].insert(t.partitions().begin(), t.partitions().end());
    }
    return out;
  }

  static std::size_t count(const Owned& o) {
    std::size_t n = 0;
    for (const auto& [t, p] : o) n += p.size();
    return n;
  }

  const ConsumerGroup& consumer_group(const std::string& id) {
    const ConsumerGroup* g = partition_.find_consumer_group(id);
    EXPECT_NE(g, nullptr) << id;
    static const ConsumerGroup kNone;
    return g ? *g : kNone;
  }
  ConsumerGroupState cg_state(const std::string& id) { return consumer_group(id).state(); }

  std::map<std::string, std::int32_t> topics_;
  std::int64_t catalog_time_ = 1;
};

}  // namespace groupwire::coordinator::testing
