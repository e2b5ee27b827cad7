#include "server/listener.h"

#include <unistd.h>

#include <spdlog/spdlog.h>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/use_awaitable.hpp>

namespace groupwire::gateway {

namespace asio = boost::asio;
using asio::ip::tcp;

Listener::Listener(IoThreads& threads, const HostPort& listen, const Dispatcher& dispatcher,
                   const ConnectionLimits& limits, std::size_t max_connections,
                   ListenerSecurity security)
    : threads_(threads),
      acceptor_(threads.main()),
      dispatcher_(dispatcher),
      limits_(limits),
      max_connections_(max_connections),
      security_(std::move(security)) {
  tcp::resolver resolver(threads.main());
  tcp::endpoint ep = *resolver.resolve(listen.host, std::to_string(listen.port)).begin();
  protocol_ = ep.protocol();
  acceptor_.open(protocol_);
  acceptor_.set_option(tcp::acceptor::reuse_address(true));
  acceptor_.bind(ep);
  acceptor_.listen();
}

HostPort Listener::bound() const {
  auto ep = acceptor_.local_endpoint();
  return {ep.address().to_string(), ep.port()};
}

void Listener::start() {
  asio::co_spawn(acceptor_.get_executor(), accept_loop(), asio::detached);
}

void Listener::drain(std::function<void()> drained) {
  asio::post(acceptor_.get_executor(), [this, drained = std::move(drained)]() mutable {
    boost::system::error_code ec;
    auto address = acceptor_.local_endpoint(ec);
    auto open = open_->count();
    // Connections are told first: whoever sees the port closed finds them draining already.
    open_->drain(std::move(drained));
    acceptor_.close(ec);
    spdlog::info("{}:{}: accepting no more connections; draining {} open",
                 address.address().to_string(), address.port(), open);
  });
}

asio::awaitable<void> Listener::accept_loop() {
  for (;;) {
    boost::system::error_code ec;
    tcp::socket accepted =
        co_await acceptor_.async_accept(asio::redirect_error(asio::use_awaitable, ec));
    // An accept that completed just before a drain closed the acceptor is refused too.
    if (!acceptor_.is_open()) co_return;
    if (ec) {
      spdlog::warn("accept failed: {}", ec.message());
      continue;
    }
    if (auto open = open_->count(); open >= max_connections_) {
      spdlog::warn("refusing connection: {} connections open (--max-connections)", open);
      ++refused_;
      accepted.close(ec);
      continue;
    }
    // The connection lives on the next I/O thread. Accepted here and handed over, not accepted
    // into that thread's context: a pending accept would then hold an object of another
    // context, which may be gone first when the contexts are destroyed.
    const auto fd = accepted.release(ec);
    tcp::socket socket(threads_.next());
    if (!ec) socket.assign(protocol_, fd, ec);
    if (ec) {
      spdlog::warn("accept failed: {}", ec.message());
      if (!socket.is_open()) ::close(fd);
      continue;
    }
    ++accepted_;
    Transport transport = security_.tls ? Transport(std::move(socket), security_.tls())
                                        : Transport(std::move(socket));
    auto connection = std::make_shared<Connection>(std::move(transport), dispatcher_, limits_,
                                                   identity_, open_, security_);
    open_->add(connection);
    connection->start();
  }
}

}  // namespace groupwire::gateway
