// Reading every partition at once, for observers (metrics, the lag sampler): each partition is
// read on its own thread, and the caller waits for all of them.
#pragma once

#include <chrono>
#include <future>
#include <memory>
#include <optional>
#include <type_traits>
#include <vector>

#include "group/group_partition.h"
#include "server/gather.h"
#include "server/partitions.h"

namespace groupwire::coordinator {

// What `read` returns for each partition, in partition order; nullopt when they do not all
// answer within `timeout` (stopping, or stuck).
template <class Read>
auto read_partitions(Partitions& partitions, Read read, std::chrono::milliseconds timeout)
    -> std::optional<std::vector<std::invoke_result_t<Read&, GroupPartition&>>> {
  using Answer = std::invoke_result_t<Read&, GroupPartition&>;
  struct Answers {
    Gather<Answer> slots;
    std::promise<void> done;
    explicit Answers(std::size_t n) : slots(n, n) {}
  };
  const std::size_t n = partitions.size();
  // Shared with the posted reads: one answering after the wait gave up writes into live memory.
  auto answers = std::make_shared<Answers>(n);
  auto all_read = answers->done.get_future();
  for (std::size_t p = 0; p < n; ++p) {
    partitions.post(p, [answers, read, p](GroupPartition& g) {
      answers->slots.slot(p) = read(g);
      if (answers->slots.arrive()) answers->done.set_value();
    });
  }
  if (all_read.wait_for(timeout) != std::future_status::ready) return std::nullopt;
  return std::move(answers->slots.slots());
}

}  // namespace groupwire::coordinator
