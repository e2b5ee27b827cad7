#include "upstream/upstream_login.h"

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>

#include "kafka/codec/messages/sasl_authenticate.h"
#include "kafka/codec/messages/sasl_handshake.h"
#include "kafka/error_code.h"
#include "security/sasl_mechanism.h"

namespace groupwire::gateway {

namespace asio = boost::asio;
using asio::use_awaitable;

namespace {

// Correlation ids of the login's requests; the connection's own requests start over after it.
constexpr std::int32_t kHandshakeId = 1;

// False with `error` set; `refused` when the upstream answered with an error (not a lost
// connection).
asio::awaitable<bool> authenticate(Transport& t, const UpstreamCredentials& credentials,
                                   std::string& error, bool& refused) {
  kafka::SaslHandshakeRequest handshake;
  handshake.mechanism = credentials.mechanism;
  auto offered = co_await call<kafka::SaslHandshakeResponse>(t, handshake, 1, kHandshakeId, error);
  if (!offered) co_return false;
  if (offered->error_code != 0) {
    refused = true;
    error = "SaslHandshake: " +
            std::string(kafka::error_name(static_cast<kafka::ErrorCode>(offered->error_code))) +
            " (the upstream offers";
    for (const auto& m : offered->mechanisms) error += " " + m;
    error += ")";
    co_return false;
  }
  auto mechanism =
      security::make_sasl_client(credentials.mechanism, credentials.user, credentials.password);
  if (!mechanism) {
    error = "unknown SASL mechanism " + credentials.mechanism;
    co_return false;
  }
  std::string token = mechanism->initial();
  for (std::int32_t id = kHandshakeId + 1;; ++id) {
    kafka::SaslAuthenticateRequest request;
    request.auth_bytes.data = std::move(token);
    auto answer = co_await call<kafka::SaslAuthenticateResponse>(t, request, 1, id, error);
    if (!answer) co_return false;
    if (answer->error_code != 0) {
      refused = true;
      error = "SaslAuthenticate: " + answer->error_message.value_or(std::string(kafka::error_name(
                                         static_cast<kafka::ErrorCode>(answer->error_code))));
      co_return false;
    }
    auto next = mechanism->step(answer->auth_bytes.data, error);
    if (!next) co_return false;
    if (mechanism->done()) co_return true;
    token = std::move(*next);
  }
}

}  // namespace

Transport upstream_transport(asio::any_io_executor executor, const UpstreamSecurity& security) {
  asio::ip::tcp::socket socket(executor);
  if (security.tls) return Transport(std::move(socket), security.tls);
  return Transport(std::move(socket));
}

asio::awaitable<bool> log_in_upstream(Transport& transport, const HostPort& broker,
                                      const UpstreamSecurity& security, std::string& error,
                                      bool* refused) {
  boost::system::error_code ec;
  // Named locals, not temporaries, cross each co_await: GCC 12 mishandles temporaries there.
  asio::ip::tcp::resolver resolver(transport.get_executor());
  std::string port = std::to_string(broker.port);
  auto endpoints =
      co_await resolver.async_resolve(broker.host, port, asio::redirect_error(use_awaitable, ec));
  if (!ec) {
    co_await asio::async_connect(transport.socket(), endpoints,
                                 asio::redirect_error(use_awaitable, ec));
  }
  if (ec) {
    error = "cannot connect: " + ec.message();
    co_return false;
  }
  transport.socket().set_option(asio::ip::tcp::no_delay(true), ec);
  ec = co_await transport.connect_handshake(broker.host);
  if (ec) {
    error = describe_tls_error(ec);
    co_return false;
  }
  if (!security.sasl) co_return true;
  bool answered_no = false;
  bool authenticated = co_await authenticate(transport, *security.sasl, error, answered_no);
  if (!authenticated) error = "SASL login as " + security.sasl->user + " failed: " + error;
  if (refused) *refused = answered_no;
  co_return authenticated;
}

}  // namespace groupwire::gateway
