// The vocabulary of message definitions. Each Kafka message is a plain struct whose static
// fields(msg, visitor) lists every field once, in wire order, with the versions it exists in,
// the versions where it may be null and, for tagged fields, its tag. That one list drives
// decoding, encoding, the round-trip tests and the debug dump.
#pragma once

#include <array>
#include <compare>
#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace groupwire::kafka {

using ApiVersion = std::int16_t;

struct Versions {
  ApiVersion lo = 0;
  ApiVersion hi = INT16_MAX;
  constexpr bool contains(ApiVersion v) const { return v >= lo && v <= hi; }
};

constexpr Versions since(ApiVersion v) {
  return {v, INT16_MAX};
}
constexpr Versions between(ApiVersion lo, ApiVersion hi) {
  return {lo, hi};
}
inline constexpr Versions kNever{1, 0};

struct Field {
  const char* name;
  Versions present;
  Versions nullable = kNever;
  int tag = -1;  // >= 0: a tagged field (flexible versions only), held as std::optional
};

// Kafka `bytes`: distinct from `string` on the wire only by its int32 classic length.
struct Bytes {
  std::string data;
  bool operator==(const Bytes&) const = default;
};

using Uuid = std::array<std::uint8_t, 16>;

// The shape of a visitor; used only to state the concept below.
struct FieldProbe {
  template <class T>
  void operator()(T&, const Field&) {}
};

template <class T>
concept Message = requires(T& m, FieldProbe& p) {
  T::fields(m, p);
};

// Properties of a top-level request or response: its API, valid and flexible versions.
template <class T>
concept TopLevelMessage = Message<T> && requires {
  T::kApiKey;
  T::kValid;
  T::kFlexible;
};

}  // namespace groupwire::kafka
