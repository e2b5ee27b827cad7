// Kafka's primitive encodings: big-endian integers, unsigned varints, classic and compact
// lengths. Reader never throws: the first failure sticks and every later read yields zeroes, so
// a decoder can run to the end and check ok() once.
#pragma once

#include <array>
#include <cstdint>
#include <cstring>
#include <span>
#include <string>
#include <string_view>

namespace groupwire::kafka {

class Reader {
 public:
  explicit Reader(std::span<const std::uint8_t> data) : data_(data) {}
  Reader(const void* data, std::size_t size)
      : data_(static_cast<const std::uint8_t*>(data), size) {}

  bool ok() const { return error_ == nullptr; }
  const char* error() const { return error_; }
  std::size_t position() const { return pos_; }
  std::size_t remaining() const { return ok() ? data_.size() - pos_ : 0; }

  void fail(const char* why) {
    if (error_ == nullptr) error_ = why;
  }

  template <class Int>
  Int read_int() {
    std::uint8_t buf[sizeof(Int)];
    if (!take(buf, sizeof(Int))) return 0;
    std::make_unsigned_t<Int> v = 0;
    for (std::uint8_t b : buf) v = static_cast<decltype(v)>((v << 8) | b);
    return static_cast<Int>(v);
  }

  std::uint32_t read_uvarint() {
    std::uint32_t v = 0;
    for (int shift = 0; shift < 35; shift += 7) {
      std::uint8_t b = read_int<std::uint8_t>();
      if (!ok()) return 0;
      if (shift == 28 && (b & 0xf0) != 0) break;
      v |= static_cast<std::uint32_t>(b & 0x7f) << shift;
      if ((b & 0x80) == 0) return v;
    }
    fail("unsigned varint longer than 5 bytes");
    return 0;
  }

  double read_float64() {
    auto bits = read_int<std::uint64_t>();
    double d;
    std::memcpy(&d, &bits, sizeof d);
    return d;
  }

  // Length of a string, bytes or array: -1 means null. Compact forms store N+1 as a varint.
  std::int64_t read_length(bool compact, bool wide) {
    if (compact) return static_cast<std::int64_t>(read_uvarint()) - 1;
    return wide ? read_int<std::int32_t>() : read_int<std::int16_t>();
  }

  std::string_view read_view(std::size_t n) {
    if (!ok() || n > data_.size() - pos_) {
      fail("field longer than the bytes left in the frame");
      return {};
    }
    std::string_view v(reinterpret_cast<const char*>(data_.data()) + pos_, n);
    pos_ += n;
    return v;
  }

  void skip(std::size_t n) { read_view(n); }

 private:
  bool take(std::uint8_t* out, std::size_t n) {
    if (!ok() || n > data_.size() - pos_) {
      fail("truncated: fewer bytes left than the field needs");
      return false;
    }
    std::memcpy(out, data_.data() + pos_, n);
    pos_ += n;
    return true;
  }

  std::span<const std::uint8_t> data_;
  std::size_t pos_ = 0;
  const char* error_ = nullptr;
};

class Writer {
 public:
  explicit Writer(std::string& out) : out_(out) {}

  template <class Int>
  void write_int(Int v) {
    auto u = static_cast<std::make_unsigned_t<Int>>(v);
    for (int i = sizeof(Int) - 1; i >= 0; --i) out_.push_back(static_cast<char>(u >> (8 * i)));
  }

  void write_uvarint(std::uint32_t v) {
    while (v >= 0x80) {
      out_.push_back(static_cast<char>((v & 0x7f) | 0x80));
      v >>= 7;
    }
    out_.push_back(static_cast<char>(v));
  }

  void write_float64(double d) {
    std::uint64_t bits;
    std::memcpy(&bits, &d, sizeof bits);
    write_int(bits);
  }

  // Counterpart of Reader::read_length; -1 encodes null.
  void write_length(std::int64_t n, bool compact, bool wide) {
    if (compact) {
      write_uvarint(static_cast<std::uint32_t>(n + 1));
    } else if (wide) {
      write_int(static_cast<std::int32_t>(n));
    } else {
      write_int(static_cast<std::int16_t>(n));
    }
  }

  void write_raw(std::string_view bytes) { out_.append(bytes); }
  std::size_t size() const { return out_.size(); }
  std::string& buffer() { return out_; }

 private:
  std::string& out_;
};

}  // namespace groupwire::kafka
