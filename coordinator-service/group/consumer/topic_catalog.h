// The topics a gateway knows (pb::TopicCatalog), as the coordinator resolves subscriptions
// against them: by name, with each topic's id and partition count.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>

#include "group/assignor/partition_assignor.h"
#include "groupwire/coordinator/v1/coordinator.pb.h"

namespace groupwire::coordinator {

struct CatalogEntry {
  TopicId id;
  std::int32_t partitions = 0;
};

struct TopicCatalogView {
  std::uint64_t fingerprint = 0;
  std::int64_t fetched_at_ms = 0;
  std::map<std::string, CatalogEntry> topics;

  static std::shared_ptr<const TopicCatalogView> from_proto(const v1::TopicCatalog& catalog);
  // Whether this catalog should replace `current` (nullptr: none yet): it was fetched later,
  // or at the same moment with other content (the larger fingerprint wins, so every
  // coordinator picks the same).
  bool newer_than(const TopicCatalogView* current) const;
};

using SharedTopicCatalog = std::shared_ptr<const TopicCatalogView>;

}  // namespace groupwire::coordinator
