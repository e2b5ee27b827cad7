// A Scheduler whose clock moves only when the test says so: timers fire in deadline order,
// synchronously, inside advance().
#pragma once

#include <map>
#include <tuple>

#include "group/scheduler.h"

namespace groupwire::coordinator::testing {

class ManualScheduler : public Scheduler {
 public:
  Clock::time_point now() const override { return now_; }
  std::int64_t wall_clock_ms() const override {
    return kWallStart +
           std::chrono::duration_cast<std::chrono::milliseconds>(now_ - start_).count();
  }
  void schedule(const std::string& key, std::chrono::milliseconds delay,
                std::function<void()> fn) override {
    timers_[key] = {now_ + delay, next_seq_++, std::move(fn)};
  }
  std::uint64_t schedules() const { return next_seq_; }  // schedule() calls so far
  void cancel(const std::string& key) override { timers_.erase(key); }

  void advance(std::chrono::milliseconds d) {
    Clock::time_point target = now_ + d;
    for (;;) {
      auto next = timers_.end();
      for (auto it = timers_.begin(); it != timers_.end(); ++it) {
        if (it->second.deadline > target) continue;
        if (next == timers_.end() || std::tie(it->second.deadline, it->second.seq) <
                                         std::tie(next->second.deadline, next->second.seq)) {
          next = it;
        }
      }
      if (next == timers_.end()) break;
      now_ = next->second.deadline;
      auto fn = std::move(next->second.fn);
      timers_.erase(next);
      fn();
    }
    now_ = target;
  }

  bool has_timer(const std::string& prefix) const {
    for (const auto& [key, t] : timers_) {
      if (key.rfind(prefix, 0) == 0) return true;
    }
    return false;
  }

 private:
  struct Timer {
    Clock::time_point deadline;
    std::uint64_t seq;
    std::function<void()> fn;
  };
  static constexpr std::int64_t kWallStart = 1'700'000'000'000;
  Clock::time_point start_{};
  Clock::time_point now_{};
  std::uint64_t next_seq_ = 0;
  std::map<std::string, Timer> timers_;
};

}  // namespace groupwire::coordinator::testing
