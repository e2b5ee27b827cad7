#include "server/read_batches.h"

#include <array>

namespace groupwire::coordinator {

namespace {

// Room for a few hundred heartbeats; a bigger batch takes further blocks from the heap, which
// the reset returns.
constexpr std::size_t kFirstBlock = 64 * 1024;
// Batches in flight at once: one being read and one being run per worker is the usual most.
constexpr std::size_t kKept = 4;

}  // namespace

struct ReadBatches::Slot {
  Slot() : arena(block.data(), block.size()) { renew(); }
  void renew() { batch = google::protobuf::Arena::CreateMessage<pb::CallBatch>(&arena); }

  std::array<char, kFirstBlock> block;
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
  Slot* s = slot.release();
  return std::shared_ptr<pb::CallBatch>(
      s->batch, [pool = shared_from_this(), s](pb::CallBatch*) { pool->give_back(s); });
}

void ReadBatches::give_back(Slot* slot) {
  std::unique_ptr<Slot> owned(slot);
  owned->arena.Reset();
  owned->renew();
  std::lock_guard lock(mu_);
  if (free_.size() < kKept) free_.push_back(std::move(owned));
}

}  // namespace groupwire::coordinator
