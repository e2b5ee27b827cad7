// Whole frames (size prefix, header, body) for the gateway's own requests to an upstream broker
// and for reading that broker's answers; the load generator (tests/bench) uses them too.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "kafka/codec/codec.h"
#include "kafka/codec/header.h"

namespace groupwire::kafka {

inline void put_int32_at(std::string& frame, std::size_t offset, std::uint32_t value) {
  for (std::size_t i = 0; i < 4; ++i) frame[offset + i] = static_cast<char>(value >> (8 * (3 - i)));
}

inline void patch_frame_size(std::string& frame) {
  put_int32_at(frame, 0, static_cast<std::uint32_t>(frame.size() - 4));
}

// Renumbers an encoded request frame, so that one encoding can be sent many times: every request
// header version puts the correlation id right after the size, api key and api version.
inline void patch_correlation_id(std::string& frame, std::int32_t correlation_id) {
  put_int32_at(frame, 8, static_cast<std::uint32_t>(correlation_id));
}

template <TopLevelMessage M>
std::string encode_request_frame(const M& body, ApiVersion version, std::int32_t correlation_id,
                                 std::optional<std::string> client_id) {
  std::string frame(4, '\0');
  encode_request_header(
      {static_cast<std::int16_t>(M::kApiKey), version, correlation_id, std::move(client_id)},
      is_flexible<M>(version), frame);
  encode(body, version, frame);
  patch_frame_size(frame);
  return frame;
}

// Decodes an answer frame (size prefix included) of version `version`. `correlation_id` and
// `trailing`, when given, receive the header's correlation id and the bytes left after the body.
template <TopLevelMessage M>
bool decode_response_frame(std::string_view frame, ApiVersion version, M& out,
                           std::int32_t* correlation_id = nullptr,
                           std::size_t* trailing = nullptr) {
  if (frame.size() < 4) return false;
  Reader r(frame.data() + 4, frame.size() - 4);
  std::int32_t id = 0;
  bool flexible = is_flexible<M>(version);
  if (!decode_response_header(r, response_header_flexible(M::kApiKey, flexible), id)) {
    return false;
  }
  if (correlation_id != nullptr) *correlation_id = id;
  if (!decode(r, version, out)) return false;
  if (trailing != nullptr) *trailing = r.remaining();
  return true;
}

}  // namespace groupwire::kafka
