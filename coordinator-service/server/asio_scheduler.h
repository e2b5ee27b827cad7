// Scheduler on an Asio executor: the production clock and timers of one group partition.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/steady_timer.hpp>

#include "group/scheduler.h"

namespace groupwire::coordinator {

// The timers wait on `timers`' context and their callbacks run on `callbacks`. schedule, cancel
// and cancel_all must be called on the callbacks' thread; with a single-threaded executor (a
// partition's) that is why no lock is needed. Destroy the scheduler on that thread or once it no
// longer runs, before the timers' io_context.
class AsioScheduler final : public Scheduler {
 public:
  AsioScheduler(boost::asio::any_io_executor timers, boost::asio::any_io_executor callbacks);
  ~AsioScheduler() override;
  AsioScheduler(const AsioScheduler&) = delete;
  AsioScheduler& operator=(const AsioScheduler&) = delete;

  Clock::time_point now() const override;
  std::int64_t wall_clock_ms() const override;
  void schedule(const std::string& key, std::chrono::milliseconds delay,
                std::function<void()> fn) override;
  void cancel(const std::string& key) override;

  void cancel_all();
  std::size_t pending() const;  // timers scheduled and not yet fired or cancelled

 private:
  struct Timer {
    explicit Timer(const boost::asio::any_io_executor& ex) : timer(ex) {}
    boost::asio::steady_timer timer;
    std::function<void()> fn;
    std::uint64_t id = 0;
  };
  // Shared with the wait handlers (weakly), so a handler that completes after the scheduler is
  // gone does nothing.
  struct State {
    std::map<std::string, std::unique_ptr<Timer>> timers;
    std::uint64_t next_id = 0;
  };

  boost::asio::any_io_executor timers_;
  boost::asio::any_io_executor callbacks_;
  std::shared_ptr<State> state_;
};

}  // namespace groupwire::coordinator
