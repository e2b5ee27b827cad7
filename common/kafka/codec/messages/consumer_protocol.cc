// Reading and writing the version-prefixed consumer protocol blobs (see consumer_protocol.h).

#include "kafka/codec/messages/consumer_protocol.h"

#include <algorithm>
#include <utility>

#include "kafka/codec/codec.h"
#include "kafka/codec/wire.h"

namespace groupwire::kafka {

namespace {

template <class M>
bool decode_versioned(std::string_view bytes, M& out, std::int16_t* version) {
  Reader r(bytes.data(), bytes.size());
  auto v = r.read_int<std::int16_t>();
  if (!r.ok()) return false;
  if (version != nullptr) *version = v;
  if (v < 0) return false;
  M m;
  if (!decode_body(r, std::min(v, M::kValid.hi), /*flexible=*/false, m)) return false;
  out = std::move(m);
  return true;
}

template <class M>
std::string encode_versioned(const M& m, std::int16_t version) {
  std::string out;
  Writer(out).write_int(version);
  encode_body(m, version, /*flexible=*/false, out);
  return out;
}

}  // namespace

bool decode_consumer_protocol(std::string_view bytes, ConsumerProtocolSubscription& out,
                              std::int16_t* version) {
  return decode_versioned(bytes, out, version);
}

bool decode_consumer_protocol(std::string_view bytes, ConsumerProtocolAssignment& out,
                              std::int16_t* version) {
  return decode_versioned(bytes, out, version);
}

std::string encode_consumer_protocol(const ConsumerProtocolSubscription& m, std::int16_t version) {
  return encode_versioned(m, version);
}

std::string encode_consumer_protocol(const ConsumerProtocolAssignment& m, std::int16_t version) {
  return encode_versioned(m, version);
}

}  // namespace groupwire::kafka
