// Time and timers for one group partition. The state machine never reads a clock or starts a
// thread itself: production runs timers on the partition's own thread, tests drive a manual clock.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <string>

namespace groupwire::coordinator {

class Scheduler {
 public:
  using Clock = std::chrono::steady_clock;

  virtual ~Scheduler() = default;
  virtual Clock::time_point now() const = 0;
  // Milliseconds since the epoch, for commit timestamps and expiry.
  virtual std::int64_t wall_clock_ms() const = 0;
  // Runs fn on the partition's thread after delay; replaces any timer with the same key.
  virtual void schedule(const std::string& key, std::chrono::milliseconds delay,
                        std::function<void()> fn) = 0;
  virtual void cancel(const std::string& key) = 0;
};

}  // namespace groupwire::coordinator
