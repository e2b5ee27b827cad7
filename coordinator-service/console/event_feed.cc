#include "console/event_feed.h"

#include <algorithm>

#include <spdlog/spdlog.h>

#include "console/json.h"

namespace groupwire::coordinator::console {

namespace {

constexpr std::int64_t kHourMs = 3600 * 1000;
// Beyond this many events in the last hour the oldest go first: a bound on memory.
constexpr std::size_t kMaxHistory = 50000;
constexpr auto kRetry = std::chrono::seconds(1);

std::int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

}  // namespace

std::string server_sent_event(const apb::GroupEvent& event) {
  return "event: group\ndata: " + to_json(event) + "\n\n";
}

// Streams one coordinator's events into the feed, reconnecting until stopped.
class EventFeed::Watch {
 public:
  Watch(EventFeed& feed, std::string address)
      : feed_(feed), address_(std::move(address)), thread_([this] { run(); }) {}

  ~Watch() {
    {
      std::lock_guard lock(mu_);
      stopping_ = true;
      if (ctx_ != nullptr) ctx_->TryCancel();
    }
    wake_.notify_all();
    thread_.join();
  }

 private:
  void run() {
    std::unique_lock lock(mu_);
    while (!stopping_) {
      grpc::ClientContext ctx;
      ctx_ = &ctx;
      lock.unlock();
      auto reader = feed_.admin_.stub(address_).WatchGroups(&ctx, {});
      apb::GroupEvent event;
      while (reader->Read(&event)) feed_.deliver(event);
      auto status = reader->Finish();
      lock.lock();
      ctx_ = nullptr;
      if (stopping_) break;
      spdlog::debug("console: the events of {} stopped ({}); watching again", address_,
                    status.error_message());
      wake_.wait_for(lock, kRetry, [this] { return stopping_; });
    }
  }

  EventFeed& feed_;
  std::string address_;
  std::mutex mu_;
  std::condition_variable wake_;
  bool stopping_ = false;
  grpc::ClientContext* ctx_ = nullptr;
  std::thread thread_;
};

EventFeed::EventFeed(AdminClient& admin, std::chrono::milliseconds rescan)
    : admin_(admin), rescan_(rescan), since_ms_(now_ms()), supervisor_([this] { supervise(); }) {}

EventFeed::~EventFeed() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  wake_.notify_all();
  supervisor_.join();
  watches_.clear();  // after the supervisor: only it touches them
}

void EventFeed::supervise() {
  std::unique_lock lock(mu_);
  while (!stopping_) {
    lock.unlock();
    // Coordinators come and go in a cluster: watch each one the cluster lists now.
    apb::ClusterStatusResponse cluster;
    auto status = admin_.cluster_status(cluster);
    std::set<std::string> live;
    for (const auto& c : cluster.coordinators()) live.insert(c.advertise());
    // Without the lock: a watch being stopped may be delivering an event.
    if (status.ok()) {
      std::erase_if(watches_, [&live](const auto& w) { return live.count(w.first) == 0; });
      for (const auto& address : live) {
        if (!watches_.count(address)) watches_[address] = std::make_unique<Watch>(*this, address);
      }
    }
    lock.lock();
    // Also how streams whose browser went away are found when no events flow.
    std::erase_if(subscribers_,
                  [](const Subscriber& s) { return !s.stream->send(": keepalive\n\n"); });
    wake_.wait_for(lock, rescan_, [this] { return stopping_; });
  }
}

void EventFeed::subscribe(std::shared_ptr<http::EventStream> stream, std::string group_id) {
  if (!stream->send(": connected\nretry: 1000\n\n")) return;
  std::lock_guard lock(mu_);
  if (!streams_closed_) subscribers_.push_back({std::move(stream), std::move(group_id)});
}

void EventFeed::close_streams() {
  std::lock_guard lock(mu_);
  streams_closed_ = true;
  subscribers_.clear();
}

void EventFeed::deliver(const apb::GroupEvent& event) {
  std::string sse = server_sent_event(event);
  std::lock_guard lock(mu_);
  history_.push_back(event);
  forget_before(now_ms() - kHourMs);
  std::erase_if(subscribers_, [&](const Subscriber& s) {
    if (!s.group_id.empty() && s.group_id != event.group_id()) return false;
    return !s.stream->send(sse);
  });
}

void EventFeed::forget_before(std::int64_t cutoff_ms) {
  while (!history_.empty() &&
         (history_.front().timestamp_ms() < cutoff_ms || history_.size() > kMaxHistory)) {
    history_.pop_front();
  }
}

std::vector<apb::GroupEvent> EventFeed::recent(const std::string& group_id,
                                               std::size_t limit) const {
  std::vector<apb::GroupEvent> out;
  std::int64_t cutoff = now_ms() - kHourMs;
  std::lock_guard lock(mu_);
  for (auto it = history_.rbegin(); it != history_.rend() && out.size() < limit; ++it) {
    if (it->timestamp_ms() < cutoff) break;
    if (it->group_id() == group_id) out.push_back(*it);
  }
  std::reverse(out.begin(), out.end());
  return out;
}

std::map<std::string, int> EventFeed::rebalances_last_hour() const {
  std::map<std::string, int> out;
  std::int64_t cutoff = now_ms() - kHourMs;
  std::lock_guard lock(mu_);
  for (const auto& e : history_) {
    if (e.timestamp_ms() >= cutoff && e.type() == apb::REBALANCE_COMPLETED) ++out[e.group_id()];
  }
  return out;
}

}  // namespace groupwire::coordinator::console
