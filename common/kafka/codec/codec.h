// Decoding and encoding driven by a message's field list (see schema.h).
//
// Decoding follows Kafka's broker: truncation, negative non-nullable lengths and over-long varints
// are errors; bytes left after a complete body are ignored; unknown tagged fields are skipped and
// dropped (nothing downstream could use them). Encoding is byte-exact for every value a decoder
// can produce; a null in a version that cannot carry one is written as empty, like a default.
// A nullable struct (std::optional of a struct) carries an int8 marker where it is nullable:
// -1 null, 1 present (any non-negative marker reads as present, as in Kafka).
#pragma once

#include <optional>
#include <span>
#include <string>
#include <type_traits>
#include <vector>

#include "kafka/codec/schema.h"
#include "kafka/codec/wire.h"

namespace groupwire::kafka {

namespace detail {

template <class T>
struct IsOptional : std::false_type {};
template <class T>
struct IsOptional<std::optional<T>> : std::true_type {};

template <class T>
struct IsVector : std::false_type {};
template <class T>
struct IsVector<std::vector<T>> : std::true_type {};

template <class T>
constexpr bool kFixedWidth = std::is_integral_v<T> || std::is_same_v<T, double>;

class ReadVisitor {
 public:
  ReadVisitor(Reader& r, ApiVersion version, bool flexible)
      : r_(r), version_(version), flexible_(flexible) {}

  template <class T>
  void operator()(T& field, const Field& f) {
    if (f.tag < 0 && f.present.contains(version_)) read(field, f.nullable.contains(version_));
  }

  template <class M>
  void read_struct(M& m) {
    M::fields(m, *this);
    if (flexible_) read_tag_buffer(m);
  }

  template <class T>
  void read(T& v, bool nullable) {
    if constexpr (std::is_same_v<T, bool>) {
      v = r_.read_int<std::uint8_t>() != 0;
    } else if constexpr (kFixedWidth<T> && std::is_integral_v<T>) {
      v = r_.read_int<T>();
    } else if constexpr (std::is_same_v<T, double>) {
      v = r_.read_float64();
    } else if constexpr (std::is_same_v<T, Uuid>) {
      auto s = r_.read_view(v.size());
      if (r_.ok()) std::copy(s.begin(), s.end(), v.begin());
    } else if constexpr (std::is_same_v<T, std::string>) {
      read_chars(v, false);
    } else if constexpr (std::is_same_v<T, Bytes>) {
      read_chars(v.data, true);
    } else if constexpr (IsVector<T>::value) {
      read_array(v);
    } else if constexpr (IsOptional<T>::value) {
      read_nullable(v, nullable);
    } else {
      read_struct(v);
    }
  }

  // Reads a length, failing on null (the caller handles nullable forms before calling).
  std::int64_t read_nonnull_length(bool wide, const char* what) {
    auto n = r_.read_length(flexible_, wide);
    if (n < 0) r_.fail(what);
    return n;
  }

  void read_chars(std::string& out, bool wide) {
    auto n = read_nonnull_length(wide, "null in a non-nullable string or bytes field");
    if (r_.ok()) out.assign(r_.read_view(static_cast<std::size_t>(n)));
  }

  template <class E>
  void read_array(std::vector<E>& out) {
    auto n = read_nonnull_length(true, "null in a non-nullable array");
    if (!r_.ok()) return;
    // Every element takes at least one byte: a count beyond the bytes left is malformed, and
    // refusing it early keeps a hostile count from allocating.
    if (static_cast<std::uint64_t>(n) > r_.remaining()) {
      r_.fail("array count larger than the bytes left in the frame");
      return;
    }
    out.resize(static_cast<std::size_t>(n));
    for (auto& e : out) {
      read(e, false);
      if (!r_.ok()) return;
    }
  }

  template <class T>
  void read_nullable(std::optional<T>& out, bool nullable) {
    if constexpr (Message<T>) {
      // A nullable struct: an int8 marker before it, negative for null (as Kafka reads it).
      if (nullable && r_.read_int<std::int8_t>() < 0) {
        out.reset();
        return;
      }
      read(out.emplace(), false);
    } else {
      read_nullable_sized(out, nullable);
    }
  }

  template <class T>
  void read_nullable_sized(std::optional<T>& out, bool nullable) {
    // Peek the length without consuming it: the inner read consumes it again.
    Reader probe = r_;
    constexpr bool wide = !std::is_same_v<T, std::string>;
    if (probe.read_length(flexible_, wide) < 0 && probe.ok()) {
      if (!nullable) {
        r_.fail("null in a version where the field is not nullable");
        return;
      }
      r_ = probe;
      out.reset();
      return;
    }
    read(out.emplace(), false);
  }

  template <class M>
  void read_tag_buffer(M& m);

  Reader& r_;
  ApiVersion version_;
  bool flexible_;
};

// Finds the tagged field with a given tag and decodes its payload into it.
class TagReader {
 public:
  TagReader(std::uint32_t tag, std::string_view payload, ApiVersion version)
      : tag_(tag), payload_(payload), version_(version) {}

  template <class T>
  void operator()(std::optional<T>& field, const Field& f) {
    if (f.tag != static_cast<int>(tag_) || !f.present.contains(version_)) return;
    Reader r(payload_.data(), payload_.size());
    T value{};
    ReadVisitor(r, version_, true).read(value, f.nullable.contains(version_));
    if (!r.ok()) error = r.error();
    field = std::move(value);
  }
  template <class T>
  void operator()(T&, const Field&) {}

