// SIGTERM or SIGINT: the listeners stop accepting, connections answer what is in flight and
// close, and the io_context stops once all are closed or after the timeout, whichever is first.
// A second signal stops at once.
#pragma once

#include <atomic>
#include <chrono>
#include <memory>
#include <vector>

#include <boost/asio/io_context.hpp>

#include "server/listener.h"

namespace groupwire::gateway {

class GracefulShutdown {
 public:
  // The listeners must outlive io.run().
  GracefulShutdown(boost::asio::io_context& io, std::vector<Listener*> listeners,
                   std::chrono::milliseconds timeout);

  // True from the first signal on (readiness reports it).
  const std::atomic<bool>& draining() const;

 private:
  struct State;
  std::shared_ptr<State> state_;
};

}  // namespace groupwire::gateway
