// What a consumer group's members subscribe to, resolved against a topic catalog: topic names,
// and regular expressions in RE2 syntax (Kafka uses RE2/J), matched against the whole name.
#pragma once

#include <map>
#include <memory>
#include <optional>
#include <string>

#include "group/consumer/consumer_group.h"
#include "group/consumer/topic_catalog.h"

namespace re2 {
class RE2;
}

namespace groupwire::coordinator {

// Compiled regular expressions, kept while some member subscribes with them.
class SubscriptionPatterns {
 public:
  SubscriptionPatterns();
  ~SubscriptionPatterns();

  // Why `regex` is not a valid RE2 expression, or nullopt.
  static std::optional<std::string> invalid(const std::string& regex);

  bool matches(const std::string& regex, const std::string& topic);
  // Drops the expressions no member of `groups` uses any more.
  void retain_used(const std::map<std::string, ConsumerGroup>& groups);

 private:
  std::map<std::string, std::unique_ptr<re2::RE2>> compiled_;
};

// The metadata of every topic some member subscribes to (by name or pattern), as `catalog` has
// it; topics it does not have are left out.
SubscribedTopicMetadata resolve_subscriptions(const ConsumerGroup& group,
                                              const TopicCatalogView& catalog,
                                              SubscriptionPatterns& patterns);

// The group's spec for the assignor: each member with the ids of the topics it subscribes to,
// among the group's subscription metadata, and its current target for stickiness.
GroupSpec group_spec(const ConsumerGroup& group, SubscriptionPatterns& patterns);

}  // namespace groupwire::coordinator
