// One watcher's backlog of group events. Bounded, so a watcher that reads slowly costs the
// partitions nothing: when full, the oldest event is dropped and the watcher is told how many
// it missed (an EVENTS_DROPPED event) before the next one it gets.
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <optional>

#include "groupwire/admin/v1/admin.pb.h"

namespace groupwire::coordinator::admin {

namespace apb = groupwire::admin::v1;

class EventQueue {
 public:
  explicit EventQueue(std::size_t capacity) : capacity_(capacity > 0 ? capacity : 1) {}

  void push(apb::GroupEvent event) {
    if (events_.size() == capacity_) {
      events_.pop_front();
      ++dropped_;
    }
    events_.push_back(std::move(event));
  }

  std::optional<apb::GroupEvent> pop() {
    if (dropped_ > 0) {
      apb::GroupEvent gap;
      gap.set_type(apb::EVENTS_DROPPED);
      gap.set_dropped(dropped_);
      dropped_ = 0;
      return gap;
    }
    if (events_.empty()) return std::nullopt;
    apb::GroupEvent e = std::move(events_.front());
    events_.pop_front();
    return e;
  }

  std::size_t size() const { return events_.size(); }

 private:
  std::size_t capacity_;
  std::deque<apb::GroupEvent> events_;
  std::int64_t dropped_ = 0;
};

}  // namespace groupwire::coordinator::admin
