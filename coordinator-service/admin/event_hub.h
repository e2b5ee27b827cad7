// Fans the group events of every partition out to the WatchGroups streams. Events arrive on
// many partition threads; each subscriber takes them into its own bounded queue without
// blocking, so a slow watcher never holds up a partition. With nobody watching, an event costs
// one atomic load.
#pragma once

#include <atomic>
#include <mutex>
#include <set>
#include <string>
#include <vector>

#include "group/group_events.h"
#include "groupwire/admin/v1/admin.pb.h"

namespace groupwire::coordinator::admin {

namespace apb = groupwire::admin::v1;

apb::GroupEvent to_proto(const GroupEvent& event);

class EventHub final : public GroupEventSink {
 public:
  class Subscriber {
   public:
    virtual ~Subscriber() = default;
    // Called with the hub's lock held, on a partition thread: queue and return.
    virtual void deliver(const apb::GroupEvent& event) = 0;
    // The hub is closing: end the stream.
    virtual void close() = 0;
  };

  struct Filter {
    std::set<std::string> group_ids;  // empty: any
    std::string prefix;
    bool matches(const std::string& group_id) const;
  };

  void on_event(const GroupEvent& event) override;

  // After subscribe returns true, the subscriber gets every later event that matches. False once
  // the hub is closed.
  bool subscribe(Subscriber* s, Filter filter);
  // After unsubscribe returns, deliver() is never called again for `s`.
  void unsubscribe(Subscriber* s);
  // Ends every stream: before the server shuts down, so watchers do not hold it up.
  void close_all();

  std::size_t watchers() const { return count_.load(); }

 private:
  mutable std::mutex mu_;
  std::vector<std::pair<Subscriber*, Filter>> subscribers_;
  std::atomic<std::size_t> count_{0};
  bool closed_ = false;
};

}  // namespace groupwire::coordinator::admin
