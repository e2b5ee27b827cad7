// The topics Metadata reports when no upstream cluster is configured (--topic NAME:PARTITIONS).
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "server/config.h"

namespace groupwire::gateway {

class TopicCatalog {
 public:
  explicit TopicCatalog(const std::vector<TopicSpec>& topics) {
    for (const auto& t : topics) partitions_[t.name] = t.partitions;
  }

  std::optional<std::int32_t> partitions(const std::string& topic) const {
    auto it = partitions_.find(topic);
    if (it == partitions_.end()) return std::nullopt;
    return it->second;
  }
  const std::map<std::string, std::int32_t>& all() const { return partitions_; }

 private:
  std::map<std::string, std::int32_t> partitions_;
};

}  // namespace groupwire::gateway
