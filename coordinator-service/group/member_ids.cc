#include "group/member_ids.h"

#include <cstdint>
#include <random>

#include <fmt/format.h>

namespace groupwire::coordinator {

std::string random_member_id() {
  // One generator per thread: each partition's state machine runs on one thread.
  thread_local std::mt19937_64 rng{std::random_device{}()};
  std::uint64_t hi = rng(), lo = rng();
  hi = (hi & 0xffffffffffff0fffull) | 0x4000ull;              // version 4
  lo = (lo & 0x3fffffffffffffffull) | 0x8000000000000000ull;  // variant 1
  return fmt::format("{:08x}-{:04x}-{:04x}-{:04x}-{:012x}", hi >> 32, (hi >> 16) & 0xffff,
                     hi & 0xffff, lo >> 48, lo & 0xffffffffffffull);
}

}  // namespace groupwire::coordinator
