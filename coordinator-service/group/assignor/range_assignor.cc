#include "group/assignor/range_assignor.h"

#include <algorithm>
#include <numeric>

#include "group/assignor/indexed_group.h"

namespace groupwire::coordinator {

namespace {

// Static members first, by instance id; then the others by member id (their index).
std::vector<int> range_order(const assignor::IndexedGroup& group) {
  std::vector<int> order(group.members.size());
  std::iota(order.begin(), order.end(), 0);
  std::sort(order.begin(), order.end(), [&](int a, int b) {
    const auto& a_instance = group.members[a]->instance_id;
    const auto& b_instance = group.members[b]->instance_id;
    if (a_instance.has_value() != b_instance.has_value()) return a_instance.has_value();
    if (a_instance && *a_instance != *b_instance) return *a_instance < *b_instance;
    return a < b;
  });
  return order;
}

// How one topic's partitions are being handed out.
struct TopicRanges {
  std::int32_t min_quota = 0;
  std::int32_t extra = 0;  // members still to get min_quota + 1
  std::int32_t next = 0;   // the first partition not handed out yet
};

}  // namespace

GroupAssignment RangeAssignor::assign(const GroupSpec& group,
                                      const SubscribedTopicMetadata& topics) const {
  const auto indexed = assignor::index_group(group, topics);

  std::vector<std::int32_t> subscriber_counts(indexed.topic_ids.size(), 0);
  for (const auto& subscription : indexed.subscriptions) {
    for (int t : subscription) ++subscriber_counts[t];
  }
  std::vector<TopicRanges> ranges(indexed.topic_ids.size());
  for (int t = 0; t < indexed.topic_count(); ++t) {
    ranges[t].min_quota = indexed.partition_counts[t] / subscriber_counts[t];
    ranges[t].extra = indexed.partition_counts[t] % subscriber_counts[t];
  }

  std::vector<TopicPartitionsById> per_member(indexed.members.size());
  for (int m : range_order(indexed)) {
    for (int t : indexed.subscriptions[m]) {
      auto& range = ranges[t];
      std::int32_t quota = range.min_quota;
      if (range.extra > 0) {
        ++quota;
        --range.extra;
      }
      const std::int32_t start = range.next;
      const std::int32_t end = std::min(start + quota, indexed.partition_counts[t]);
      range.next = end;
      if (start == end) continue;
      // Topics come in ascending order, so each lands at the end.
      auto& partitions =
          per_member[m]
              .emplace_hint(per_member[m].end(), indexed.topic_ids[t], PartitionSet{})
              ->second;
      for (std::int32_t p = start; p < end; ++p) partitions.emplace_hint(partitions.end(), p);
    }
  }

  GroupAssignment result;
  for (int m = 0; m < indexed.member_count(); ++m) {
    result.emplace_hint(result.end(), *indexed.member_ids[m], std::move(per_member[m]));
  }
  return result;
}

std::unique_ptr<PartitionAssignor> make_range_assignor() {
  return std::make_unique<RangeAssignor>();
}

}  // namespace groupwire::coordinator
