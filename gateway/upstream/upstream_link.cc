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

// An answer larger than this is passed on in parts of at most this size when its request asks
// for parts: small enough for the allocator to recycle, large enough for few reads.
constexpr std::size_t kAnswerPart = 64 * 1024;

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

void UpstreamLink::send(std::string frame, bool expects_response, UpstreamReply reply,
                        AnswerPart parts) {
  if (failed_) return reply(std::nullopt);
  // The correlation id follows the size prefix, api key and api version.
  std::int32_t correlation_id = frame.size() >= 12 ? int32_at(frame, 8) : -1;
  to_write_.push_back(
      {std::move(frame), {correlation_id, expects_response, std::move(reply), std::move(parts)}});
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
  // Kept across writes, for their capacity.
  std::vector<std::string> frames;
  std::vector<asio::const_buffer> buffers;
  std::vector<UpstreamReply> unanswered;  // done once written
  while (!failed_) {
    if (to_write_.empty()) {
      wake_.expires_at(Clock::time_point::max());
      co_await wake_.async_wait(asio::redirect_error(use_awaitable, ec));
      continue;
    }
    frames.clear();
    buffers.clear();
    unanswered.clear();
    for (auto& out : to_write_) {
      if (out.in_flight.answer_due) {
        if (awaiting_.empty()) deadline_.expires_after(request_timeout_);
        awaiting_.push_back(std::move(out.in_flight));
      } else {
        unanswered.push_back(std::move(out.in_flight.reply));
      }
      frames.push_back(std::move(out.frame));
    }
    to_write_.clear();
    for (const auto& frame : frames) buffers.push_back(asio::buffer(frame));
    co_await transport_.visit([&](auto& s) {
      return asio::async_write(s, buffers, asio::redirect_error(use_awaitable, ec));
    });
    if (ec) {
      for (auto& reply : unanswered) reply(std::nullopt);
      fail("write failed: " + ec.message());
      co_return;
    }
    for (auto& reply : unanswered) reply(std::string());  // written is all there is
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
    frame.resize(4);
    co_await transport_.visit([&](auto& s) {
      return asio::async_read(s, asio::buffer(frame), asio::redirect_error(use_awaitable, ec));
    });
    // No size limit of our own: the client asked for this answer and bounds it itself.
    auto size =
        ec ? std::nullopt
           : frame_body_size(reinterpret_cast<const std::uint8_t*>(frame.data()), INT32_MAX);
    if (failed_) co_return;
    if (!size || *size < 4) {
      fail(ec ? "connection lost: " + ec.message() : "malformed answer frame");
      co_return;
    }
    if (awaiting_.empty()) {
      fail("answer with an unexpected correlation id");
      co_return;
    }
    bool read = awaiting_.front().parts && *size > kAnswerPart
                    ? co_await read_in_parts(frame, *size)
                    : co_await read_whole(frame, *size);
    if (!read) co_return;
  }
}

asio::awaitable<bool> UpstreamLink::read_whole(std::string& frame, std::size_t size) {
  boost::system::error_code ec;
  frame.resize(4 + size);
  co_await transport_.visit([&](auto& s) {
    return asio::async_read(s, asio::buffer(frame.data() + 4, size),
                            asio::redirect_error(use_awaitable, ec));
  });
  if (failed_) co_return false;
  if (ec) {
    fail("connection lost mid-frame: " + ec.message());
    co_return false;
  }
  if (awaiting_.front().correlation_id != int32_at(frame, 4)) {
    fail("answer with an unexpected correlation id");
    co_return false;
  }
  answered(std::move(frame));
  frame.clear();
  co_return true;
}

// The first part is read whole, so that its correlation id is checked before anything passes;
// later ones are passed on as they come.
asio::awaitable<bool> UpstreamLink::read_in_parts(std::string& frame, std::size_t size) {
  bool first = true;
  for (std::size_t left = size; left > 0;) {
    boost::system::error_code ec;
    std::size_t had = frame.size();  // the size prefix, before the first part
    frame.resize(had + std::min(left, kAnswerPart));
    asio::mutable_buffer into(frame.data() + had, frame.size() - had);
    std::size_t n = co_await transport_.visit([&](auto& s) {
      return first ? asio::async_read(s, into, asio::redirect_error(use_awaitable, ec))
                   : s.async_read_some(into, asio::redirect_error(use_awaitable, ec));
    });
    if (failed_) co_return false;
    if (ec) {
      fail("connection lost mid-frame: " + ec.message());
      co_return false;
    }
    if (first && awaiting_.front().correlation_id != int32_at(frame, 4)) {
      fail("answer with an unexpected correlation id");
      co_return false;
    }
    first = false;
    frame.resize(had + n);
    left -= n;
    awaiting_.front().parts(std::move(frame));
    frame = std::string();
    if (failed_) co_return false;
  }
  answered(std::string());
  co_return true;
}

void UpstreamLink::answered(std::string frame) {
  InFlight done = std::move(awaiting_.front());
  awaiting_.pop_front();
  deadline_.expires_at(awaiting_.empty() ? Clock::time_point::max()
                                         : Clock::now() + request_timeout_);
  done.reply(std::move(frame));
}

}  // namespace groupwire::gateway
