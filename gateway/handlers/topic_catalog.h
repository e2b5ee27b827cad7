// The topics, partition counts and topic ids the gateway knows: the configured catalog (--topic
// NAME:PARTITIONS) without an upstream, or what the upstream cluster's metadata says, refreshed
// as it changes. Read from every connection's thread, so reads take a snapshot.
//
// Every topic has an id, for clients that name topics by id (Metadata v10+, Fetch v13+): the
// upstream's when it has one, else one derived from the name, so that every gateway, and every
// restart, gives a topic the same id.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "kafka/codec/schema.h"
#include "server/config.h"

namespace groupwire::gateway {

// A stable non-zero id for a topic that has none.
kafka::Uuid derived_topic_id(const std::string& name);

class TopicCatalog {
 public:
  struct Topic {
    std::int32_t partitions = 0;
    kafka::Uuid id{};  // zero: derived from the name when stored
    bool operator==(const Topic&) const = default;
  };
  using Topics = std::map<std::string, Topic>;

  explicit TopicCatalog(const std::vector<TopicSpec>& topics);

  std::optional<std::int32_t> partitions(const std::string& topic) const;
  std::optional<Topic> find(const std::string& topic) const;
  std::optional<std::string> name(const kafka::Uuid& id) const;

  std::shared_ptr<const Topics> all() const;

  // The topics with the wall clock (ms since the epoch) of when they were stored: the catalog's
  // construction, or its last update(), i.e. when the gateway last read them.
  struct Listing {
    std::shared_ptr<const Topics> topics;
    std::int64_t updated_at_ms = 0;
  };
  Listing listing() const;

  // A full listing replaces what we knew; a partial one (some topics) updates those.
  void update(const Topics& topics, bool complete);

 private:
  struct Snapshot {
    Topics topics;
    std::map<kafka::Uuid, std::string> names;
    std::int64_t updated_at_ms = 0;
  };
  std::shared_ptr<const Snapshot> snapshot() const;
  void store_locked(Topics topics);  // with mu_ held (or before sharing)

  mutable std::mutex mu_;
  std::shared_ptr<const Snapshot> snapshot_;
};

using SharedTopicCatalog = std::shared_ptr<TopicCatalog>;

}  // namespace groupwire::gateway
