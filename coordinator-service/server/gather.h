// Answers gathered from several partition threads, for calls that fan out to partitions.
#pragma once

#include <atomic>
#include <cstddef>
#include <vector>

namespace groupwire::coordinator {

// Each writer fills only its own slots, then arrives; exactly one, the last, gets true and (by
// acq_rel) sees every slot.
template <class T>
class Gather {
 public:
  Gather(std::size_t slots, std::size_t arrivals) : slots_(slots), remaining_(arrivals) {}
  T& slot(std::size_t i) { return slots_[i]; }
  std::vector<T>& slots() { return slots_; }
  bool arrive() { return remaining_.fetch_sub(1, std::memory_order_acq_rel) == 1; }

 private:
  std::vector<T> slots_;
  std::atomic<std::size_t> remaining_;
};

}  // namespace groupwire::coordinator
