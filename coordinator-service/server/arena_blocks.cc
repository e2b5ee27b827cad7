#include "server/arena_blocks.h"

#include <cstddef>
#include <mutex>
#include <new>
#include <vector>

namespace groupwire::coordinator {

namespace {

// Room for a few hundred small calls or answers; bigger messages take more blocks.
constexpr std::size_t kBlockSize = 32 * 1024;
constexpr std::size_t kKeptBlocks = 64;

class FreeBlocks {
 public:
  void* take(std::size_t size) {
    if (size == kBlockSize) {
      std::lock_guard lock(mu_);
      if (!blocks_.empty()) {
        void* b = blocks_.back();
        blocks_.pop_back();
        return b;
      }
    }
    return ::operator new(size);
  }

  void give_back(void* block, std::size_t size) {
    if (size == kBlockSize) {
      std::lock_guard lock(mu_);
      if (blocks_.size() < kKeptBlocks) return blocks_.push_back(block);
    }
    ::operator delete(block);
  }

 private:
  std::mutex mu_;
  std::vector<void*> blocks_;
};

// Never destroyed: an arena may hand its blocks back while the process exits.
FreeBlocks& free_blocks() {
  static auto* blocks = new FreeBlocks;
  return *blocks;
}

}  // namespace

google::protobuf::ArenaOptions pooled_arena_options() {
  google::protobuf::ArenaOptions options;
  options.start_block_size = kBlockSize;
  options.max_block_size = kBlockSize;
  options.block_alloc = [](std::size_t size) { return free_blocks().take(size); };
  options.block_dealloc = [](void* block, std::size_t size) {
    free_blocks().give_back(block, size);
  };
  return options;
}

}  // namespace groupwire::coordinator
