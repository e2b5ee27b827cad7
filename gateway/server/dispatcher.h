// Routes a request frame to the handler registered for its (api key, version), decoding the
// body with the API's message definition and encoding the handler's answer for the same version.
// Handlers may answer from any thread, at any later time.
#pragma once

#include <array>
#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "kafka/codec/codec.h"
#include "kafka/codec/frame.h"
#include "kafka/codec/header.h"
#include "kafka/codec/messages/all.h"
#include "security/acl.h"
#include "server/session.h"

namespace groupwire::gateway {

// Who sent a request and what they may do; small enough to keep for an answer that comes later.
struct Authorization {
  std::string principal{kAnonymousPrincipal};
  std::shared_ptr<const security::AclSet> acls;  // null: no ACL file, everything is allowed

  bool restricted() const { return acls != nullptr; }
  // Kafka's authorize(): whether the principal may do `op` on the named resource.
  bool allowed(security::AclOperation op, security::ResourceType type,
               std::string_view name) const {
    return !acls || acls->allows(principal, op, type, name);
  }
};

struct RequestContext {
  kafka::RequestHeader header;
  std::string client_host;
  Authorization authorization;
  std::shared_ptr<Session> session;  // null outside a real connection (unit tests)

  bool allowed(security::AclOperation op, security::ResourceType type,
               std::string_view name) const {
    return authorization.allowed(op, type, name);
  }
};

// Receives a complete response frame, size prefix included.
using FrameCallback = std::function<void(std::string frame)>;

template <class Resp>
using Respond = std::function<void(Resp)>;

template <class Req, class Resp>
using Handler = std::function<void(const RequestContext&, Req, Respond<Resp>)>;

enum class DispatchOutcome {
  kDispatched,   // the callback will be called exactly once
  kMalformed,    // the frame does not decode: close the connection
  kUnsupported,  // unknown API or version: close the connection, as Kafka does
};

struct DispatchResult {
  DispatchOutcome outcome;
  std::string reason;  // for the log line when not dispatched
};

// Sees every answered request (for metrics), on whatever thread answers it.
class RequestObserver {
 public:
  virtual ~RequestObserver() = default;
  // `error`: the response's top-level error code; nullopt where the API has none or the answer
  // was relayed without being read (upstream mode).
  virtual void on_response(std::int16_t api_key, kafka::ApiVersion version,
                           std::optional<std::int16_t> error,
                           std::chrono::steady_clock::duration elapsed) = 0;
};

class Dispatcher {
 public:
  template <kafka::TopLevelMessage Req, kafka::TopLevelMessage Resp>
  void add(Handler<Req, Resp> handler) {
    static_assert(Req::kApiKey == Resp::kApiKey);
    auto& e = entries_.at(static_cast<std::size_t>(Req::kApiKey));
    e.registered = true;
    e.valid = Req::kValid;
    e.flexible = Req::kFlexible;
    e.invoke = [h = std::move(handler)](RequestContext&& ctx, kafka::Reader& body, Answer done) {
      Req req;
      if (!kafka::decode(body, ctx.header.api_version, req)) return false;
      kafka::ApiVersion version = ctx.header.api_version;
      std::int32_t correlation_id = ctx.header.correlation_id;
      h(ctx, std::move(req), [version, correlation_id, done = std::move(done)](Resp resp) {
        std::optional<std::int16_t> error;
        if constexpr (requires { resp.error_code; }) error = resp.error_code;
        done(encode_response_frame(resp, version, correlation_id), error);
      });
      return true;
    };
  }

  // Passes a request through untouched: only api key, version and correlation id are read
  // (header.client_id stays empty), so any version the peer serves can be relayed.
  using RawHandler = std::function<void(RequestContext&&, std::string_view frame, FrameCallback)>;
  void add_raw(std::int16_t api_key, kafka::Versions valid, RawHandler handler);
  // Whether a handler is registered for the API, offered or not (see offer_while).
  bool serves(std::int16_t api_key) const;
  // Offers a registered API only while `offered()` says so (what the coordinators serve decides
  // it): otherwise ApiVersions does not advertise it and a request for it is unsupported, as for
  // an API without a handler. Set before dispatching starts; `offered` is called on every
  // connection's thread.
  void offer_while(std::int16_t api_key, std::function<bool()> offered);

  // Set before dispatching starts.
  void set_observer(std::shared_ptr<RequestObserver> observer) { observer_ = std::move(observer); }
  // The ACLs each request is authorized against (re-read when their file changes); set before
  // dispatching starts. Without it every principal may do everything.
  void set_acls(std::function<std::shared_ptr<const security::AclSet>()> acls) {
    acls_ = std::move(acls);
  }

  DispatchResult dispatch(std::string_view frame, std::string client_host, FrameCallback done,
                          std::shared_ptr<Session> session = nullptr) const;

  // What ApiVersions advertises: exactly the registered APIs on offer and their valid versions.
  std::vector<kafka::ApiVersionsResponse::ApiVersion> advertised() const;

  template <kafka::TopLevelMessage Resp>
  static std::string encode_response_frame(const Resp& resp, kafka::ApiVersion version,
                                           std::int32_t correlation_id) {
    std::string frame(4, '\0');
    bool flexible = kafka::is_flexible<Resp>(version);
    kafka::encode_response_header(correlation_id,
                                  kafka::response_header_flexible(Resp::kApiKey, flexible), frame);
    kafka::encode(resp, version, frame);
    kafka::patch_frame_size(frame);
    return frame;
  }

 private:
  // A response frame and its top-level error code, when it has one.
  using Answer = std::function<void(std::string frame, std::optional<std::int16_t> error)>;
  struct Entry {
    bool registered = false;
    kafka::Versions valid;
    kafka::Versions flexible;
    std::function<bool(RequestContext&&, kafka::Reader&, Answer)> invoke;
    RawHandler raw;
    std::function<bool()> offered;  // null: always
    bool available() const { return registered && (!offered || offered()); }
  };
  // Kafka API keys are small and dense: index by key.
  std::array<Entry, 128> entries_;
  std::shared_ptr<RequestObserver> observer_;
  std::function<std::shared_ptr<const security::AclSet>()> acls_;
};

}  // namespace groupwire::gateway
