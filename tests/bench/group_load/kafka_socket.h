// One connection speaking Kafka frames: a client's requests go out and answers come back in
// order (or, for the echo server, the other way round). Reads are buffered, so pipelined frames
// that arrive together cost one read. A client connection may be TLS and log in with SASL, as
// the gateway's own upstream links do (its Transport and log_in_upstream).
#pragma once

#include <utility>  // before asio: Boost 1.74 awaitable.hpp uses std::exchange unincluded

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/tcp.hpp>

#include "host_port.h"
#include "kafka/codec/frame.h"
#include "server/transport.h"
#include "upstream/upstream_login.h"

namespace groupwire::bench {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;
using boost::system::error_code;

// Where a client connection goes: the address to dial, and the name the broker's TLS certificate
// must carry (as the broker was named: the bootstrap flag, or a FindCoordinator answer).
struct Broker {
  tcp::endpoint endpoint;
  HostPort name;
};

class KafkaSocket {
 public:
  // `security` (TLS and SASL of the connection; plaintext when empty) must outlive the socket.
  KafkaSocket(const asio::any_io_executor& executor, const gateway::UpstreamSecurity& security)
      : security_(&security), transport_(gateway::upstream_transport(executor, security)) {}
  explicit KafkaSocket(tcp::socket accepted) : transport_(std::in_place, std::move(accepted)) {}

  // Empty on success, else why the TCP connect, the TLS handshake or the SASL login failed.
  // `from`: the local address to bind first (spreads connections over loopback addresses, each
  // with its own ephemeral ports); plaintext only, as log_in_upstream dials by name.
  asio::awaitable<std::string> connect(const Broker& to, std::optional<asio::ip::address> from);
  asio::awaitable<error_code> send(const std::string& frame);
  // The next frame, size prefix included; valid until the next receive.
  asio::awaitable<error_code> receive(std::string_view& frame);
  // Whether receive would return at once: a server answers everything read so far in one write.
  bool frame_buffered() const;

  // One request and its answer frame; `id` receives the request's correlation id.
  template <kafka::TopLevelMessage Req>
  asio::awaitable<error_code> exchange(const Req& req, kafka::ApiVersion version, std::int32_t& id,
                                       std::string_view& answer) {
    id = next_correlation_id();
    std::string frame = kafka::encode_request_frame(req, version, id, std::string(kClientId));
    error_code ec = co_await send(frame);
    if (!ec) ec = co_await receive(answer);
    co_return ec;
  }

  // One request and its decoded answer, which must carry the request's correlation id.
  template <kafka::TopLevelMessage Req, kafka::TopLevelMessage Resp>
  asio::awaitable<error_code> call(const Req& req, kafka::ApiVersion version, Resp& out) {
    std::int32_t id = 0;
    std::string_view answer;
    error_code ec = co_await exchange(req, version, id, answer);
    if (ec) co_return ec;
    co_return decode_answer(answer, version, id, out);
  }

  template <kafka::TopLevelMessage Resp>
  static error_code decode_answer(std::string_view frame, kafka::ApiVersion version,
                                  std::int32_t expected_id, Resp& out) {
    std::int32_t id = 0;
    if (!kafka::decode_response_frame(frame, version, out, &id)) {
      return make_error_code(boost::system::errc::bad_message);
    }
    if (id != expected_id) return make_error_code(boost::system::errc::protocol_error);
    return {};
  }

  std::int32_t next_correlation_id() { return next_id_++; }
  void close();
  // Closed, and ready to connect again (a client connection).
  void reset();

  static constexpr std::string_view kClientId = "groupwire-bench";

 private:
  // The whole size of the frame at the front of the buffer (4 while its size is incomplete);
  // nullopt for a size out of range.
  std::optional<std::size_t> buffered_frame_size() const;

  bool secured() const { return security_->tls || security_->sasl; }

  const gateway::UpstreamSecurity* security_ = nullptr;  // null: an accepted connection
  // Re-made by reset: a TLS stream can be neither reused nor assigned.
  std::optional<gateway::Transport> transport_;
  std::string buffer_;  // bytes [begin_, end_) are received and not yet handed out
  std::size_t begin_ = 0;
  std::size_t end_ = 0;
  std::int32_t next_id_ = 1;
};

}  // namespace groupwire::bench
