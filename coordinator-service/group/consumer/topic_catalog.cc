#include "group/consumer/topic_catalog.h"

namespace groupwire::coordinator {

std::shared_ptr<const TopicCatalogView> TopicCatalogView::from_proto(
    const v1::TopicCatalog& catalog) {
  auto view = std::make_shared<TopicCatalogView>();
  view->fingerprint = catalog.fingerprint();
  view->fetched_at_ms = catalog.fetched_at_ms();
  for (const auto& t : catalog.topics()) {
    view->topics[t.name()] = CatalogEntry{TopicId::from_bytes(t.topic_id()), t.partitions()};
  }
  return view;
}

bool TopicCatalogView::newer_than(const TopicCatalogView* current) const {
  if (current == nullptr) return true;
  if (fetched_at_ms != current->fetched_at_ms) return fetched_at_ms > current->fetched_at_ms;
  return fingerprint > current->fingerprint;
}

}  // namespace groupwire::coordinator
