#include "server/graceful_shutdown.h"

#include <csignal>

#include <spdlog/spdlog.h>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>

namespace groupwire::gateway {

namespace asio = boost::asio;

// Shared with the callbacks: the last connection may close while the io_context is destroyed.
struct GracefulShutdown::State : std::enable_shared_from_this<State> {
  State(asio::io_context& context, std::vector<Listener*> l, std::chrono::milliseconds t)
      : io(context),
        signals(context, SIGINT, SIGTERM),
        deadline(context),
        listeners(std::move(l)),
        timeout(t) {}

  void wait_for_signal() {
    signals.async_wait([self = shared_from_this()](const boost::system::error_code& ec, int sig) {
      if (ec) return;
      if (self->draining.exchange(true)) {
        spdlog::info("signal {} again: stopping now", sig);
        return self->stop();
      }
      self->drain(sig);
      self->wait_for_signal();
    });
  }

  void drain(int sig) {
    spdlog::info("signal {}: draining: requests in flight get up to {} ms", sig, timeout.count());
    listeners_left = listeners.size();
    for (auto* listener : listeners) {
      listener->drain([self = shared_from_this()] {
        // After a stop the last connections close as the io_context is destroyed: no news.
        if (self->listeners_left.fetch_sub(1) == 1 && !self->stopped) {
          spdlog::info("every connection is closed: stopping");
          self->stop();
        }
      });
    }
    deadline.expires_after(timeout);
    deadline.async_wait([self = shared_from_this()](const boost::system::error_code& ec) {
      if (ec) return;
      spdlog::warn("requests still in flight after --shutdown-timeout-ms: closing connections");
      self->stop();
    });
  }

  // Once only: a later call may come while the stopped io_context is being destroyed.
  void stop() {
    if (!stopped.exchange(true)) io.stop();
  }

  asio::io_context& io;
  asio::signal_set signals;
  asio::steady_timer deadline;
  std::vector<Listener*> listeners;
  std::chrono::milliseconds timeout;
  std::atomic<bool> draining{false};
  std::atomic<bool> stopped{false};
  std::atomic<std::size_t> listeners_left{0};
};

GracefulShutdown::GracefulShutdown(asio::io_context& io, std::vector<Listener*> listeners,
                                   std::chrono::milliseconds timeout)
    : state_(std::make_shared<State>(io, std::move(listeners), timeout)) {
  state_->wait_for_signal();
}

const std::atomic<bool>& GracefulShutdown::draining() const {
  return state_->draining;
}

}  // namespace groupwire::gateway
