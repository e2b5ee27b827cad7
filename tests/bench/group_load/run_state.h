// What the members of one run share: the phases the main thread opens, the milestones members
// report back, and the API versions agreed with the broker.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <functional>
#include <mutex>
#include <optional>

#include "kafka/codec/schema.h"

namespace groupwire::bench {

using Clock = std::chrono::steady_clock;

struct ApiVersions {
  kafka::ApiVersion join_group = 0;
  kafka::ApiVersion sync_group = 0;
  kafka::ApiVersion heartbeat = 0;
  kafka::ApiVersion leave_group = 0;
  kafka::ApiVersion consumer_group_heartbeat = 0;
  std::optional<kafka::ApiVersion> consumer_group_describe;  // unless --no-describe
};

// Raised by the main thread, in this order; members wake when one rises (Members::wake_all).
struct Phases {
  std::atomic<bool> go{false};            // every connection is open: join
  std::atomic<bool> late_join{false};     // every group is Stable (or gave up): late members join
  std::atomic<bool> stop_joining{false};  // the join timeout passed
  std::atomic<bool> stable{false};        // every group is Stable (or gave up): closed loop
  std::atomic<bool> leave{false};         // every member has stopped heartbeating: leave
  // Written before `stable` rises.
  Clock::time_point window_start{};
  Clock::time_point window_end{};
};

enum class Milestone { Connected, Drained, Finished, GroupStable, kCount };

// Counts milestones as members reach them; the main thread waits for counts.
class Progress {
 public:
  void reached(Milestone m) {
    {
      std::lock_guard lock(mu_);
      ++counts_[static_cast<int>(m)];
    }
    cv_.notify_all();
  }
  // False when the deadline passed first.
  bool wait(Milestone m, int count, Clock::time_point deadline) {
    std::unique_lock lock(mu_);
    return cv_.wait_until(lock, deadline, [&] { return counts_[static_cast<int>(m)] >= count; });
  }
  int count(Milestone m) {
    std::lock_guard lock(mu_);
    return counts_[static_cast<int>(m)];
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  int counts_[static_cast<int>(Milestone::kCount)] = {};
};

// Bounds how many connections are being opened at once: a burst of thousands overflows a
// server's accept backlog.
class OpeningLimit {
 public:
  explicit OpeningLimit(int limit) : free_(limit) {}
  // True: go ahead. False: `granted` runs (on the thread that calls leave) when it is your turn.
  bool enter(std::function<void()> granted) {
    std::lock_guard lock(mu_);
    if (free_ > 0) {
      --free_;
      return true;
    }
    waiting_.push_back(std::move(granted));
    return false;
  }
  void leave() {
    std::function<void()> next;
    {
      std::lock_guard lock(mu_);
      if (waiting_.empty()) {
        ++free_;
        return;
      }
      next = std::move(waiting_.front());
      waiting_.pop_front();
    }
    next();
  }

 private:
  std::mutex mu_;
  int free_;
  std::deque<std::function<void()>> waiting_;
};

}  // namespace groupwire::bench
