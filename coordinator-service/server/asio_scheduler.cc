#include "server/asio_scheduler.h"

#include <utility>

#include <boost/asio/bind_executor.hpp>

namespace groupwire::coordinator {

AsioScheduler::AsioScheduler(boost::asio::any_io_executor timers,
                             boost::asio::any_io_executor callbacks)
    : timers_(std::move(timers)),
      callbacks_(std::move(callbacks)),
      state_(std::make_shared<State>()) {}

AsioScheduler::~AsioScheduler() {
  cancel_all();
}

Scheduler::Clock::time_point AsioScheduler::now() const {
  return Clock::now();
}

std::int64_t AsioScheduler::wall_clock_ms() const {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

void AsioScheduler::schedule(const std::string& key, std::chrono::milliseconds delay,
                             std::function<void()> fn) {
  // A fresh timer per schedule: the replaced one is destroyed (which cancels its wait), and the
  // id check below covers a wait that had already completed and is queued to run.
  auto timer = std::make_unique<Timer>(timers_);
  timer->fn = std::move(fn);
  timer->id = ++state_->next_id;
  timer->timer.expires_after(delay.count() > 0 ? delay : std::chrono::milliseconds(0));
  timer->timer.async_wait(boost::asio::bind_executor(
      callbacks_,
      [weak = std::weak_ptr<State>(state_), key, id = timer->id](const boost::system::error_code&) {
        auto state = weak.lock();
        if (!state) return;
        auto it = state->timers.find(key);
        if (it == state->timers.end() || it->second->id != id) return;  // cancelled or replaced
        // Erase before running: the callback may schedule the same key again.
        auto callback = std::move(it->second->fn);
        state->timers.erase(it);
        callback();
      }));
  state_->timers[key] = std::move(timer);
}

void AsioScheduler::cancel(const std::string& key) {
  state_->timers.erase(key);
}

void AsioScheduler::cancel_all() {
  state_->timers.clear();
}

std::size_t AsioScheduler::pending() const {
  return state_->timers.size();
}

}  // namespace groupwire::coordinator
