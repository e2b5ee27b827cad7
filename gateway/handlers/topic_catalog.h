// The topics and partition counts the gateway knows: the configured catalog (--topic
// NAME:PARTITIONS) without an upstream, or what the upstream cluster's metadata says, refreshed
// as it changes. Read from every connection's thread, so reads take a snapshot.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "server/config.h"

namespace groupwire::gateway {

class TopicCatalog {
 public:
  using Topics = std::map<std::string, std::int32_t>;

  explicit TopicCatalog(const std::vector<TopicSpec>& topics) {
    auto all = std::make_shared<Topics>();
    for (const auto& t : topics) (*all)[t.name] = t.partitions;
    topics_ = std::move(all);
  }

  std::optional<std::int32_t> partitions(const std::string& topic) const {
    auto snapshot = all();
    auto it = snapshot->find(topic);
    if (it == snapshot->end()) return std::nullopt;
    return it->second;
  }

  std::shared_ptr<const Topics> all() const {
    std::lock_guard lock(mu_);
    return topics_;
  }

  // A full listing replaces what we knew; a partial one (some topics) updates those.
  void update(const Topics& topics, bool complete) {
    std::lock_guard lock(mu_);
    auto next = std::make_shared<Topics>(complete ? Topics{} : *topics_);
    for (const auto& [name, count] : topics) (*next)[name] = count;
    topics_ = std::move(next);
  }

 private:
  mutable std::mutex mu_;
  std::shared_ptr<const Topics> topics_;
};

using SharedTopicCatalog = std::shared_ptr<TopicCatalog>;

}  // namespace groupwire::gateway
