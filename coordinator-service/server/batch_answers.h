// The answers of one batch of calls, gathered so that they reach the stream together.
#pragma once

#include <cstddef>
#include <memory>
#include <mutex>
#include <vector>

#include "groupwire/coordinator/v1/coordinator.pb.h"

namespace groupwire::coordinator {

namespace pb = groupwire::coordinator::v1;

using Answers = std::vector<pb::Answer>;

// Where a Calls stream's answers go. Shared by the calls still pending on the stream, so an
// answer that comes after the stream has ended finds the sink and is dropped there.
class AnswerSink {
 public:
  virtual ~AnswerSink() = default;
  virtual void answer(pb::Answer answer) = 0;
  virtual void answer(Answers answers) = 0;
};

// Holds the answers given while a batch's calls are being started and while each worker runs
// its share of them, and hands them on in one go once the last share is done: one write per
// batch instead of one per answer, or per worker. Answers given later (a call that waited for a
// write or a rebalance) pass straight through. Thread-safe: shares run on several workers.
class BatchAnswers final : public AnswerSink {
 public:
  // Holding from the start, for whoever starts the batch: it releases once all shares are out.
  explicit BatchAnswers(std::shared_ptr<AnswerSink> to) : to_(std::move(to)) {}

  void answer(pb::Answer answer) override;
  void answer(Answers answers) override;

  void hold();
  void release();

 private:
  std::shared_ptr<AnswerSink> to_;
  std::mutex mu_;
  std::size_t holds_ = 1;
  Answers held_;
};

}  // namespace groupwire::coordinator
