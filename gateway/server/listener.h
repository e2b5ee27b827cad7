// Accepts Kafka client connections and starts a Connection for each, within the connection limit.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>

#include <utility>  // before asio: Boost 1.74 awaitable.hpp uses std::exchange unincluded

#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/tcp.hpp>

#include "host_port.h"
#include "security/listener_security.h"
#include "server/connection.h"
#include "server/dispatcher.h"
#include "server/io_threads.h"
#include "server/open_connections.h"

namespace groupwire::gateway {

class Listener {
 public:
  // Binds at once so that a taken port fails start-up; throws boost::system::system_error.
  // Accepts on the main I/O thread and gives each connection to the next one.
  Listener(IoThreads& threads, const HostPort& listen, const Dispatcher& dispatcher,
           const ConnectionLimits& limits, std::size_t max_connections,
           ListenerSecurity security = {});

  // Who connections accepted here talk to; set before start().
  void set_identity(BrokerIdentity identity) { identity_ = std::move(identity); }

  HostPort bound() const;
  void start();
  // Graceful shutdown: accepts no more connections and drains the open ones; `drained` runs
  // once none is left.
  void drain(std::function<void()> drained);

  struct Stats {
    std::size_t open = 0;
    std::uint64_t accepted = 0;
    std::uint64_t refused = 0;  // beyond --max-connections
  };
  Stats stats() const { return {open_->count(), accepted_.load(), refused_.load()}; }

 private:
  boost::asio::awaitable<void> accept_loop();

  IoThreads& threads_;
  boost::asio::ip::tcp::acceptor acceptor_;
  boost::asio::ip::tcp protocol_ = boost::asio::ip::tcp::v4();  // of the address listened on
  const Dispatcher& dispatcher_;
  ConnectionLimits limits_;
  std::size_t max_connections_;
  ListenerSecurity security_;
  BrokerIdentity identity_;
  std::shared_ptr<OpenConnections> open_ = std::make_shared<OpenConnections>();
  std::atomic<std::uint64_t> accepted_{0};
  std::atomic<std::uint64_t> refused_{0};
};

}  // namespace groupwire::gateway
