// Building request frames and reading response frames in gateway tests.
#pragma once

#include <string>

#include "kafka/codec/codec.h"
#include "kafka/codec/frame.h"
#include "kafka/codec/header.h"

namespace groupwire::gateway::testing {

// A request frame without its size prefix, as Dispatcher::dispatch takes it.
template <kafka::TopLevelMessage M>
std::string request_frame(const M& body, kafka::ApiVersion version, std::int32_t correlation_id,
                          std::string client_id = "test-client") {
  return kafka::encode_request_frame(body, version, correlation_id, std::move(client_id)).substr(4);
}

inline std::string with_size_prefix(const std::string& frame) {
  auto n = static_cast<std::uint32_t>(frame.size());
  std::string out{static_cast<char>(n >> 24), static_cast<char>(n >> 16), static_cast<char>(n >> 8),
                  static_cast<char>(n)};
  return out + frame;
}

// Decodes a response frame (size prefix included); returns the correlation id.
template <kafka::TopLevelMessage M>
std::int32_t decode_response_frame(const std::string& frame, kafka::ApiVersion version, M& out) {
  kafka::Reader r(frame.data() + 4, frame.size() - 4);
  std::int32_t correlation_id = -1;
  bool flexible = kafka::is_flexible<M>(version);
  kafka::decode_response_header(r, kafka::response_header_flexible(M::kApiKey, flexible),
                                correlation_id);
  if (!kafka::decode(r, version, out)) return -1;
  return correlation_id;
}

}  // namespace groupwire::gateway::testing
