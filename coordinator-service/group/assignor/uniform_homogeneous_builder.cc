#include "group/assignor/uniform_homogeneous_builder.h"

#include <algorithm>
#include <numeric>

namespace groupwire::coordinator::assignor {

namespace {

// Quota of each member: total / members, and one more for total % members of them. Kafka hands
// the extra partitions out in member order; handing them to the members that already hold the
// most leaves more partitions where they are: a member joining a balanced group then takes only
// its share, and no one gives up a partition only to be handed another.
std::vector<std::size_t> member_quotas(const std::vector<std::vector<PartitionRef>>& claimed,
                                       std::size_t total_partitions) {
  const std::size_t members = claimed.size();
  std::vector<std::size_t> quotas(members, total_partitions / members);
  const std::size_t extra = total_partitions % members;
  if (extra == 0) return quotas;

  std::vector<std::size_t> by_holdings(members);
  std::iota(by_holdings.begin(), by_holdings.end(), std::size_t{0});
  std::partial_sort(by_holdings.begin(), by_holdings.begin() + static_cast<std::ptrdiff_t>(extra),
                    by_holdings.end(), [&](std::size_t a, std::size_t b) {
                      if (claimed[a].size() != claimed[b].size()) {
                        return claimed[a].size() > claimed[b].size();
                      }
                      return a < b;
                    });
  for (std::size_t i = 0; i < extra; ++i) ++quotas[by_holdings[i]];
  return quotas;
}

}  // namespace

GroupAssignment assign_uniform_homogeneous(const IndexedGroup& group) {
  if (group.member_count() == 0) return {};
  PartitionOwners owners = unowned_partitions(group);
  const auto claimed = claim_current_assignments(group, owners);

  std::size_t total_partitions = 0;
  for (std::int32_t count : group.partition_counts) total_partitions += count;
  const auto quotas = member_quotas(claimed, total_partitions);

  // Revoke what lies over quota; a member keeps its lowest topic-partitions.
  for (std::size_t m = 0; m < claimed.size(); ++m) {
    for (std::size_t i = quotas[m]; i < claimed[m].size(); ++i) {
      owners[claimed[m][i].topic][claimed[m][i].partition] = kUnowned;
    }
  }

  // Fill the members under quota, in member order, from the unowned partitions in topic then
  // partition order. The quotas add up to the partition count, so every partition gets an owner.
  int t = 0;
  std::int32_t p = 0;
  for (std::size_t m = 0; m < claimed.size(); ++m) {
    std::size_t missing = quotas[m] - std::min(quotas[m], claimed[m].size());
    while (missing > 0) {
      if (p == group.partition_counts[t]) {
        ++t;
        p = 0;
        continue;
      }
      if (owners[t][p] == kUnowned) {
        owners[t][p] = static_cast<int>(m);
        --missing;
      }
      ++p;
    }
  }
  return to_group_assignment(group, owners);
}

}  // namespace groupwire::coordinator::assignor
