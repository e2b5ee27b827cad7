// One client connection's link to the upstream broker its listener stands for. Frames go out
// unchanged and in order, every frame queued in one write; Kafka answers in order on a
// connection, so answers are matched to requests first-in first-out (and checked by correlation
// id). A large answer may be passed on in parts as it arrives, so that a relayed Fetch reaches
// the client while the upstream still sends it. Runs on the client connection's strand: no locks.
#pragma once

#include <utility>  // before asio: Boost 1.74 awaitable.hpp uses std::exchange unincluded

#include <chrono>
#include <deque>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>

#include "host_port.h"
#include "server/session.h"
#include "server/transport.h"
#include "upstream/upstream_login.h"

namespace groupwire::gateway {

class UpstreamLink : public std::enable_shared_from_this<UpstreamLink> {
 public:
  UpstreamLink(boost::asio::any_io_executor strand, HostPort broker,
               std::shared_ptr<const UpstreamSecurity> security,
               std::chrono::milliseconds request_timeout);

  // frame: a whole request frame, size prefix included. Requests that get no answer (Produce
  // with acks=0) are completed with an empty frame once written. With `parts`, an answer larger
  // than 64 KiB is handed to `parts` as it arrives, and `reply` then gets an empty frame.
  void send(std::string frame, bool expects_response, UpstreamReply reply, AnswerPart parts = {});
  void close();

 private:
  struct InFlight {
    std::int32_t correlation_id;
    bool answer_due;
    UpstreamReply reply;
    AnswerPart parts;
  };
  struct Outgoing {
    std::string frame;
    InFlight in_flight;
  };

  boost::asio::awaitable<void> run();
  boost::asio::awaitable<void> read_loop();
  // Read the answer to awaiting_.front() after its size prefix (in `frame`): false when the
  // link failed.
  boost::asio::awaitable<bool> read_whole(std::string& frame, std::size_t size);
  boost::asio::awaitable<bool> read_in_parts(std::string& frame, std::size_t size);
  void answered(std::string frame);
  boost::asio::awaitable<void> watchdog();
  void fail(const std::string& why);

  std::shared_ptr<const UpstreamSecurity> security_;
  Transport transport_;
  HostPort broker_;
  std::chrono::milliseconds request_timeout_;
  boost::asio::steady_timer wake_;      // new frames to write
  boost::asio::steady_timer deadline_;  // the oldest unanswered request's deadline
  std::deque<Outgoing> to_write_;
  std::deque<InFlight> awaiting_;
  bool started_ = false;
  bool failed_ = false;
};

}  // namespace groupwire::gateway
