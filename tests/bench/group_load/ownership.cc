#include "group_load/ownership.h"

#include <algorithm>

namespace groupwire::bench {

Ownership::Ownership(int members, int partitions)
    : of_member_(static_cast<std::size_t>(members)),
      owner_count_(static_cast<std::size_t>(partitions), 0) {}

int Ownership::set(int member, const std::vector<std::int32_t>& partitions) {
  auto& held = of_member_[static_cast<std::size_t>(member)];
  int given_up = 0;
  for (std::int32_t p : held) {
    if (!std::binary_search(partitions.begin(), partitions.end(), p)) ++given_up;
    count(p, -1);
  }
  for (std::int32_t p : partitions) count(p, +1);
  held = partitions;
  return given_up;
}

void Ownership::count(std::int32_t partition, int delta) {
  if (partition < 0 || static_cast<std::size_t>(partition) >= owner_count_.size()) {
    outside_ += delta;
    return;
  }
  int& n = owner_count_[static_cast<std::size_t>(partition)];
  if (n == 1) --single_owner_;
  n += delta;
  if (n == 1) ++single_owner_;
}

bool Ownership::exact() const {
  return outside_ == 0 && single_owner_ == static_cast<int>(owner_count_.size());
}

std::vector<int> Ownership::owners() const {
  std::vector<int> out(owner_count_.size(), -1);
  for (std::size_t m = 0; m < of_member_.size(); ++m) {
    for (std::int32_t p : of_member_[m]) {
      auto i = static_cast<std::size_t>(p);
      if (p >= 0 && i < out.size() && owner_count_[i] == 1) out[i] = static_cast<int>(m);
    }
  }
  return out;
}

int Ownership::moved(const std::vector<int>& before, const std::vector<int>& after) {
  int n = 0;
  for (std::size_t p = 0; p < std::min(before.size(), after.size()); ++p) {
    if (before[p] != after[p]) ++n;
  }
  return n;
}

}  // namespace groupwire::bench
