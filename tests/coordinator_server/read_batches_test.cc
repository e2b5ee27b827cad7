// ReadBatches: every batch handed out is empty, also one read into before and given back, and a
// batch outlives the pool it came from.
#include "server/read_batches.h"

#include <memory>
#include <string>

#include <gtest/gtest.h>

namespace groupwire::coordinator {
namespace {

void fill(pb::CallBatch& batch, int calls) {
  for (int i = 0; i < calls; ++i) {
    auto* call = batch.add_calls();
    call->set_id(static_cast<std::uint64_t>(i));
    call->mutable_heartbeat()->set_group_id("group");
    call->mutable_heartbeat()->set_member_id(std::string(100, 'm'));  // too long to be inline
  }
}

TEST(ReadBatches, AGivenBackBatchComesBackEmpty) {
  auto batches = ReadBatches::make();
  for (int round = 0; round < 10; ++round) {
    auto batch = batches->take();
    ASSERT_NE(batch, nullptr);
    EXPECT_EQ(batch->calls_size(), 0) << "round " << round;
    fill(*batch, 1000);  // more than one arena block
    auto held = batch;   // the work running its calls
    batch.reset();
    EXPECT_EQ(held->calls_size(), 1000);
    EXPECT_EQ(held->calls(999).heartbeat().member_id(), std::string(100, 'm'));
  }
}

TEST(ReadBatches, ABatchOutlivesItsPool) {
  auto batches = ReadBatches::make();
  auto batch = batches->take();
  batches.reset();
  fill(*batch, 3);
  EXPECT_EQ(batch->calls(2).heartbeat().group_id(), "group");
}

}  // namespace
}  // namespace groupwire::coordinator
