#include "server/connection.h"

#include <algorithm>
#include <cstring>
#include <iterator>
#include <string_view>

#include <fmt/format.h>

#include <spdlog/spdlog.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include "batching/coalesce.h"
#include "kafka/codec/header.h"
#include "server/frame.h"

namespace groupwire::gateway {

namespace asio = boost::asio;
using asio::use_awaitable;

namespace {

constexpr std::chrono::milliseconds kDrainLinger{1000};
// Reads ask for at least this much, so pipelined requests arrive in one read; a connection
// keeps a buffer this size (larger ones, for large frames, are released once consumed).
constexpr std::size_t kReadChunk = 1024;
constexpr std::size_t kKeptBuffer = 64 * 1024;
// Answers smaller than this are copied together into one buffer, larger ones written in place.
constexpr std::size_t kCopiedAnswer = 64 * 1024;

const std::shared_ptr<const UpstreamSecurity>& plaintext_upstream() {
  static const auto plaintext = std::make_shared<const UpstreamSecurity>();
  return plaintext;
}

std::string hex_bytes(const std::uint8_t (&b)[4]) {
  return fmt::format("{:02x}{:02x}{:02x}{:02x}", b[0], b[1], b[2], b[3]);
}

}  // namespace

Connection::Connection(Transport transport, const Dispatcher& dispatcher,
                       const ConnectionLimits& limits, const BrokerIdentity& listener,
                       std::shared_ptr<OpenConnections> open, const ListenerSecurity& security)
    : transport_(std::move(transport)),
      dispatcher_(dispatcher),
      limits_(limits),
      listener_(listener),
      open_(std::move(open)),
      sasl_(security.sasl),
      upstream_security_(security.upstream ? security.upstream : plaintext_upstream()),
      deadline_(transport_.get_executor(), Clock::time_point::max()),
      space_(transport_.get_executor(), Clock::time_point::max()) {
  boost::system::error_code ec;
  auto ep = transport_.socket().remote_endpoint(ec);
  if (!ec) {
    peer_host_ = ep.address().to_string();
    peer_ = peer_host_ + ":" + std::to_string(ep.port());
  }
  transport_.socket().set_option(asio::ip::tcp::no_delay(true), ec);
}

Connection::~Connection() {
  open_->remove(this);  // when it was never closed: the io_context stopped under it
}

void Connection::start() {
  auto self = shared_from_this();
  asio::co_spawn(
      transport_.get_executor(), [self] { return self->read_loop(); }, asio::detached);
  asio::co_spawn(
      transport_.get_executor(), [self] { return self->watchdog(); }, asio::detached);
}

// Called several times per request: moving the timer each time would cancel and restart the
// watchdog's wait. Only an earlier deadline moves it; a later one is seen when it fires.
void Connection::set_deadline(Clock::time_point t) {
  deadline_at_ = t;
  if (t < deadline_.expiry()) deadline_.expires_at(t);
}

void Connection::close(const std::string& reason) {
  asio::post(transport_.get_executor(),
             [self = shared_from_this(), reason] { self->close_now(reason); });
}

void Connection::drain() {
  asio::post(transport_.get_executor(), [self = shared_from_this()] {
    self->draining_ = true;
    self->close_if_drained();
  });
}

// A frame being read still gets its answer: only a connection waiting for the next request (or
// done reading) with every answer written is finished. One still waiting closes when the client
// sends again or after a short linger, not at once: kafka-python drops an answer that arrives
// together with the connection's end.
void Connection::close_if_drained() {
  if (!draining_ || !pending_.empty() || writing_) return;
  if (!reading_) {
    close_now("");
  } else if (idle_) {
    set_deadline(Clock::now() + kDrainLinger);
  }
}

void Connection::forward_upstream(std::string frame, bool expects_response, UpstreamReply reply,
                                  AnswerPart parts) {
  if (closed_ || !listener_.upstream) return reply(std::nullopt);
  if (!upstream_) {
    upstream_ = std::make_shared<UpstreamLink>(transport_.get_executor(), *listener_.upstream,
                                               upstream_security_, limits_.upstream_timeout);
  }
  upstream_->send(std::move(frame), expects_response, std::move(reply), std::move(parts));
}

std::optional<std::string> Connection::take_request() {
  if (!whole_request_) return std::nullopt;
  std::string frame = std::move(*whole_request_);
  whole_request_->clear();
  whole_request_ = nullptr;
  return frame;
}

AnswerPart Connection::answer_in_parts() {
  return [self = shared_from_this(), seq = dispatching_seq_](std::string part) {
    self->append(seq, std::move(part));
  };
}

// Requests read before a bad frame were dispatched in the same read: they are still answered,
// as a broker answers pipelined requests in order, and the connection closes after them. Only
// for a moment: one parked upstream or long-polling is not waited for on a connection that
// sent garbage.
void Connection::refuse(const std::string& why) {
  spdlog::warn("closing connection from {}: {}", peer_, why);
  draining_ = true;
  set_deadline(Clock::now() + kDrainLinger);
}

void Connection::close_now(const std::string& why) {
  if (closed_) return;
  closed_ = true;
  // Closed is no longer open, even while an answer still owed (a parked JoinGroup) keeps this
  // object alive: a drain does not wait for a client that is gone.
  open_->remove(this);
  if (!why.empty()) spdlog::warn("closing connection from {}: {}", peer_, why);
  transport_.close();
  deadline_.cancel();
  space_.cancel();
  alone_.reset();  // its start holds this connection
  if (upstream_) {
    upstream_->close();
    upstream_.reset();  // its pending callbacks hold this connection: break the cycle
  }
}

asio::awaitable<void> Connection::watchdog() {
  while (!closed_) {
    boost::system::error_code ec;
    co_await deadline_.async_wait(asio::redirect_error(use_awaitable, ec));
    if (closed_) break;
    if (deadline_at_ > Clock::now()) {  // moved later while we slept
      deadline_.expires_at(deadline_at_);
      continue;
    }
    if (draining_) {
      close_now("");
    } else if (idle_) {
      close_now("idle for " + std::to_string(limits_.idle_timeout.count()) + " ms");
    } else {
      close_now("frame not completed within " + std::to_string(limits_.frame_timeout.count()) +
                " ms");
    }
  }
}

asio::awaitable<bool> Connection::establish() {
  if (transport_.tls()) {
    idle_ = false;  // a handshake not done within the frame timeout closes the connection
    set_deadline(Clock::now() + limits_.frame_timeout);
    auto ec = co_await transport_.accept_handshake();
    if (ec) {
      // A plaintext client on this port, an untrusted or expired certificate, a port scan.
      if (!closed_) close_now(describe_tls_error(ec));
      co_return false;
    }
  }
  authentication_.emplace(sasl_, transport_.peer_common_name());
  co_return !closed_;
}

bool Connection::take_bare_token(std::string_view token, std::uint64_t seq) {
  auto answer = authentication_->bare_token(token, Clock::now());
  if (!answer) return false;
  pending_.emplace_back();
  complete(seq, std::move(*answer));
  return true;
}

// Dispatches every complete frame in `in` from `start` on, until the connection must wait for
// room among its requests in flight (or for the request running alone) or read more. The calls
// they make leave together once all are dispatched (see Coalesce). A frame already started when
// a drain begins is still dispatched; the next one is not.
Connection::Next Connection::dispatch_frames(std::string& in, std::size_t& start, std::size_t& end,
                                             std::size_t& wanted) {
  Coalesce batch;
  auto self = shared_from_this();
  for (;;) {
    if (closed_ || (draining_ && idle_)) return Next::kStop;
    if (pending_.size() >= limits_.max_in_flight) return Next::kWait;
    const std::size_t available = end - start;
    wanted = 4;  // bytes of the frame at the head of the buffer, as far as known
    if (available < 4) return Next::kRead;
    std::uint8_t size_bytes[4];
    std::memcpy(size_bytes, in.data() + start, 4);
    auto size = frame_body_size(size_bytes, limits_.max_frame_bytes);
    if (!size) {
      refuse("frame size prefix " + hex_bytes(size_bytes) + " is negative or above " +
             std::to_string(limits_.max_frame_bytes) + " bytes (--max-frame-bytes)");
      return Next::kStop;
    }
    wanted = 4 + *size;
    if (available < wanted) return Next::kRead;
    std::string_view frame(in.data() + start + 4, *size);
    start += wanted;
    idle_ = true;  // at a frame boundary again
    std::uint64_t seq = first_seq_ + pending_.size();
    if (authentication_->expects_bare_token()) {
      if (take_bare_token(frame, seq)) continue;
      refuse(*authentication_->failure());
      return Next::kStop;
    }
    std::int16_t api_key = -1;  // a frame too short for it is refused as malformed below
    kafka::ApiVersion api_version = 0;
    kafka::peek_api(frame, api_key, api_version);
    if (std::string why; !authentication_->admits(api_key, Clock::now(), why)) {
      refuse(why);
      return Next::kStop;
    }
    pending_.emplace_back();
    dispatching_seq_ = seq;
    // A large frame read into a buffer of its own is the handler's to take (take_request).
    if (start == wanted && end == wanted && wanted > kKeptBuffer) {
      in.resize(end);
      whole_request_ = &in;
    }
    auto result = dispatcher_.dispatch(
        frame, peer_host_,
        [self, seq](std::string response) {
          Coalesce::post(self->transport_.get_executor(),
                         [self, seq, r = std::move(response)]() mutable {
                           self->complete(seq, std::move(r));
                         });
        },
        self);
    whole_request_ = nullptr;
    if (in.empty()) start = end = 0;  // taken: the next frame starts a buffer of its own
    if (result.outcome != DispatchOutcome::kDispatched) {
      pending_.pop_back();  // no answer comes for it
      refuse(result.reason);
      return Next::kStop;
    }
    if (authentication_->failure()) {  // answered, then closed
      refuse(*authentication_->failure());
      return Next::kStop;
    }
    if (alone_) {
      set_deadline(Clock::time_point::max());  // no timeout while it is answered
      return Next::kWait;
    }
  }
}

// Reads whatever the socket has (several pipelined requests at once) and dispatches each
// complete frame from the buffer.
asio::awaitable<void> Connection::read_loop() {
  auto self = shared_from_this();
  if (!co_await establish()) {
    reading_ = false;
    co_return;
  }
  std::string in;  // in[start, end): bytes read and not yet dispatched; then room to read into
  std::size_t start = 0;
  std::size_t end = 0;
  idle_ = true;
  for (;;) {
    std::size_t wanted = 4;
    Next next = dispatch_frames(in, start, end, wanted);
    if (next == Next::kStop) break;
    if (next == Next::kWait) {
      while ((pending_.size() >= limits_.max_in_flight || alone_) && !closed_) {
        boost::system::error_code ec;
        space_.expires_at(Clock::time_point::max());
        co_await space_.async_wait(asio::redirect_error(use_awaitable, ec));
      }
      continue;
    }

    // The head frame is incomplete (or absent): read more.
    const std::size_t available = end - start;
    if (available == 0) {
      idle_ = true;
      set_deadline(pending_.empty() && !writing_ ? Clock::now() + limits_.idle_timeout
                                                 : Clock::time_point::max());
    } else if (idle_) {
      idle_ = false;
      set_deadline(Clock::now() + limits_.frame_timeout);
    }
    if (start > 0) {
      std::memmove(in.data(), in.data() + start, available);
      start = 0;
      end = available;
    }
    if (available == 0 && in.size() > kKeptBuffer) std::string().swap(in);
    const std::size_t room = std::max(wanted - available, kReadChunk);
    // Grown, not shrunk after each read: room is zeroed once, not again at every read of a frame.
    if (in.size() < end + room) in.resize(end + room);
    boost::system::error_code ec;
    std::size_t n = co_await transport_.visit([&](auto& stream) {
      return stream.async_read_some(asio::buffer(in.data() + end, room),
                                    asio::redirect_error(use_awaitable, ec));
    });
    end += n;
    if (ec) {
      // A client that hangs up between requests is closed quietly; anything else is worth a line.
      if (closed_) break;
      if (!idle_) {
        close_now("connection lost mid-frame: " + ec.message());
      } else if (ec != asio::error::eof) {
        close_now("read failed: " + ec.message());
      }
      break;
    }
  }
  reading_ = false;
  // Whatever ended the loop, the connection is done: this also stops the watchdog, which
  // would otherwise keep the connection (and its slot under --max-connections) alive. Only a
  // draining connection first writes the answers still owed.
  if (!draining_) close_now("");
  close_if_drained();
}

void Connection::run_alone(std::function<void()> start) {
  alone_ = Alone{dispatching_seq_, std::move(start)};
  start_alone_when_ready();
}

void Connection::start_alone_when_ready() {
  if (!alone_ || !alone_->start) return;
  for (std::uint64_t s = first_seq_; s < alone_->seq; ++s) {
    if (!pending_[s - first_seq_].ready) return;
  }
  std::exchange(alone_->start, nullptr)();
}

void Connection::complete(std::uint64_t seq, std::string frame) {
  if (closed_) return;
  Slot& slot = pending_[seq - first_seq_];
  slot.frame = std::move(frame);
  slot.ready = true;
  if (alone_ && alone_->seq == seq) {
    alone_.reset();
    space_.cancel();  // the reader goes on
  } else {
    start_alone_when_ready();
  }
  // Answers completed together (one coordinator batch) leave in one write.
  Coalesce::once(this, [self = shared_from_this()] { self->flush(); });
}

void Connection::append(std::uint64_t seq, std::string part) {
  if (closed_) return;
  pending_[seq - first_seq_].parts.push_back(std::move(part));
  flush();
}

void Connection::flush() {
  if (writing_ || closed_) return;
  write_buffer_.clear();
  write_parts_.clear();
  write_buffers_.clear();
  bool freed = false;
  while (!pending_.empty()) {
    Slot& head = pending_.front();
    std::move(head.parts.begin(), head.parts.end(), std::back_inserter(write_parts_));
    head.parts.clear();
    if (!head.ready) break;  // the rest of its answer is still on its way
    if (!write_parts_.empty() || head.frame.size() >= kCopiedAnswer) {
      write_parts_.push_back(std::move(head.frame));
    } else {
      write_buffer_ += head.frame;  // empty for requests without an answer
    }
    pending_.pop_front();
    ++first_seq_;
    freed = true;
  }
  if (freed) space_.cancel();
  // Small answers first, copied together: one write (and one TLS record) for many of them.
  if (!write_buffer_.empty()) write_buffers_.push_back(asio::buffer(write_buffer_));
  for (const auto& part : write_parts_) {
    if (!part.empty()) write_buffers_.push_back(asio::buffer(part));
  }
  if (write_buffers_.empty()) {
    // Nothing owed and everything written: the idle timeout counts from here (a draining
    // connection's linger is close_if_drained's).
    if (pending_.empty() && idle_ && !draining_) {
      set_deadline(Clock::now() + limits_.idle_timeout);
    }
    close_if_drained();
    return;
  }
  if (idle_) set_deadline(Clock::time_point::max());  // not idle while answers are written
  writing_ = true;
  transport_.visit([this](auto& stream) {
    asio::async_write(stream, write_buffers_,
                      [self = shared_from_this()](boost::system::error_code ec, std::size_t) {
                        self->writing_ = false;
                        if (ec) {
                          self->close_now("write failed: " + ec.message());
                          return;
                        }
                        self->flush();
                      });
  });
}

}  // namespace groupwire::gateway
