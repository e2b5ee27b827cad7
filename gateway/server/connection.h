// One client connection: reads frames, hands them to the dispatcher, and writes responses back
// in request order even when handlers finish out of order. All state lives on the socket's
// thread (see io_threads.h); handlers answer from any thread through post().
#pragma once

#include <chrono>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <utility>  // before asio: Boost 1.74 awaitable.hpp uses std::exchange unincluded

#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>

#include "security/listener_security.h"
#include "server/dispatcher.h"
#include "server/open_connections.h"
#include "server/session.h"
#include "server/transport.h"
#include "upstream/upstream_link.h"

namespace groupwire::gateway {

struct ConnectionLimits {
  std::size_t max_frame_bytes;
  std::chrono::milliseconds idle_timeout;
  std::chrono::milliseconds frame_timeout;
  std::chrono::milliseconds upstream_timeout{30000};  // an upstream answer later than this fails
  std::size_t max_in_flight = 256;  // pipelined requests awaiting answers before reads pause
};

class Connection : public Session, public std::enable_shared_from_this<Connection> {
 public:
  Connection(Transport transport, const Dispatcher& dispatcher, const ConnectionLimits& limits,
             const BrokerIdentity& listener, std::shared_ptr<OpenConnections> open,
             const ListenerSecurity& security = {});
  ~Connection() override;

  void start();
  // Graceful shutdown: reads no further request, answers the ones in flight, then closes.
  void drain();

  const BrokerIdentity& listener() const override { return listener_; }
  Authentication& authentication() override { return *authentication_; }
  void forward_upstream(std::string frame, bool expects_response, UpstreamReply reply,
                        AnswerPart parts) override;
  AnswerPart answer_in_parts() override;
  std::optional<std::string> take_request() override;
  void close(const std::string& reason) override;
  boost::asio::any_io_executor executor() override { return transport_.get_executor(); }
  void run_alone(std::function<void()> start) override;

 private:
  using Clock = std::chrono::steady_clock;
  struct Slot {
    std::vector<std::string> parts;  // of an answer written in parts, not yet written
    std::string frame;               // the (rest of the) answer, once ready
    bool ready = false;
  };

  // The request that runs alone, until it is answered; `start` is empty once called.
  struct Alone {
    std::uint64_t seq;
    std::function<void()> start;
  };

  // What the reader does once it has dispatched what it could.
  enum class Next {
    kRead,  // read more: the frame at the head is incomplete
    kWait,  // for room among the requests in flight, or for the request running alone
    kStop,  // closed, refused, or drained
  };

  boost::asio::awaitable<void> read_loop();
  // `wanted`: the bytes from `start` the head frame needs, as far as known.
  // `in[start, end)`: bytes read and not yet dispatched. A large frame's handler may take `in`.
  Next dispatch_frames(std::string& in, std::size_t& start, std::size_t& end, std::size_t& wanted);
  // The TLS handshake, then who the client is; false when the connection closed instead.
  boost::asio::awaitable<bool> establish();
  // A bare SASL token (after SaslHandshake v0) in place of a request; false: authentication failed.
  bool take_bare_token(std::string_view token, std::uint64_t seq);
  void start_alone_when_ready();
  boost::asio::awaitable<void> watchdog();
  void complete(std::uint64_t seq, std::string frame);
  void append(std::uint64_t seq, std::string part);
  void flush();
  void set_deadline(Clock::time_point t);
  void refuse(const std::string& why);
  void close_now(const std::string& why);
  void close_if_drained();

  Transport transport_;
  const Dispatcher& dispatcher_;
  ConnectionLimits limits_;
  BrokerIdentity listener_;
  std::shared_ptr<UpstreamLink> upstream_;  // opened by the first relayed request
  std::shared_ptr<OpenConnections> open_;
  std::shared_ptr<const SaslSettings> sasl_;
  std::shared_ptr<const UpstreamSecurity> upstream_security_;
  std::optional<Authentication> authentication_;  // set once the connection is established
  std::string peer_;
  std::string peer_host_;

  std::deque<Slot> pending_;  // pending_[0] holds sequence number first_seq_
  std::uint64_t first_seq_ = 0;
  std::uint64_t dispatching_seq_ = 0;     // the request inside dispatch
  std::string* whole_request_ = nullptr;  // its frame, while take_request may take it
  std::optional<Alone> alone_;
  bool writing_ = false;
  bool closed_ = false;
  std::string write_buffer_;              // small answers, written together
  std::vector<std::string> write_parts_;  // then large ones and parts, written where they are
  std::vector<boost::asio::const_buffer> write_buffers_;

  bool idle_ = true;     // waiting for a new frame: the idle timeout applies if nothing is pending
  bool reading_ = true;  // read_loop still runs
  bool draining_ = false;
  Clock::time_point deadline_at_ = Clock::time_point::max();  // the watchdog's; see set_deadline
  boost::asio::steady_timer deadline_;
  boost::asio::steady_timer space_;  // wakes the reader when in-flight slots free up, or when
                                     // the request running alone is answered
};

}  // namespace groupwire::gateway