  const char* error = nullptr;

 private:
  std::uint32_t tag_;
  std::string_view payload_;
  ApiVersion version_;
};

template <class M>
void ReadVisitor::read_tag_buffer(M& m) {
  std::uint32_t count = r_.read_uvarint();
  for (std::uint32_t i = 0; i < count && r_.ok(); ++i) {
    std::uint32_t tag = r_.read_uvarint();
    std::uint32_t size = r_.read_uvarint();
    std::string_view payload = r_.read_view(size);
    if (!r_.ok()) return;
    TagReader tr(tag, payload, version_);
    M::fields(m, tr);
    if (tr.error != nullptr) r_.fail(tr.error);
  }
}

class WriteVisitor {
 public:
  WriteVisitor(Writer& w, ApiVersion version, bool flexible)
      : w_(w), version_(version), flexible_(flexible) {}

  template <class T>
  void operator()(const T& field, const Field& f) {
    if (f.tag < 0 && f.present.contains(version_)) write(field, f.nullable.contains(version_));
  }

  template <class M>
  void write_struct(const M& m) {
    M::fields(m, *this);
    if (flexible_) write_tag_buffer(m);
  }

  template <class T>
  void write(const T& v, bool nullable) {
    if constexpr (std::is_same_v<T, bool>) {
      w_.write_int<std::uint8_t>(v ? 1 : 0);
    } else if constexpr (std::is_integral_v<T>) {
      w_.write_int(v);
    } else if constexpr (std::is_same_v<T, double>) {
      w_.write_float64(v);
    } else if constexpr (std::is_same_v<T, Uuid>) {
      w_.write_raw(std::string_view(reinterpret_cast<const char*>(v.data()), v.size()));
    } else if constexpr (std::is_same_v<T, std::string>) {
      w_.write_length(static_cast<std::int64_t>(v.size()), flexible_, false);
      w_.write_raw(v);
    } else if constexpr (std::is_same_v<T, Bytes>) {
      w_.write_length(static_cast<std::int64_t>(v.data.size()), flexible_, true);
      w_.write_raw(v.data);
    } else if constexpr (IsVector<T>::value) {
      w_.write_length(static_cast<std::int64_t>(v.size()), flexible_, true);
      for (const auto& e : v) write(e, false);
    } else if constexpr (IsOptional<T>::value) {
      using Value = typename T::value_type;
      if constexpr (Message<Value>) {
        if (nullable) w_.write_int<std::int8_t>(v.has_value() ? 1 : -1);
        if (v.has_value()) {
          write(*v, false);
        } else if (!nullable) {
          write(Value{}, false);
        }
      } else if (v.has_value()) {
        write(*v, false);
      } else if (nullable) {
        w_.write_length(-1, flexible_, !std::is_same_v<Value, std::string>);
      } else {
        write(Value{}, false);
      }
    } else {
      write_struct(v);
    }
  }

 private:
  template <class M>
  void write_tag_buffer(const M& m);

  Writer& w_;
  ApiVersion version_;
  bool flexible_;
};

// Counts, then writes, the tagged fields that are set, in declaration (= tag) order.
class TagWriter {
 public:
  TagWriter(Writer* w, ApiVersion version) : w_(w), version_(version) {}

  template <class T>
  void operator()(const std::optional<T>& field, const Field& f) {
    if (f.tag < 0 || !f.present.contains(version_) || !field.has_value()) return;
    ++count;
    if (w_ == nullptr) return;
    std::string payload;
    Writer pw(payload);
    WriteVisitor(pw, version_, true).write(*field, false);
    w_->write_uvarint(static_cast<std::uint32_t>(f.tag));
    w_->write_uvarint(static_cast<std::uint32_t>(payload.size()));
    w_->write_raw(payload);
  }
  template <class T>
  void operator()(const T&, const Field&) {}

  std::uint32_t count = 0;

 private:
  Writer* w_;
  ApiVersion version_;
};

template <class M>
void WriteVisitor::write_tag_buffer(const M& m) {
  TagWriter counter(nullptr, version_);
  M::fields(m, counter);
  w_.write_uvarint(counter.count);
  TagWriter writer(&w_, version_);
  M::fields(m, writer);
}

}  // namespace detail

template <TopLevelMessage M>
constexpr bool is_flexible(ApiVersion v) {
  return M::kFlexible.contains(v);
}

// Decodes a body that starts at r's position; on failure r.error() says why.
template <Message M>
bool decode_body(Reader& r, ApiVersion version, bool flexible, M& out) {
  detail::ReadVisitor(r, version, flexible).read_struct(out);
  return r.ok();
}

template <TopLevelMessage M>
bool decode(Reader& r, ApiVersion version, M& out) {
  return decode_body(r, version, is_flexible<M>(version), out);
}

template <Message M>
void encode_body(const M& m, ApiVersion version, bool flexible, std::string& out) {
  Writer w(out);
  detail::WriteVisitor(w, version, flexible).write_struct(m);
}

template <TopLevelMessage M>
void encode(const M& m, ApiVersion version, std::string& out) {
  encode_body(m, version, is_flexible<M>(version), out);
}

}  // namespace groupwire::kafka
