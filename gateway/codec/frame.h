// Whole frames (size prefix, header, body) for the gateway's own requests to an upstream broker
// and for reading that broker's answers.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "codec/codec.h"
#include "codec/header.h"

namespace groupwire::kafka {

inline void patch_frame_size(std::string& frame) {
  auto size = static_cast<std::uint32_t>(frame.size() - 4);
  for (int i = 0; i < 4; ++i) frame[i] = static_cast<char>(size >> (8 * (3 - i)));
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

// Decodes an answer frame (size prefix included) of version `version`. `trailing`, when given,
// receives the number of bytes left after the body.
template <TopLevelMessage M>
bool decode_response_frame(std::string_view frame, ApiVersion version, M& out,
                           std::size_t* trailing = nullptr) {
  if (frame.size() < 4) return false;
  Reader r(frame.data() + 4, frame.size() - 4);
  std::int32_t correlation_id = 0;
  bool flexible = is_flexible<M>(version);
  if (!decode_response_header(r, response_header_flexible(M::kApiKey, flexible), correlation_id)) {
    return false;
  }
  if (!decode(r, version, out)) return false;
  if (trailing != nullptr) *trailing = r.remaining();
  return true;
}

}  // namespace groupwire::kafka
