#include "server/listener.h"

#include <spdlog/spdlog.h>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/use_awaitable.hpp>

namespace groupwire::gateway {

namespace asio = boost::asio;
using asio::ip::tcp;

Listener::Listener(asio::io_context& io, const HostPort& listen, const Dispatcher& dispatcher,
                   const ConnectionLimits& limits, std::size_t max_connections)
    : io_(io),
      acceptor_(io),
      dispatcher_(dispatcher),
      limits_(limits),
      max_connections_(max_connections) {
  tcp::resolver resolver(io);
  tcp::endpoint ep = *resolver.resolve(listen.host, std::to_string(listen.port)).begin();
  acceptor_.open(ep.protocol());
  acceptor_.set_option(tcp::acceptor::reuse_address(true));
  acceptor_.bind(ep);
  acceptor_.listen();
}

HostPort Listener::bound() const {
  auto ep = acceptor_.local_endpoint();
  return {ep.address().to_string(), ep.port()};
}

void Listener::start() {
  asio::co_spawn(io_, accept_loop(), asio::detached);
}

asio::awaitable<void> Listener::accept_loop() {
  for (;;) {
    boost::system::error_code ec;
    tcp::socket socket = co_await acceptor_.async_accept(
        asio::make_strand(io_), asio::redirect_error(asio::use_awaitable, ec));
    if (ec) {
      if (ec == asio::error::operation_aborted) co_return;
      spdlog::warn("accept failed: {}", ec.message());
      continue;
    }
    if (open_count_->load() >= max_connections_) {
      spdlog::warn("refusing connection: {} connections open (--max-connections)",
                   open_count_->load());
      ++refused_;
      socket.close(ec);
      continue;
    }
    open_count_->fetch_add(1);
    ++accepted_;
    std::make_shared<Connection>(std::move(socket), dispatcher_, limits_, identity_, open_count_)
        ->start();
  }
}

}  // namespace groupwire::gateway
