// A GroupLog the test controls: appends succeed at once, or, once held, wait until the test
// completes them (in order) with the outcome it chooses. Every batch is kept for inspection.
#pragma once

#include <deque>
#include <utility>
#include <vector>

#include "storage/group_log.h"

namespace groupwire::coordinator::testing {

class ManualLog : public GroupLog {
 public:
  void append(WriteBatch batch, Done done) override {
    batches_.push_back(batch);
    if (holding_) {
      waiting_.push_back(std::move(done));
    } else {
      done(v1::NONE);
    }
  }

  // Appends from now on wait for complete().
  void hold() { holding_ = true; }
  // Finishes the oldest waiting append with `outcome`.
  void complete(v1::ErrorCode outcome = v1::NONE) {
    auto done = std::move(waiting_.front());
    waiting_.pop_front();
    done(outcome);
  }
  void complete_all(v1::ErrorCode outcome = v1::NONE) {
    while (!waiting_.empty()) complete(outcome);
  }

  const std::vector<WriteBatch>& batches() const { return batches_; }
  const WriteBatch& last() const { return batches_.back(); }

 private:
  bool holding_ = false;
  std::deque<Done> waiting_;
  std::vector<WriteBatch> batches_;
};

}  // namespace groupwire::coordinator::testing
