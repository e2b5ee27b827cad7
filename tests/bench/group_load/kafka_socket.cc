#include "group_load/kafka_socket.h"

#include <cstring>

#include <boost/asio/redirect_error.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>

#include "server/frame.h"

namespace groupwire::bench {

namespace {

// Answers in these benchmarks are small, except a big group's JoinGroup for its leader.
constexpr std::size_t kMaxFrameBytes = 64u * 1024 * 1024;
// Small, because a benchmark holds up to 100,000 connections; it grows for larger answers.
constexpr std::size_t kMinReadBytes = 512;

}  // namespace

asio::awaitable<std::string> KafkaSocket::connect(const Broker& to,
                                                  std::optional<asio::ip::address> from) {
  std::string error;
  if (secured()) {
    co_await gateway::log_in_upstream(*transport_, to.name, *security_, error);
    co_return error;
  }
  tcp::socket& socket = transport_->socket();
  error_code ec;
  if (from) {
    socket.open(to.endpoint.protocol(), ec);
    if (!ec) socket.bind(tcp::endpoint(*from, 0), ec);
  }
  if (!ec) {
    co_await socket.async_connect(to.endpoint, asio::redirect_error(asio::use_awaitable, ec));
  }
  if (!ec) socket.set_option(tcp::no_delay(true), ec);
  if (ec) error = ec.message();
  co_return error;
}

asio::awaitable<error_code> KafkaSocket::send(const std::string& frame) {
  error_code ec;
  co_await transport_->visit([&](auto& stream) {
    return asio::async_write(stream, asio::buffer(frame),
                             asio::redirect_error(asio::use_awaitable, ec));
  });
  co_return ec;
}

std::optional<std::size_t> KafkaSocket::buffered_frame_size() const {
  if (end_ - begin_ < 4) return 4;
  auto size = gateway::frame_body_size(
      reinterpret_cast<const std::uint8_t*>(buffer_.data() + begin_), kMaxFrameBytes);
  if (!size) return std::nullopt;
  return 4 + *size;
}

bool KafkaSocket::frame_buffered() const {
  auto needed = buffered_frame_size();
  return needed && end_ - begin_ >= *needed;
}

asio::awaitable<error_code> KafkaSocket::receive(std::string_view& frame) {
  while (true) {
    std::size_t available = end_ - begin_;
    auto size = buffered_frame_size();
    if (!size) co_return make_error_code(boost::system::errc::message_size);
    std::size_t needed = *size;
    if (available >= needed) {
      frame = std::string_view(buffer_.data() + begin_, needed);
      begin_ += needed;
      co_return error_code{};
    }
    // Keep the partial frame at the front, with room for the rest of it.
    if (begin_ > 0) {
      std::memmove(buffer_.data(), buffer_.data() + begin_, available);
      begin_ = 0;
      end_ = available;
    }
    if (buffer_.size() < std::max(needed, kMinReadBytes)) {
      buffer_.resize(std::max(needed, kMinReadBytes));
    }
    error_code ec;
    auto space = asio::buffer(buffer_.data() + end_, buffer_.size() - end_);
    std::size_t n = co_await transport_->visit([&](auto& stream) {
      return stream.async_read_some(space, asio::redirect_error(asio::use_awaitable, ec));
    });
    if (ec) co_return ec;
    end_ += n;
  }
}

void KafkaSocket::close() {
  transport_->close();
}

void KafkaSocket::reset() {
  close();
  transport_.emplace(gateway::upstream_transport(transport_->get_executor(), *security_));
  begin_ = end_ = 0;
}

}  // namespace groupwire::bench
