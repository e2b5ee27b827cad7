// BatchAnswers: the answers given while a batch holds reach the stream in one handoff once the
// last hold is released; later answers pass straight through.
#include "server/batch_answers.h"

#include <memory>
#include <utility>
#include <vector>

#include <gtest/gtest.h>

namespace groupwire::coordinator {
namespace {

// Records each handoff: a single answer is a handoff of one.
class Handoffs final : public AnswerSink {
 public:
  void answer(pb::Answer answer) override { handoffs.push_back({std::move(answer)}); }
  void answer(Answers answers) override { handoffs.push_back(std::move(answers)); }
  std::vector<Answers> handoffs;
};

pb::Answer answer(std::uint64_t id) {
  pb::Answer a;
  a.set_id(id);
  a.mutable_heartbeat()->set_error_code(pb::NONE);
  return a;
}

std::vector<std::uint64_t> ids(const Answers& answers) {
  std::vector<std::uint64_t> out;
  for (const auto& a : answers) out.push_back(a.id());
  return out;
}

TEST(BatchAnswers, HeldAnswersLeaveTogetherOnceTheLastHoldIsReleased) {
  auto stream = std::make_shared<Handoffs>();
  auto batch = std::make_shared<BatchAnswers>(stream);  // held by whoever starts the batch
  batch->hold();                                        // two workers' shares
  batch->hold();
  batch->answer(answer(1));
  batch->release();  // the starter is done
  batch->answer(answer(2));
  batch->release();  // one share is done
  Answers more;
  more.push_back(answer(3));
  more.push_back(answer(4));
  batch->answer(std::move(more));
  EXPECT_TRUE(stream->handoffs.empty());
  batch->release();  // the last share is done
  ASSERT_EQ(stream->handoffs.size(), 1u);
  EXPECT_EQ(ids(stream->handoffs[0]), (std::vector<std::uint64_t>{1, 2, 3, 4}));
  EXPECT_EQ(stream->handoffs[0][0].heartbeat().error_code(), pb::NONE);
}

TEST(BatchAnswers, AnswersAfterTheBatchPassStraightThrough) {
  auto stream = std::make_shared<Handoffs>();
  auto batch = std::make_shared<BatchAnswers>(stream);
  batch->release();  // nothing held: no empty handoff
  EXPECT_TRUE(stream->handoffs.empty());
  batch->answer(answer(7));  // a call that waited, answered later
  ASSERT_EQ(stream->handoffs.size(), 1u);
  EXPECT_EQ(ids(stream->handoffs[0]), (std::vector<std::uint64_t>{7}));
}

}  // namespace
}  // namespace groupwire::coordinator
