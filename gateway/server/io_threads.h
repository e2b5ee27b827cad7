// The gateway's I/O threads, one io_context each. A connection is pinned to one of them for its
// life, so its state needs no strand: everything of it runs on that thread, and answers coming
// from gRPC's threads are posted there. The first context is the main one (listeners, timers,
// file watchers), run by the thread that calls run(); it serves connections too.
#pragma once

#include <cstddef>
#include <memory>
#include <thread>
#include <vector>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>

namespace groupwire::gateway {

class IoThreads {
 public:
  explicit IoThreads(std::size_t count);
  // Stops and joins the other threads; their connections go with their contexts.
  ~IoThreads();
  IoThreads(const IoThreads&) = delete;
  IoThreads& operator=(const IoThreads&) = delete;

  boost::asio::io_context& main() { return *contexts_.front(); }
  // The context for a new connection, in turn.
  boost::asio::io_context& next();

  // Runs every context, the main one on this thread, until the main one stops (see
  // GracefulShutdown); then stops the others.
  void run();

 private:
  using Guard = boost::asio::executor_work_guard<boost::asio::io_context::executor_type>;
  std::vector<std::unique_ptr<boost::asio::io_context>> contexts_;
  std::vector<Guard> guards_;  // the other contexts run until told to stop
  std::vector<std::thread> threads_;
  std::size_t next_ = 0;  // accepts happen on the main thread only
};

}  // namespace groupwire::gateway
