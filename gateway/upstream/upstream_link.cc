#include "upstream/upstream_link.h"

#include "kafka/codec/wire.h"
#include "server/frame.h"

#include <vector>

#include <spdlog/spdlog.h>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/connect.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>

namespace groupwire::gateway {

namespace asio = boost::asio;
using asio::use_awaitable;
using Clock = std::chrono::steady_clock;

namespace {

// An int32 of the frame (correlation ids), read as the codec reads every integer.
std::int32_t int32_at(std::string_view frame, std::size_t offset) {
  kafka::Reader r(frame.data() + offset, frame.size() - offset);
  return r.read_int<std::int32_t>();
}

}  // namespace

UpstreamLink::UpstreamLink(asio::any_io_executor strand, HostPort broker,
                           std::shared_ptr<const UpstreamSecurity> security,
                           std::chrono::milliseconds request_timeout)
    : security_(std::move(security)),
      transport_(upstream_transport(strand, *security_)),
      broker_(std::move(broker)),
      request_timeout_(request_timeout),
      wake_(strand, Clock::time_point::max()),
      deadline_(strand, Clock::time_point::max()) {}

void UpstreamLink::send(std::string frame, bool expects_response, UpstreamReply reply) {
  if (failed_) return reply(std::nullopt);
  // The correlation id follows the size prefix, api key and api version.
  std::int32_t correlation_id = frame.size() >= 12 ? int32_at(frame, 8) : -1;
  to_write_.push_back({std::move(frame), {correlation_id, expects_response, std::move(reply)}});
  wake_.cancel();
  if (!started_) {
    started_ = true;
    asio::co_spawn(
        transport_.get_executor(), [self = shared_from_this()] { return self->run(); },
        asio::detached);
  }
}

void UpstreamLink::close() {
  failed_ = true;
  transport_.close();
  wake_.cancel();
  deadline_.cancel();
  // Callbacks hold their client connection: dropping them lets a closed connection go.
  awaiting_.clear();
  to_write_.clear();
}

void UpstreamLink::fail(const std::string& why) {
  if (failed_) return;
  spdlog::warn("upstream {}: {}", broker_.to_string(), why);
  std::vector<UpstreamReply> pending;
  for (auto& a : awaiting_) pending.push_back(std::move(a.reply));
  for (auto& out : to_write_) pending.push_back(std::move(out.in_flight.reply));
  close();
  for (auto& reply : pending) reply(std::nullopt);
}

asio::awaitable<void> UpstreamLink::run() {
  auto self = shared_from_this();
  std::string error;
  bool logged_in = co_await log_in_upstream(transport_, broker_, *security_, error);
  if (!logged_in) {
    fail(error);
    co_return;
  }
  boost::system::error_code ec;
  asio::co_spawn(
      transport_.get_executor(), [self] { return self->read_loop(); }, asio::detached);
  asio::co_spawn(
      transport_.get_executor(), [self] { return self->watchdog(); }, asio::detached);
  while (!failed_) {
    if (to_write_.empty()) {
      wake_.expires_at(Clock::time_point::max());
      co_await wake_.async_wait(asio::redirect_error(use_awaitable, ec));
      continue;
    }
    Outgoing out = std::move(to_write_.front());
    to_write_.pop_front();
    UpstreamReply no_answer;
    if (out.in_flight.answer_due) {
      if (awaiting_.empty()) deadline_.expires_after(request_timeout_);
      awaiting_.push_back(std::move(out.in_flight));
    } else {
      no_answer = std::move(out.in_flight.reply);
    }
    co_await transport_.visit([&](auto& s) {
      return asio::async_write(s, asio::buffer(out.frame), asio::redirect_error(use_awaitable, ec));
    });
    if (ec) {
      if (no_answer) no_answer(std::nullopt);
      fail("write failed: " + ec.message());
      co_return;
    }
    if (no_answer) no_answer(std::string());  // written is all there is: the slot is done
  }
}

// The oldest unanswered request's deadline: an upstream that stops answering fails the link.
asio::awaitable<void> UpstreamLink::watchdog() {
  auto self = shared_from_this();
  while (!failed_) {
    boost::system::error_code ec;
    co_await deadline_.async_wait(asio::redirect_error(use_awaitable, ec));
    if (failed_) break;
    if (deadline_.expiry() > Clock::now()) continue;  // moved while we slept
    if (awaiting_.empty()) {
      deadline_.expires_at(Clock::time_point::max());
    } else {
      fail("no answer within " + std::to_string(request_timeout_.count()) + " ms");
    }
  }
}

asio::awaitable<void> UpstreamLink::read_loop() {
  auto self = shared_from_this();
  std::string frame;
  while (!failed_) {
    boost::system::error_code ec;
    std::uint8_t size_bytes[4];
    co_await transport_.visit([&](auto& s) {
      return asio::async_read(s, asio::buffer(size_bytes), asio::redirect_error(use_awaitable, ec));
    });
    // No size limit of our own: the client asked for this answer and bounds it itself.
    auto size = ec ? std::nullopt : frame_body_size(size_bytes, INT32_MAX);
    if (!size || *size < 4) {
      fail(ec ? "connection lost: " + ec.message() : "malformed answer frame");
      co_return;
    }
    frame.assign(reinterpret_cast<const char*>(size_bytes), 4);
    frame.resize(4 + *size);
    co_await transport_.visit([&](auto& s) {
      return asio::async_read(s, asio::buffer(frame.data() + 4, *size),
                              asio::redirect_error(use_awaitable, ec));
    });
    if (ec) {
      fail("connection lost mid-frame: " + ec.message());
      co_return;
    }
    if (awaiting_.empty() || awaiting_.front().correlation_id != int32_at(frame, 4)) {
      fail("answer with an unexpected correlation id");
      co_return;
    }
    InFlight done = std::move(awaiting_.front());
    awaiting_.pop_front();
    deadline_.expires_at(awaiting_.empty() ? Clock::time_point::max()
                                           : Clock::now() + request_timeout_);
    done.reply(std::move(frame));
    frame.clear();
  }
}

}  // namespace groupwire::gateway
