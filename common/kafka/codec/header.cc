#include "kafka/codec/header.h"

namespace groupwire::kafka {

namespace {

// Header tagged fields carry nothing we use; they are skipped by size.
void skip_tag_buffer(Reader& r) {
  std::uint32_t count = r.read_uvarint();
  for (std::uint32_t i = 0; i < count && r.ok(); ++i) {
    r.read_uvarint();
    r.skip(r.read_uvarint());
  }
}

}  // namespace

bool peek_api(std::string_view frame, std::int16_t& api_key, ApiVersion& api_version) {
  Reader r(frame.data(), frame.size());
  api_key = r.read_int<std::int16_t>();
  api_version = r.read_int<std::int16_t>();
  return r.ok();
}

bool decode_request_header(Reader& r, bool flexible, RequestHeader& out) {
  out.api_key = r.read_int<std::int16_t>();
  out.api_version = r.read_int<std::int16_t>();
  out.correlation_id = r.read_int<std::int32_t>();
  auto n = r.read_length(false, false);
  if (n >= 0) {
    out.client_id.emplace(r.read_view(static_cast<std::size_t>(n)));
  } else if (n == -1) {
    out.client_id.reset();
  } else {
    r.fail("negative client_id length");
  }
  if (flexible) skip_tag_buffer(r);
  return r.ok();
}

void encode_request_header(const RequestHeader& h, bool flexible, std::string& out) {
  Writer w(out);
  w.write_int(h.api_key);
  w.write_int(h.api_version);
  w.write_int(h.correlation_id);
  if (h.client_id) {
    w.write_length(static_cast<std::int64_t>(h.client_id->size()), false, false);
    w.write_raw(*h.client_id);
  } else {
    w.write_length(-1, false, false);
  }
  if (flexible) w.write_uvarint(0);
}

bool decode_response_header(Reader& r, bool flexible, std::int32_t& correlation_id) {
  correlation_id = r.read_int<std::int32_t>();
  if (flexible) skip_tag_buffer(r);
  return r.ok();
}

void encode_response_header(std::int32_t correlation_id, bool flexible, std::string& out) {
  Writer w(out);
  w.write_int(correlation_id);
  if (flexible) w.write_uvarint(0);
}

}  // namespace groupwire::kafka
