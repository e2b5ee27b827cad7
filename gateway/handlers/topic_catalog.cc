#include "handlers/topic_catalog.h"

#include <chrono>

namespace groupwire::gateway {

kafka::Uuid derived_topic_id(const std::string& name) {
  // Two FNV-1a passes over the name; never all zero in practice, and a zero id is refused.
  std::uint64_t h = 1469598103934665603ull;
  for (unsigned char c : name) h = (h ^ c) * 1099511628211ull;
  kafka::Uuid id{};
  for (int i = 0; i < 8; ++i) {
    id[i] = static_cast<std::uint8_t>(h >> (8 * i));
    id[8 + i] = static_cast<std::uint8_t>((h * 31 + 7) >> (8 * i));
  }
  if (id == kafka::Uuid{}) id[15] = 1;
  return id;
}

TopicCatalog::TopicCatalog(const std::vector<TopicSpec>& topics) {
  Topics all;
  for (const auto& t : topics) all[t.name] = Topic{t.partitions, {}};
  store_locked(std::move(all));
}

std::optional<std::int32_t> TopicCatalog::partitions(const std::string& topic) const {
  auto found = find(topic);
  if (!found) return std::nullopt;
  return found->partitions;
}

std::optional<TopicCatalog::Topic> TopicCatalog::find(const std::string& topic) const {
  auto s = snapshot();
  auto it = s->topics.find(topic);
  if (it == s->topics.end()) return std::nullopt;
  return it->second;
}

std::optional<std::string> TopicCatalog::name(const kafka::Uuid& id) const {
  auto s = snapshot();
  auto it = s->names.find(id);
  if (it == s->names.end()) return std::nullopt;
  return it->second;
}

std::shared_ptr<const TopicCatalog::Topics> TopicCatalog::all() const {
  auto s = snapshot();
  return {s, &s->topics};
}

TopicCatalog::Listing TopicCatalog::listing() const {
  auto s = snapshot();
  return {{s, &s->topics}, s->updated_at_ms};
}

void TopicCatalog::update(const Topics& topics, bool complete) {
  std::lock_guard lock(mu_);
  Topics next = complete ? Topics{} : snapshot_->topics;
  for (const auto& [name, topic] : topics) next[name] = topic;
  store_locked(std::move(next));
}

std::shared_ptr<const TopicCatalog::Snapshot> TopicCatalog::snapshot() const {
  std::lock_guard lock(mu_);
  return snapshot_;
}

void TopicCatalog::store_locked(Topics topics) {
  auto next = std::make_shared<Snapshot>();
  for (auto& [name, topic] : topics) {
    if (topic.id == kafka::Uuid{}) topic.id = derived_topic_id(name);
    next->names[topic.id] = name;
  }
  next->topics = std::move(topics);
  next->updated_at_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                            std::chrono::system_clock::now().time_since_epoch())
                            .count();
  snapshot_ = std::move(next);
}

}  // namespace groupwire::gateway
