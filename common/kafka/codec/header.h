// Request and response headers. Hand-written rather than declarative because header v2 breaks
// the flexible rule: client_id keeps its classic int16 length so that any broker can read any
// ApiVersions request header.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "kafka/codec/api_key.h"
#include "kafka/codec/schema.h"
#include "kafka/codec/wire.h"

namespace groupwire::kafka {

struct RequestHeader {
  std::int16_t api_key = 0;
  ApiVersion api_version = 0;
  std::int32_t correlation_id = 0;
  std::optional<std::string> client_id;  // null is treated as "" by Kafka
  bool operator==(const RequestHeader&) const = default;
};

// Reads api key and version only: they decide the header version, so they come first.
bool peek_api(std::string_view frame, std::int16_t& api_key, ApiVersion& api_version);

// flexible: the request's API version is flexible, i.e. header v2 (tag buffer after client_id).
bool decode_request_header(Reader& r, bool flexible, RequestHeader& out);
void encode_request_header(const RequestHeader& h, bool flexible, std::string& out);

// flexible: response header v1 (tag buffer after the correlation id).
bool decode_response_header(Reader& r, bool flexible, std::int32_t& correlation_id);
void encode_response_header(std::int32_t correlation_id, bool flexible, std::string& out);

// ApiVersions responses always use header v0 (KIP-511), whatever their body version.
constexpr bool response_header_flexible(ApiKey key, bool body_flexible) {
  return body_flexible && key != ApiKey::ApiVersions;
}

}  // namespace groupwire::kafka
