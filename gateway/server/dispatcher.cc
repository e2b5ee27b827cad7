#include "server/dispatcher.h"

#include <fmt/format.h>

#include "kafka/error_code.h"

namespace groupwire::gateway {

namespace {

// KIP-511: an ApiVersions request newer than we know gets a v0 answer naming our range for
// ApiVersions, so the client can retry with a version we speak. The body is not parsed.
std::string unsupported_api_versions_frame(std::int32_t correlation_id) {
  kafka::ApiVersionsResponse resp;
  resp.error_code = kafka::to_wire(kafka::ErrorCode::UNSUPPORTED_VERSION);
  resp.api_keys.push_back({static_cast<std::int16_t>(kafka::ApiKey::ApiVersions),
                           kafka::ApiVersionsRequest::kValid.lo,
                           kafka::ApiVersionsRequest::kValid.hi});
  return Dispatcher::encode_response_frame(resp, 0, correlation_id);
}

}  // namespace

void Dispatcher::add_raw(std::int16_t api_key, kafka::Versions valid, RawHandler handler) {
  auto& e = entries_.at(static_cast<std::size_t>(api_key));
  e.registered = true;
  e.valid = valid;
  e.raw = std::move(handler);
}

void Dispatcher::offer_while(std::int16_t api_key, std::function<bool()> offered) {
  entries_.at(static_cast<std::size_t>(api_key)).offered = std::move(offered);
}

bool Dispatcher::serves(std::int16_t api_key) const {
  return api_key >= 0 && static_cast<std::size_t>(api_key) < entries_.size() &&
         entries_[api_key].registered;
}

DispatchResult Dispatcher::dispatch(std::string_view frame, std::string client_host,
                                    FrameCallback done, std::shared_ptr<Session> session) const {
  std::int16_t key = 0;
  kafka::ApiVersion version = 0;
  if (!kafka::peek_api(frame, key, version)) {
    return {DispatchOutcome::kMalformed, "frame shorter than a request header"};
  }
  const Entry* entry =
      key >= 0 && static_cast<std::size_t>(key) < entries_.size() ? &entries_[key] : nullptr;
  if (entry == nullptr || !entry->available()) {
    return {DispatchOutcome::kUnsupported, fmt::format("unknown API key {}", key)};
  }
  bool api_versions = key == static_cast<std::int16_t>(kafka::ApiKey::ApiVersions);
  if (!entry->valid.contains(version)) {
    if (!api_versions || version < 0) {
      return {DispatchOutcome::kUnsupported,
              fmt::format("API key {} version {} not supported", key, version)};
    }
    kafka::Reader r(frame.data(), frame.size());
    kafka::RequestHeader header;
    if (!kafka::decode_request_header(r, false, header)) {
      return {DispatchOutcome::kMalformed, std::string("request header: ") + r.error()};
    }
    done(unsupported_api_versions_frame(header.correlation_id));
    return {DispatchOutcome::kDispatched, {}};
  }
  Answer answer = [done = std::move(done), observer = observer_, key, version,
                   start = std::chrono::steady_clock::now()](std::string response,
                                                             std::optional<std::int16_t> error) {
    if (observer) {
      observer->on_response(key, version, error, std::chrono::steady_clock::now() - start);
    }
    done(std::move(response));
  };

  RequestContext ctx;
  ctx.client_host = std::move(client_host);
  if (session) ctx.authorization.principal = session->authentication().principal();
  if (acls_) ctx.authorization.acls = acls_();
  ctx.session = std::move(session);
  kafka::Reader r(frame.data(), frame.size());
  if (entry->raw) {
    ctx.header.api_key = r.read_int<std::int16_t>();
    ctx.header.api_version = r.read_int<std::int16_t>();
    ctx.header.correlation_id = r.read_int<std::int32_t>();
    if (!r.ok()) return {DispatchOutcome::kMalformed, "frame shorter than a request header"};
    entry->raw(std::move(ctx), frame,
               [answer](std::string response) { answer(std::move(response), std::nullopt); });
    return {DispatchOutcome::kDispatched, {}};
  }
  // The header version follows from whether this API version is flexible.
  bool flexible = entry->flexible.contains(version);
  if (!kafka::decode_request_header(r, flexible, ctx.header)) {
    return {DispatchOutcome::kMalformed, std::string("request header: ") + r.error()};
  }
  if (!entry->invoke(std::move(ctx), r, std::move(answer))) {
    return {DispatchOutcome::kMalformed, fmt::format("API key {} v{} body: {} at byte {}", key,
                                                     version, r.error(), r.position())};
  }
  return {DispatchOutcome::kDispatched, {}};
}

std::vector<kafka::ApiVersionsResponse::ApiVersion> Dispatcher::advertised() const {
  std::vector<kafka::ApiVersionsResponse::ApiVersion> out;
  for (std::size_t key = 0; key < entries_.size(); ++key) {
    const auto& e = entries_[key];
    if (e.available()) out.push_back({static_cast<std::int16_t>(key), e.valid.lo, e.valid.hi});
  }
  return out;
}

}  // namespace groupwire::gateway
