#include "server/read_batches.h"

#include "server/arena_blocks.h"

namespace groupwire::coordinator {

namespace {

// Batches kept for reuse: one being read and one being run per worker is the usual most.
constexpr std::size_t kKeptBatches = 4;

}  // namespace

struct ReadBatches::Slot {
  Slot() : arena(pooled_arena_options()) {}

  google::protobuf::Arena arena;
  pb::CallBatch* batch = nullptr;
};

std::shared_ptr<ReadBatches> ReadBatches::make() {
  return std::shared_ptr<ReadBatches>(new ReadBatches);
}

ReadBatches::ReadBatches() = default;
ReadBatches::~ReadBatches() = default;

std::shared_ptr<pb::CallBatch> ReadBatches::take() {
  std::unique_ptr<Slot> slot;
  {
    std::lock_guard lock(mu_);
    if (!free_.empty()) {
      slot = std::move(free_.back());
      free_.pop_back();
    }
  }
  if (!slot) slot = std::make_unique<Slot>();
  // Reset here, on the gRPC thread that parses: the strings too long for the arena (member ids)
  // are then freed where they were allocated.
  slot->arena.Reset();
  slot->batch = google::protobuf::Arena::CreateMessage<pb::CallBatch>(&slot->arena);
  Slot* s = slot.release();
  return std::shared_ptr<pb::CallBatch>(
      s->batch, [pool = shared_from_this(), s](pb::CallBatch*) { pool->give_back(s); });
}

void ReadBatches::give_back(Slot* slot) {
  std::unique_ptr<Slot> owned(slot);
  std::lock_guard lock(mu_);
  if (free_.size() < kKeptBatches) free_.push_back(std::move(owned));
}

}  // namespace groupwire::coordinator
