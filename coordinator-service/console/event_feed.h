// The console's view of group events: it watches every coordinator of the cluster through the
// admin API's WatchGroups (a coordinator streams the events of the groups it serves), keeps the
// last hour of them for the pages' timelines, and passes each on to the browsers' event streams.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "console/admin_client.h"
#include "http/http_server.h"

namespace groupwire::coordinator::console {

class EventFeed {
 public:
  // Starts watching at once; the cluster's coordinators are looked up again every `rescan`.
  EventFeed(AdminClient& admin, std::chrono::milliseconds rescan = std::chrono::seconds(5));
  ~EventFeed();
  EventFeed(const EventFeed&) = delete;
  EventFeed& operator=(const EventFeed&) = delete;

  // Passes every later event (of `group_id` only, unless empty) to `stream` as a server-sent
  // event, until the stream closes.
  void subscribe(std::shared_ptr<http::EventStream> stream, std::string group_id);

  // Ends every stream and takes no more: before the HTTP server they write to goes.
  void close_streams();

  // The group's events of the last hour the console saw, oldest first, at most `limit`.
  std::vector<apb::GroupEvent> recent(const std::string& group_id, std::size_t limit) const;
  // REBALANCE_COMPLETED events per group in the last hour.
  std::map<std::string, int> rebalances_last_hour() const;
  // Since when the console has been watching (wall clock, ms).
  std::int64_t since_ms() const { return since_ms_; }

 private:
  struct Subscriber {
    std::shared_ptr<http::EventStream> stream;
    std::string group_id;
  };
  class Watch;

  void deliver(const apb::GroupEvent& event);
  void supervise();
  void forget_before(std::int64_t cutoff_ms);  // with mu_ held

  AdminClient& admin_;
  std::chrono::milliseconds rescan_;
  std::int64_t since_ms_;
  mutable std::mutex mu_;
  std::condition_variable wake_;
  bool stopping_ = false;
  bool streams_closed_ = false;
  std::deque<apb::GroupEvent> history_;  // the last hour, oldest first
  std::vector<Subscriber> subscribers_;
  // By coordinator address; only the supervisor's thread touches them.
  std::map<std::string, std::unique_ptr<Watch>> watches_;
  std::thread supervisor_;
};

// One group event as a server-sent event (`event: group`, one `data:` line of JSON).
std::string server_sent_event(const apb::GroupEvent& event);

}  // namespace groupwire::coordinator::console
