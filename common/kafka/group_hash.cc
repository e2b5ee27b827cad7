#include "kafka/group_hash.h"

#include <string>

namespace groupwire::kafka {

namespace {

constexpr char32_t kReplacement = 0xFFFD;

// Appends the UTF-16 code units of the code point starting at s[i] and advances i. Malformed
// input becomes one U+FFFD per maximal subpart (the Unicode recommendation Java follows).
void next_code_units(std::string_view s, std::size_t& i, std::u16string& out) {
  auto byte = [&](std::size_t k) { return static_cast<unsigned char>(s[k]); };
  unsigned char b0 = byte(i++);
  if (b0 < 0x80) {
    out.push_back(b0);
    return;
  }
  std::size_t len;
  char32_t cp;
  unsigned char lo = 0x80, hi = 0xBF;  // valid range of the second byte
  if (b0 >= 0xC2 && b0 <= 0xDF) {
    len = 2, cp = b0 & 0x1F;
  } else if (b0 >= 0xE0 && b0 <= 0xEF) {
    len = 3, cp = b0 & 0x0F;
    if (b0 == 0xE0) lo = 0xA0;  // overlong
    if (b0 == 0xED) hi = 0x9F;  // surrogates
  } else if (b0 >= 0xF0 && b0 <= 0xF4) {
    len = 4, cp = b0 & 0x07;
    if (b0 == 0xF0) lo = 0x90;  // overlong
    if (b0 == 0xF4) hi = 0x8F;  // above U+10FFFF
  } else {
    out.push_back(kReplacement);
    return;
  }
  for (std::size_t k = 1; k < len; ++k) {
    unsigned char min = k == 1 ? lo : 0x80, max = k == 1 ? hi : 0xBF;
    if (i >= s.size() || byte(i) < min || byte(i) > max) {
      out.push_back(kReplacement);
      return;
    }
    cp = (cp << 6) | (byte(i++) & 0x3F);
  }
  if (cp >= 0x10000) {
    cp -= 0x10000;
    out.push_back(static_cast<char16_t>(0xD800 + (cp >> 10)));
    out.push_back(static_cast<char16_t>(0xDC00 + (cp & 0x3FF)));
  } else {
    out.push_back(static_cast<char16_t>(cp));
  }
}

}  // namespace

std::int32_t java_string_hash(std::string_view utf8) {
  // Java int arithmetic wraps; unsigned arithmetic gives the same bits without overflow UB.
  std::uint32_t h = 0;
  std::u16string units;
  for (std::size_t i = 0; i < utf8.size();) {
    units.clear();
    next_code_units(utf8, i, units);
    for (char16_t u : units) h = 31 * h + u;
  }
  return static_cast<std::int32_t>(h);
}

std::size_t partition_for(std::string_view group_id, std::size_t partitions) {
  std::int32_t h = java_string_hash(group_id);
  // Kafka's Utils.abs maps INT_MIN to 0 rather than overflowing.
  std::int64_t abs = h == INT32_MIN ? 0 : (h < 0 ? -static_cast<std::int64_t>(h) : h);
  return static_cast<std::size_t>(abs) % partitions;
}

}  // namespace groupwire::kafka
