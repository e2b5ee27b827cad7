// Kafka framing: an int32 size, then that many bytes.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>

namespace groupwire::gateway {

// The body size a 4-byte prefix announces, or nullopt when it is negative or above the limit.
inline std::optional<std::size_t> frame_body_size(const std::uint8_t prefix[4],
                                                  std::size_t max_frame_bytes) {
  auto size =
      static_cast<std::int32_t>(std::uint32_t(prefix[0]) << 24 | std::uint32_t(prefix[1]) << 16 |
                                std::uint32_t(prefix[2]) << 8 | prefix[3]);
  if (size < 0 || static_cast<std::size_t>(size) > max_frame_bytes) return std::nullopt;
  return static_cast<std::size_t>(size);
}

}  // namespace groupwire::gateway
