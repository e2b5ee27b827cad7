// A fake upstream broker for tests: an Asio acceptor on 127.0.0.1 (a free port) served by its own
// thread. It reads whole frames and answers each as its script says: frames of the test's
// choosing, nothing at all, or closing the connection. It records every request and every
// connection's end so that a test can wait for them.
#pragma once

#include <utility>  // before asio: Boost 1.74 awaitable.hpp uses std::exchange unincluded

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include <boost/asio/awaitable.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>

#include "host_port.h"

namespace groupwire::gateway::testing {

inline std::int32_t read_be32(std::string_view bytes, std::size_t at) {
  return static_cast<std::int32_t>(
      static_cast<std::uint32_t>(static_cast<unsigned char>(bytes[at])) << 24 |
      static_cast<std::uint32_t>(static_cast<unsigned char>(bytes[at + 1])) << 16 |
      static_cast<std::uint32_t>(static_cast<unsigned char>(bytes[at + 2])) << 8 |
      static_cast<std::uint32_t>(static_cast<unsigned char>(bytes[at + 3])));
}

inline std::string be32(std::int32_t v) {
  auto u = static_cast<std::uint32_t>(v);
  return {static_cast<char>(u >> 24), static_cast<char>(u >> 16), static_cast<char>(u >> 8),
          static_cast<char>(u)};
}

// Of a whole request frame (size prefix included).
inline std::int16_t request_api_key(std::string_view frame) {
  return static_cast<std::int16_t>(static_cast<unsigned char>(frame[4]) << 8 |
                                   static_cast<unsigned char>(frame[5]));
}
inline std::int16_t request_api_version(std::string_view frame) {
  return static_cast<std::int16_t>(static_cast<unsigned char>(frame[6]) << 8 |
                                   static_cast<unsigned char>(frame[7]));
}
inline std::int32_t request_correlation_id(std::string_view frame) {
  return read_be32(frame, 8);
}

// A whole answer frame: size prefix, correlation id, then `payload` as it is.
inline std::string answer_frame(std::int32_t correlation_id, const std::string& payload) {
  std::string body = be32(correlation_id) + payload;
  return be32(static_cast<std::int32_t>(body.size())) + body;
}

// What the fake broker does with one request.
struct BrokerAction {
  std::vector<std::string> answers;  // whole frames, written in order
  bool close = false;                // then close the connection
};

// request: a whole frame (size prefix included); connection: 0 for the first accepted, 1 next...
using BrokerScript = std::function<BrokerAction(const std::string& request, int connection)>;

class FakeBroker {
 public:
  explicit FakeBroker(BrokerScript script)
      : script_(std::move(script)),
        acceptor_(io_, {boost::asio::ip::make_address("127.0.0.1"), 0}) {
    boost::asio::co_spawn(io_, accept_loop(), boost::asio::detached);
    thread_ = std::thread([this] { io_.run(); });
  }

  ~FakeBroker() {
    io_.stop();
    thread_.join();
  }

  FakeBroker(const FakeBroker&) = delete;
  FakeBroker& operator=(const FakeBroker&) = delete;

  HostPort address() const { return {"127.0.0.1", acceptor_.local_endpoint().port()}; }

  // Every request received so far, once there are at least n; nullopt after `timeout`.
  std::optional<std::vector<std::string>> wait_for_requests(
      std::size_t n, std::chrono::milliseconds timeout = std::chrono::seconds(5)) {
    std::unique_lock lock(mu_);
    if (!cv_.wait_for(lock, timeout, [&] { return requests_.size() >= n; })) return std::nullopt;
    return requests_;
  }

  // True once n connections have ended (closed by either side) within `timeout`.
  bool wait_for_ended_connections(std::size_t n,
                                  std::chrono::milliseconds timeout = std::chrono::seconds(5)) {
    std::unique_lock lock(mu_);
    return cv_.wait_for(lock, timeout, [&] { return ended_ >= n; });
  }

  std::size_t accepted() {
    std::lock_guard lock(mu_);
    return accepted_;
  }

 private:
  boost::asio::awaitable<void> accept_loop() {
    for (int index = 0;; ++index) {
      boost::system::error_code ec;
      auto socket = co_await acceptor_.async_accept(
          boost::asio::redirect_error(boost::asio::use_awaitable, ec));
      if (ec) co_return;
      {
        std::lock_guard lock(mu_);
        ++accepted_;
      }
      boost::asio::co_spawn(io_, serve(std::move(socket), index), boost::asio::detached);
    }
  }

  boost::asio::awaitable<void> serve(boost::asio::ip::tcp::socket socket, int index) {
    using boost::asio::redirect_error;
    using boost::asio::use_awaitable;
    for (;;) {
      boost::system::error_code ec;
      std::string frame(4, '\0');
      co_await boost::asio::async_read(socket, boost::asio::buffer(frame),
                                       redirect_error(use_awaitable, ec));
      if (ec) break;
      auto size = read_be32(frame, 0);
      if (size < 0) break;
      frame.resize(4 + static_cast<std::size_t>(size));
      co_await boost::asio::async_read(
          socket, boost::asio::buffer(frame.data() + 4, static_cast<std::size_t>(size)),
          redirect_error(use_awaitable, ec));
      if (ec) break;
      {
        std::lock_guard lock(mu_);
        requests_.push_back(frame);
      }
      cv_.notify_all();
      BrokerAction action = script_(frame, index);
      for (const auto& answer : action.answers) {
        co_await boost::asio::async_write(socket, boost::asio::buffer(answer),
                                          redirect_error(use_awaitable, ec));
        if (ec) break;
      }
      if (ec || action.close) break;
    }
    boost::system::error_code ignored;
    socket.shutdown(boost::asio::ip::tcp::socket::shutdown_both, ignored);
    socket.close(ignored);
    {
      std::lock_guard lock(mu_);
      ++ended_;
    }
    cv_.notify_all();
  }

  BrokerScript script_;
  boost::asio::io_context io_;
  boost::asio::ip::tcp::acceptor acceptor_;
  std::thread thread_;

  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<std::string> requests_;
  std::size_t accepted_ = 0;
  std::size_t ended_ = 0;
};

// A port on 127.0.0.1 that nothing listens on (bound for a moment, then released).
inline std::uint16_t closed_port() {
  boost::asio::io_context io;
  boost::asio::ip::tcp::acceptor a(io, {boost::asio::ip::make_address("127.0.0.1"), 0});
  return a.local_endpoint().port();
}

}  // namespace groupwire::gateway::testing
