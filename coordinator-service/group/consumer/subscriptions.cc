#include "group/consumer/subscriptions.h"

#include <re2/re2.h>

namespace groupwire::coordinator {

SubscriptionPatterns::SubscriptionPatterns() = default;
SubscriptionPatterns::~SubscriptionPatterns() = default;

std::optional<std::string> SubscriptionPatterns::invalid(const std::string& regex) {
  RE2 re(regex, RE2::Quiet);
  if (re.ok()) return std::nullopt;
  return re.error();
}

bool SubscriptionPatterns::matches(const std::string& regex, const std::string& topic) {
  auto& re = compiled_[regex];
  if (!re) re = std::make_unique<RE2>(regex, RE2::Quiet);
  return re->ok() && RE2::FullMatch(topic, *re);
}

void SubscriptionPatterns::retain_used(const std::map<std::string, ConsumerGroup>& groups) {
  std::erase_if(compiled_, [&](const auto& entry) {
    for (const auto& [id, group] : groups) {
      for (const auto& [member_id, m] : group.members) {
        if (m.subscribed_topic_regex == entry.first) return false;
      }
    }
    return true;
  });
}

namespace {

// Calls f(name) for each topic of `topics` (a name -> something map) the member subscribes to.
template <class Topics, class F>
void for_each_subscribed(const ConsumerGroupMember& m, const Topics& topics,
                         SubscriptionPatterns& patterns, F f) {
  for (const auto& name : m.subscribed_topic_names) {
    auto it = topics.find(name);
    if (it != topics.end()) f(it->first, it->second);
  }
  if (!m.subscribed_topic_regex || m.subscribed_topic_regex->empty()) return;
  for (const auto& [name, topic] : topics) {
    if (patterns.matches(*m.subscribed_topic_regex, name)) f(name, topic);
  }
}

}  // namespace

SubscribedTopicMetadata resolve_subscriptions(const ConsumerGroup& group,
                                              const TopicCatalogView& catalog,
                                              SubscriptionPatterns& patterns) {
  SubscribedTopicMetadata out;
  for (const auto& [id, m] : group.members) {
    for_each_subscribed(m, catalog.topics, patterns,
                        [&](const std::string& name, const CatalogEntry& topic) {
                          out[topic.id] = TopicMetadata{name, topic.partitions};
                        });
  }
  return out;
}

GroupSpec group_spec(const ConsumerGroup& group, SubscriptionPatterns& patterns) {
  std::map<std::string, TopicId> by_name;
  for (const auto& [id, topic] : group.subscription_metadata) by_name[topic.name] = id;
  GroupSpec spec;
  for (const auto& [member_id, m] : group.members) {
    MemberSubscription& s = spec.members[member_id];
    s.rack_id = m.rack_id;
    s.instance_id = m.instance_id;
    s.assignment = group.target_of(member_id);
    for_each_subscribed(m, by_name, patterns, [&](const std::string&, const TopicId& id) {
      s.subscribed_topic_ids.insert(id);
    });
  }
  return spec;
}

}  // namespace groupwire::coordinator
