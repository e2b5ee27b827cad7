#include "security/file_watcher.h"

#include <vector>

#include <boost/asio/steady_timer.hpp>

namespace groupwire::security {

// Held weakly by the pending wait: once the watcher is gone, the timer goes with the state and
// a wait that still completes finds nothing to run.
struct FileWatcher::State {
  State(boost::asio::any_io_executor executor, std::chrono::milliseconds poll_period)
      : timer(std::move(executor)), period(poll_period) {}

  void run_all() {
    for (const auto& reload : reloads) reload();
  }

  static void arm(const std::shared_ptr<State>& state) {
    state->timer.expires_after(state->period);
    state->timer.async_wait([weak = std::weak_ptr<State>(state)](boost::system::error_code ec) {
      auto self = weak.lock();
      if (ec || !self) return;
      self->run_all();
      arm(self);
    });
  }

  boost::asio::steady_timer timer;
  std::chrono::milliseconds period;
  std::vector<std::function<void()>> reloads;
};

FileWatcher::FileWatcher(boost::asio::any_io_executor executor, std::chrono::milliseconds period)
    : state_(std::make_shared<State>(std::move(executor), period)) {}

void FileWatcher::add(std::function<void()> reload_if_changed) {
  state_->reloads.push_back(std::move(reload_if_changed));
}

void FileWatcher::start() {
  State::arm(state_);
}

void FileWatcher::reload_all() {
  state_->run_all();
}

}  // namespace groupwire::security
