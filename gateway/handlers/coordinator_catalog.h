// The gateway's topic catalog as coordinators take it (pb::TopicCatalog): what consumer groups'
// subscriptions resolve against. Built once per catalog snapshot and shared by every heartbeat
// until the catalog changes.
#pragma once

#include <cstdint>
#include <memory>
#include <mutex>

#include "groupwire/coordinator/v1/coordinator.pb.h"
#include "handlers/topic_catalog.h"

namespace groupwire::gateway {

namespace pb = groupwire::coordinator::v1;

// Of the topics' names, ids and partition counts, in name order: equal on every gateway that
// knows the same topics. Never 0 (which says "no catalog").
std::uint64_t catalog_fingerprint(const TopicCatalog::Topics& topics);

class CoordinatorCatalog {
 public:
  explicit CoordinatorCatalog(std::shared_ptr<const TopicCatalog> catalog);

  // The catalog as it is now, with its fingerprint and when the gateway read it.
  std::shared_ptr<const pb::TopicCatalog> current() const;

 private:
  std::shared_ptr<const TopicCatalog> catalog_;
  mutable std::mutex mu_;
  // The snapshot `built_` was made from; held so that its address names it.
  mutable std::shared_ptr<const TopicCatalog::Topics> built_from_;
  mutable std::shared_ptr<const pb::TopicCatalog> built_;
};

}  // namespace groupwire::gateway
