#include "group/assignor/indexed_group.h"

#include <algorithm>

namespace groupwire::coordinator::assignor {

int IndexedGroup::topic_index(const TopicId& id) const {
  auto it = std::lower_bound(topic_ids.begin(), topic_ids.end(), id);
  if (it == topic_ids.end() || *it != id) return -1;
  return static_cast<int>(it - topic_ids.begin());
}

bool IndexedGroup::subscribes(int member, int topic) const {
  const auto& topics = subscriptions[member];
  return std::binary_search(topics.begin(), topics.end(), topic);
}

bool IndexedGroup::homogeneous() const {
  return std::all_of(subscriptions.begin(), subscriptions.end(),
                     [&](const std::vector<int>& s) { return s == subscriptions.front(); });
}

IndexedGroup index_group(const GroupSpec& group, const SubscribedTopicMetadata& topics) {
  IndexedGroup g;
  g.member_ids.reserve(group.members.size());
  g.members.reserve(group.members.size());
  for (const auto& [id, member] : group.members) {
    g.member_ids.push_back(&id);
    g.members.push_back(&member);
    g.topic_ids.insert(g.topic_ids.end(), member.subscribed_topic_ids.begin(),
                       member.subscribed_topic_ids.end());
  }
  std::sort(g.topic_ids.begin(), g.topic_ids.end());
  g.topic_ids.erase(std::unique(g.topic_ids.begin(), g.topic_ids.end()), g.topic_ids.end());
  std::erase_if(g.topic_ids, [&](const TopicId& id) { return !topics.contains(id); });

  g.partition_counts.reserve(g.topic_ids.size());
  for (const auto& id : g.topic_ids) {
    g.partition_counts.push_back(std::max(topics.at(id).partitions, std::int32_t{0}));
  }

  g.subscriptions.resize(g.members.size());
  for (std::size_t m = 0; m < g.members.size(); ++m) {
    for (const auto& id : g.members[m]->subscribed_topic_ids) {
      // Ids come in ascending order, so the indices do too.
      if (int t = g.topic_index(id); t >= 0) g.subscriptions[m].push_back(t);
    }
  }
  return g;
}

PartitionOwners unowned_partitions(const IndexedGroup& group) {
  PartitionOwners owners(group.topic_ids.size());
  for (std::size_t t = 0; t < owners.size(); ++t) {
    owners[t].assign(static_cast<std::size_t>(group.partition_counts[t]), kUnowned);
  }
  return owners;
}

std::vector<std::vector<PartitionRef>> claim_current_assignments(const IndexedGroup& group,
                                                                 PartitionOwners& owners) {
  std::vector<std::vector<PartitionRef>> claimed(group.members.size());
  for (int m = 0; m < group.member_count(); ++m) {
    for (const auto& [topic_id, partitions] : group.members[m]->assignment) {
      int t = group.topic_index(topic_id);
      if (t < 0 || !group.subscribes(m, t)) continue;
      auto& topic_owners = owners[t];
      for (std::int32_t p : partitions) {
        if (p < 0 || p >= group.partition_counts[t] || topic_owners[p] != kUnowned) continue;
        topic_owners[p] = m;
        claimed[m].push_back({t, p});
      }
    }
  }
  return claimed;
}

GroupAssignment to_group_assignment(const IndexedGroup& group, const PartitionOwners& owners) {
  std::vector<TopicPartitionsById> per_member(group.members.size());
  // Topics and partitions go in ascending order, so each insertion lands at the end.
  for (int t = 0; t < group.topic_count(); ++t) {
    const TopicId& topic_id = group.topic_ids[t];
    for (std::int32_t p = 0; p < group.partition_counts[t]; ++p) {
      int m = owners[t][p];
      if (m == kUnowned) continue;
      auto& assignment = per_member[m];
      if (assignment.empty() || assignment.rbegin()->first != topic_id) {
        assignment.emplace_hint(assignment.end(), topic_id, PartitionSet{});
      }
      auto& partitions = assignment.rbegin()->second;
      partitions.emplace_hint(partitions.end(), p);
    }
  }
  GroupAssignment result;
  for (int m = 0; m < group.member_count(); ++m) {
    result.emplace_hint(result.end(), *group.member_ids[m], std::move(per_member[m]));
  }
  return result;
}

}  // namespace groupwire::coordinator::assignor
