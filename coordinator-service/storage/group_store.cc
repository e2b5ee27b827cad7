#include "storage/group_store.h"

#include <algorithm>
#include <chrono>
#include <utility>

namespace groupwire::coordinator {

void GroupStore::start() {
  if (!writer_.joinable()) writer_ = std::thread([this] { run(); });
}

void GroupStore::append(WriteBatch batch, Done done) {
  {
    std::lock_guard lock(mutex_);
    queue_.push_back(std::move(batch));
    dones_.push_back(std::move(done));
  }
  wake_.notify_one();
}

void GroupStore::stop() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_one();
  if (writer_.joinable()) writer_.join();
}

void GroupStore::run() {
  std::vector<WriteBatch> batches;
  std::vector<Done> dones;
  for (;;) {
    {
      std::unique_lock lock(mutex_);
      wake_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
      if (queue_.empty()) return;  // stopping, everything written
      batches.swap(queue_);
      dones.swap(dones_);
    }
    auto started = std::chrono::steady_clock::now();
    std::vector<v1::ErrorCode> outcomes(batches.size(), v1::NONE);
    std::size_t committed = write(batches, outcomes);
    std::size_t written =
        static_cast<std::size_t>(std::count(outcomes.begin(), outcomes.end(), v1::NONE));
    if (committed > 0) {
      transactions_.fetch_add(committed);
      batches_.fetch_add(written);
      if (on_write_) {
        on_write_(std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count(),
                  written);
      }
    }
    for (std::size_t i = 0; i < dones.size(); ++i) dones[i](outcomes[i]);
    batches.clear();
    dones.clear();
  }
}

}  // namespace groupwire::coordinator
