// What the PostgreSQL store and the cluster's lease table share of libpq: connections with
// bounded waits, parameters and results in binary format, and reading stored groups back.
#pragma once

#include <libpq-fe.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "storage/records.h"

namespace groupwire::coordinator::pg {

// Type OIDs of the parameters, all sent in binary: PostgreSQL's built-in bytea, int4 and int8.
inline constexpr Oid kBytea = 17;
inline constexpr Oid kInt4 = 23;
inline constexpr Oid kInt8 = 20;
inline constexpr Oid kByteaArray = 1001;
inline constexpr Oid kInt4Array = 1007;
inline constexpr Oid kInt8Array = 1016;

// A prepared statement of the writer.
struct Sql {
  const char* name;
  const char* text;
  std::vector<Oid> types;
};

struct ClearResult {
  void operator()(PGresult* r) const { PQclear(r); }
};
using Result = std::unique_ptr<PGresult, ClearResult>;

std::string trimmed(const char* message);
std::string sqlstate(const PGresult* r);
// Failures the next attempt can get past: the connection, a conflict with another transaction,
// a server out of resources or shutting down, a read-only server (a standby, after a failover).
bool transient(const std::string& state);

// A connection to `conninfo` (check PQstatus), with bounded waits so that a server that stops
// answering fails calls instead of holding them: the connection string's own settings win.
PGconn* connect(const std::string& conninfo);
// Where pg points, without the password: host:port/dbname.
std::string describe(PGconn* pg);

Result exec(PGconn* pg, const char* sql, bool binary = false);
bool ok(const Result& r);
std::string error_of(PGconn* pg, const Result& r);

// The groups, consumer group records and offsets stored, of one group partition or of all.
std::optional<StoredGroups> read_groups(PGconn* pg, std::optional<std::int32_t> partition,
                                        std::string& error);

inline std::string big_endian(std::uint64_t v, int bytes) {
  std::string out(static_cast<std::size_t>(bytes), '\0');
  for (int i = bytes - 1; i >= 0; --i, v >>= 8) {
    out[static_cast<std::size_t>(i)] = static_cast<char>(v & 0xff);
  }
  return out;
}

// A value in PostgreSQL's binary format; nullopt is NULL.
inline std::optional<std::string> binary(const std::string& bytes) {
  return bytes;
}
inline std::optional<std::string> binary(std::int32_t v) {
  return big_endian(static_cast<std::uint32_t>(v), 4);
}
inline std::optional<std::string> binary(std::int64_t v) {
  return big_endian(static_cast<std::uint64_t>(v), 8);
}
template <class T>
std::optional<std::string> binary(const std::optional<T>& v) {
  if (!v) return std::nullopt;
  return binary(*v);
}

// A one-dimensional array parameter in binary format: dimensions, a null flag, the element type,
// the length and lower bound, then each element as length and bytes (-1: NULL).
class Array {
 public:
  explicit Array(Oid element) : element_(element) {}
  template <class T>
  void push(const T& value) {
    auto v = binary(value);
    elements_ += big_endian(v ? static_cast<std::uint32_t>(v->size()) : 0xffffffffu, 4);
    if (v) elements_ += *v;
    has_null_ |= !v;
    ++size_;
  }
  std::string encode() const {
    return big_endian(1, 4) + big_endian(has_null_ ? 1 : 0, 4) + big_endian(element_, 4) +
           big_endian(size_, 4) + big_endian(1, 4) + elements_;
  }

 private:
  Oid element_;
  std::uint32_t size_ = 0;
  bool has_null_ = false;
  std::string elements_;
};

// Query parameters, all in binary format.
class Params {
 public:
  template <class T>
  Params& add(const T& value) {
    values_.push_back(binary(value));
    return *this;
  }
  Params& add(const Array& array) {
    values_.emplace_back(array.encode());
    return *this;
  }

  // Sends them with the prepared statement `sql`.
  int send(PGconn* pg, const Sql& sql) const {
    std::vector<const char*> values;
    std::vector<int> lengths;
    for (const auto& v : values_) {
      values.push_back(v ? v->data() : nullptr);
      lengths.push_back(v ? static_cast<int>(v->size()) : 0);
    }
    std::vector<int> formats(values_.size(), 1);
    return PQsendQueryPrepared(pg, sql.name, static_cast<int>(values_.size()), values.data(),
                               lengths.data(), formats.data(), 1);
  }

 private:
  std::vector<std::optional<std::string>> values_;
};

// A column of a row of a binary-format result.
class Row {
 public:
  Row(const PGresult* r, int row) : r_(r), row_(row) {}
  std::string bytes(int col) const {
    return std::string(PQgetvalue(r_, row_, col),
                       static_cast<std::size_t>(PQgetlength(r_, row_, col)));
  }
  std::optional<std::string> optional_bytes(int col) const {
    if (PQgetisnull(r_, row_, col)) return std::nullopt;
    return bytes(col);
  }
  std::int32_t int4(int col) const { return static_cast<std::int32_t>(integer(col)); }
  std::int64_t int8(int col) const { return static_cast<std::int64_t>(integer(col)); }
  std::optional<std::int64_t> optional_int8(int col) const {
    if (PQgetisnull(r_, row_, col)) return std::nullopt;
    return int8(col);
  }

 private:
  std::uint64_t integer(int col) const {
    std::uint64_t v = 0;
    const char* p = PQgetvalue(r_, row_, col);
    for (int i = 0; i < PQgetlength(r_, row_, col); ++i) {
      v = (v << 8) | static_cast<unsigned char>(p[i]);
    }
    // A 4-byte value is signed: extend it.
    if (PQgetlength(r_, row_, col) == 4 && (v & 0x80000000u)) v |= 0xffffffff00000000u;
    return v;
  }

  const PGresult* r_;
  int row_;
};

template <class Each>
void each_row(const PGresult* r, Each each) {
  for (int i = 0; i < PQntuples(r); ++i) each(Row(r, i));
}

}  // namespace groupwire::coordinator::pg
