// Connections from the gateway to the upstream cluster: TCP, TLS when the upstream requires it,
// then SASL with the gateway's own credentials. The upstream sees the gateway's principal; the
// gateway enforces its clients' ACLs itself.
#pragma once

#include <utility>  // before asio: Boost 1.74 awaitable.hpp uses std::exchange unincluded

#include <memory>
#include <optional>
#include <string>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>

#include "host_port.h"
#include "kafka/codec/frame.h"
#include "server/frame.h"
#include "server/transport.h"

namespace groupwire::gateway {

struct UpstreamCredentials {
  std::string mechanism;  // PLAIN, SCRAM-SHA-256 or SCRAM-SHA-512
  std::string user;
  std::string password;
};

struct UpstreamSecurity {
  std::shared_ptr<boost::asio::ssl::context> tls;  // null: plaintext
  std::optional<UpstreamCredentials> sasl;
};

// An unconnected transport of the kind the upstream needs; closing its socket cancels a login.
Transport upstream_transport(boost::asio::any_io_executor executor,
                             const UpstreamSecurity& security);

// Connects `transport` to `broker` and logs in: the TLS handshake (the broker's certificate must
// name its host), then SaslHandshake and SaslAuthenticate. False with `error` set on failure;
// `refused`, when given, is set when the upstream refused the login (mechanism or credentials),
// which no retry mends.
boost::asio::awaitable<bool> log_in_upstream(Transport& transport, const HostPort& broker,
                                             const UpstreamSecurity& security, std::string& error,
                                             bool* refused = nullptr);

inline constexpr char kUpstreamClientId[] = "groupwire-gateway";
inline constexpr char kUndecodable[] = "undecodable answer";

// One request and its answer on a connection of the gateway's own. `trailing`, when given,
// receives the number of bytes the answer has after its body.
template <kafka::TopLevelMessage Resp, kafka::TopLevelMessage Req>
boost::asio::awaitable<std::optional<Resp>> call(Transport& t, const Req& req,
                                                 kafka::ApiVersion version,
                                                 std::int32_t correlation_id, std::string& error,
                                                 std::size_t* trailing = nullptr) {
  namespace asio = boost::asio;
  using asio::use_awaitable;
  boost::system::error_code ec;
  std::string request =
      kafka::encode_request_frame(req, version, correlation_id, kUpstreamClientId);
  co_await t.visit([&](auto& s) {
    return asio::async_write(s, asio::buffer(request), asio::redirect_error(use_awaitable, ec));
  });
  std::uint8_t size_bytes[4];
  if (!ec) {
    co_await t.visit([&](auto& s) {
      return asio::async_read(s, asio::buffer(size_bytes), asio::redirect_error(use_awaitable, ec));
    });
  }
  if (ec) {
    error = ec.message();
    co_return std::nullopt;
  }
  auto size = frame_body_size(size_bytes, 64u * 1024 * 1024);
  if (!size) {
    error = "answer size out of range";
    co_return std::nullopt;
  }
  std::string frame(reinterpret_cast<const char*>(size_bytes), 4);
  frame.resize(4 + *size);
  co_await t.visit([&](auto& s) {
    return asio::async_read(s, asio::buffer(frame.data() + 4, *size),
                            asio::redirect_error(use_awaitable, ec));
  });
  Resp resp;
  if (ec || !kafka::decode_response_frame(frame, version, resp, nullptr, trailing)) {
    error = ec ? ec.message() : kUndecodable;
    co_return std::nullopt;
  }
  co_return resp;
}

}  // namespace groupwire::gateway
