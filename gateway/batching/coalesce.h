// Work that many events handled in one go produce, done once for all of them: the calls
// dispatched from one socket read leave in one gRPC write instead of one write each, the
// answers of one coordinator batch reach each I/O thread in one post (one wake-up) instead of one
// per answer, and leave each connection in one write. A Coalesce on the stack collects that work
// and does it when it ends; without one, work is done at once. Scopes nest (the outermost one does
// the work) and belong to their thread; one must end before its thread waits for anything, or the
// work waits with it.
#pragma once

#include <functional>
#include <utility>
#include <vector>

#include <boost/asio/any_io_executor.hpp>

namespace groupwire::gateway {

class Coalesce {
 public:
  using Action = std::function<void()>;

  Coalesce();
  ~Coalesce();
  Coalesce(const Coalesce&) = delete;
  Coalesce& operator=(const Coalesce&) = delete;

  // Runs `action` when the outermost scope ends: once, however often it is asked for with the
  // same key (the first action asked for is the one run). At once without a scope.
  static void once(const void* key, Action action);

  // Posts `handler` to `executor`; within a scope, in one post with every other handler posted
  // to the same executor in it, in the order they came.
  static void post(const boost::asio::any_io_executor& executor, Action handler);

 private:
  struct Work {
    std::vector<std::pair<boost::asio::any_io_executor, std::vector<Action>>> posts;
    std::vector<std::pair<const void*, Action>> once;
  };
  static thread_local Work* current_;
  Work work_;
  bool outermost_;
};

}  // namespace groupwire::gateway
