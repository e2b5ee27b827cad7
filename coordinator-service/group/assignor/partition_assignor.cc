#include "group/assignor/partition_assignor.h"

#include <algorithm>

#include "group/assignor/range_assignor.h"
#include "group/assignor/uniform_assignor.h"

namespace groupwire::coordinator {

TopicId TopicId::from_bytes(std::string_view b) {
  TopicId id;
  if (b.size() != id.bytes.size()) return id;
  std::transform(b.begin(), b.end(), id.bytes.begin(),
                 [](char c) { return static_cast<std::uint8_t>(c); });
  return id;
}

std::string TopicId::to_bytes() const {
  return std::string(bytes.begin(), bytes.end());
}

std::string TopicId::to_string() const {
  static constexpr char kAlphabet[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  std::string out;
  out.reserve(22);
  // Three bytes make four characters; the 16th byte alone makes two (no padding).
  for (std::size_t i = 0; i < bytes.size(); i += 3) {
    const std::size_t n = std::min<std::size_t>(3, bytes.size() - i);
    std::uint32_t chunk = 0;
    for (std::size_t j = 0; j < 3; ++j) chunk = (chunk << 8) | (j < n ? bytes[i + j] : 0u);
    for (std::size_t k = 0; k <= n; ++k) out.push_back(kAlphabet[(chunk >> (18 - 6 * k)) & 0x3F]);
  }
  return out;
}

std::unique_ptr<PartitionAssignor> make_assignor(std::string_view name) {
  if (name == "uniform") return make_uniform_assignor();
  if (name == "range") return make_range_assignor();
  return nullptr;
}

}  // namespace groupwire::coordinator
