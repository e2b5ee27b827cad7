#include "coordinator_client/coordinator_client.h"

#include <algorithm>
#include <type_traits>
#include <utility>

#include <spdlog/spdlog.h>

#include "coordinator_client/failed_call.h"
#include "coordinator_client/group_of.h"

namespace groupwire::gateway {

namespace {

using namespace std::chrono_literals;

// How often the routing table is read again when nothing asks for it: new owners get their
// connections before the first call needs them.
constexpr std::chrono::milliseconds kRefreshInterval{5000};
// Fetches while calls wait for an owner are this far apart: a handoff takes a lease manager
// period (200 ms at most) and nothing is gained by asking faster.
constexpr std::chrono::milliseconds kFetchSpacing{50};
// How late past its deadline a waiting call may be failed, and a spaced fetch started.
constexpr std::chrono::milliseconds kTick{10};
constexpr std::chrono::seconds kWarningInterval{10};

// What a coordinator answers, having done nothing, for a partition it does not serve (yet).
bool is_refusal(pb::ErrorCode e) {
  return e == pb::NOT_COORDINATOR || e == pb::COORDINATOR_LOAD_IN_PROGRESS;
}

template <class Resp>
bool is_refused(const Resp& r) {
  if constexpr (std::is_same_v<Resp, pb::OffsetCommitResponse>) {
    return r.topics_size() > 0 && r.topics(0).partitions_size() > 0 &&
           is_refusal(r.topics(0).partitions(0).error_code());
  } else if constexpr (requires { r.error_code(); }) {
    return is_refusal(r.error_code());
  } else if constexpr (requires { r.groups(0).error_code(); }) {
    return r.groups_size() == 1 && is_refusal(r.groups(0).error_code());
  } else {
    return r.results_size() == 1 && is_refusal(r.results(0).error_code());
  }
}

// Calls that span groups, split into one call per group, and their answers merged back.
std::vector<pb::OffsetFetchRequest> split_groups(const pb::OffsetFetchRequest& req) {
  std::vector<pb::OffsetFetchRequest> parts;
  for (const auto& g : req.groups()) {
    auto& part = parts.emplace_back();
    part.set_require_stable(req.require_stable());
    part.set_principal(req.principal());
    *part.add_groups() = g;
  }
  return parts;
}
template <class Req>
requires requires(const Req& r) {
  r.group_ids();
}
std::vector<Req> split_groups(const Req& req) {
  std::vector<Req> parts;
  for (const auto& id : req.group_ids()) {
    auto& part = parts.emplace_back();
    part.add_group_ids(id);
    part.set_principal(req.principal());
  }
  return parts;
}

template <class Resp>
requires requires(Resp& r) {
  r.mutable_groups();
}
void merge_into(Resp& all, Resp& part) {
  for (auto& g : *part.mutable_groups()) *all.add_groups() = std::move(g);
}
void merge_into(pb::DeleteGroupsResponse& all, pb::DeleteGroupsResponse& part) {
  for (auto& r : *part.mutable_results()) *all.add_results() = std::move(r);
}
// Like one coordinator's listing: an error in any partition fails the whole (retriable).
void merge_into(pb::ListGroupsResponse& all, pb::ListGroupsResponse& part) {
  if (part.error_code() != pb::NONE) all.set_error_code(part.error_code());
  for (auto& g : *part.mutable_groups()) *all.add_groups() = std::move(g);
}

// The answers to a split call's parts, merged once the last arrives.
template <class Req, class Resp>
class Merge {
 public:
  Merge(Req whole, std::size_t parts, CoordinatorClient::Done<Req, Resp> done)
      : whole_(std::move(whole)), replies_(parts), remaining_(parts), done_(std::move(done)) {}

  CoordinatorClient::Done<Req, Resp> part(std::shared_ptr<Merge> self, std::size_t i) {
    return [self = std::move(self), i](const grpc::Status& status, const Req& sent, Resp& reply) {
      self->replies_[i] =
          status.ok() ? std::move(reply) : failed_reply(sent, failure_error(status));
      if (self->remaining_.fetch_sub(1, std::memory_order_acq_rel) != 1) return;
      Resp all;
      for (auto& r : self->replies_) merge_into(all, r);
      self->done_(grpc::Status::OK, self->whole_, all);
    };
  }

 private:
  Req whole_;
  std::vector<Resp> replies_;  // each written by its part's callback alone
  std::atomic<std::size_t> remaining_;
  CoordinatorClient::Done<Req, Resp> done_;
};

}  // namespace

class CoordinatorClient::Routed {
 public:
  Routed(std::uint64_t made, Clock::time_point due) : seq(made), deadline(due) {}
  virtual ~Routed() = default;

  // Its partition under `table`; nullopt for a call that spans partitions: split() then.
  virtual std::optional<std::size_t> partition_in(const RoutingTable& table) const = 0;
  virtual std::vector<std::shared_ptr<Routed>> split(CoordinatorClient&, const RoutingTable&) {
    return {};
  }
  virtual void send(CoordinatorConnection& to, Clock::duration timeout) = 0;
  // No owner took it in time: answers its last refusal, else fails with `why`.
  virtual void give_up(const grpc::Status& why) = 0;

  const std::uint64_t seq;  // the order calls were made in
  const Clock::time_point deadline;
  std::size_t partition = 0;  // once routed
};

template <class Req, class Resp>
class CoordinatorClient::Single final : public Routed,
                                        public std::enable_shared_from_this<Single<Req, Resp>> {
 public:
  Single(CoordinatorClient& client, Req req, Done<Req, Resp> done, std::uint64_t made,
         Clock::time_point due)
      : Routed(made, due), client_(client), req_(std::move(req)), done_(std::move(done)) {}

  std::optional<std::size_t> partition_in(const RoutingTable& table) const override {
    if (const std::string* group_id = group_of(req_)) return table.partition_of(*group_id);
    if constexpr (std::is_same_v<Req, pb::ListGroupsRequest>) {
      return static_cast<std::size_t>(req_.group_partitions(0));
    }
    return std::nullopt;
  }

  void send(CoordinatorConnection& to, Clock::duration timeout) override {
    to.call(
        std::move(req_), std::chrono::ceil<std::chrono::milliseconds>(timeout),
        [self = this->shared_from_this()](const grpc::Status& status, const Req& sent,
                                          Resp& reply) { self->answered(status, sent, reply); });
  }

  void give_up(const grpc::Status& why) override {
    if (refusal_) return done_(grpc::Status::OK, req_, *refusal_);
    Resp none;
    done_(why, req_, none);
  }

 private:
  void answered(const grpc::Status& status, const Req& sent, Resp& reply) {
    if (status.ok() && is_refused(reply)) {
      req_ = sent;  // moved out by send()
      refusal_ = std::move(reply);
      return client_.refused(this->shared_from_this());
    }
    // Answered before the partition's next calls go, which may be waiting for this one.
    done_(status, sent, reply);
    client_.answered(*this, status.ok());
  }

  CoordinatorClient& client_;
  Req req_;
  Done<Req, Resp> done_;
  std::optional<Resp> refusal_;
};

// ListGroups: one call per partition, to each partition's owner.
class CoordinatorClient::ListAll final : public Routed {
 public:
  using Req = pb::ListGroupsRequest;
  using Resp = pb::ListGroupsResponse;

  ListAll(Req req, Done<Req, Resp> done, std::uint64_t made, Clock::time_point due)
      : Routed(made, due), req_(std::move(req)), done_(std::move(done)) {}

  std::optional<std::size_t> partition_in(const RoutingTable&) const override {
    return std::nullopt;
  }

  std::vector<std::shared_ptr<Routed>> split(CoordinatorClient& client,
                                             const RoutingTable& table) override {
    auto merge = std::make_shared<Merge<Req, Resp>>(req_, table.group_partitions, done_);
    std::vector<std::shared_ptr<Routed>> parts;
    for (std::size_t p = 0; p < table.group_partitions; ++p) {
      Req part = req_;
      part.add_group_partitions(static_cast<std::int32_t>(p));
      parts.push_back(std::make_shared<Single<Req, Resp>>(client, std::move(part),
                                                          merge->part(merge, p), seq, deadline));
    }
    return parts;
  }

  void send(CoordinatorConnection&, Clock::duration) override {}

  void give_up(const grpc::Status& why) override {
    Resp none;
    done_(why, req_, none);
  }

 private:
  Req req_;
  Done<Req, Resp> done_;
};

struct CoordinatorClient::Actions {
  std::vector<std::size_t> send;  // partitions with calls in their outbox
  std::vector<std::pair<std::shared_ptr<Routed>, grpc::Status>> give_up;
  std::optional<std::uint64_t> fetch;  // the number of a fetch to start
};

CoordinatorClient::CoordinatorClient(CoordinatorClientOptions options)
    : options_(std::move(options)),
      source_(std::make_unique<RoutingTableSource>(options_.coordinators, options_.call_timeout,
                                                   completions_, options_.credentials)) {
  Actions actions;
  {
    std::lock_guard lock(mu_);
    fetch_locked(actions);
  }
  run(actions);
  ticker_ = std::thread([this] { tick_until_stopped(); });
}

CoordinatorClient::~CoordinatorClient() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  stop_cv_.notify_all();
  ticker_.join();
  source_.reset();  // its last answers give up what waits for them
  std::map<std::string, std::unique_ptr<CoordinatorConnection>> connections;
  {
    std::lock_guard lock(mu_);
    connections = std::move(connections_);
  }
  connections.clear();  // fails the calls in flight; none is resent while stopping
  Actions actions;
  {
    std::lock_guard lock(mu_);
    const grpc::Status cancelled(grpc::StatusCode::CANCELLED, "the gateway is stopping");
    for (auto& call : std::exchange(unrouted_, {})) actions.give_up.emplace_back(call, cancelled);
    for (auto& r : routes_) {
      for (auto& call : std::exchange(r.waiting, {})) actions.give_up.emplace_back(call, cancelled);
    }
  }
  run(actions);
}

std::optional<std::string> CoordinatorClient::not_ready() {
  std::lock_guard lock(mu_);
  if (!table_) return "no routing table yet from coordinator " + source_->names();
  std::optional<std::string> down;
  for (const Route& r : routes_) {
    CoordinatorConnection* owner = r.owner;
    if (!owner) continue;
    if (owner->connected()) return std::nullopt;
    if (!down) down = owner->target().to_string();
  }
  if (!down) return "no coordinator serves a group partition now";
  return "coordinator " + *down + " is not connected";
}

template <class Req, class Resp>
void CoordinatorClient::start(Req req, std::chrono::milliseconds timeout, Done<Req, Resp> done) {
  auto deadline = Clock::now() + timeout;
  auto seq = next_seq_.fetch_add(1, std::memory_order_relaxed);
  if constexpr (std::is_same_v<Req, pb::ListGroupsRequest>) {
    submit(std::make_shared<ListAll>(std::move(req), std::move(done), seq, deadline));
  } else {
    if (group_of(req) != nullptr) {
      return submit(std::make_shared<Single<Req, Resp>>(*this, std::move(req), std::move(done), seq,
                                                        deadline));
    }
    fan_out(std::move(req), deadline, std::move(done));
  }
}

template <class Req, class Resp>
void CoordinatorClient::fan_out(Req req, Clock::time_point deadline, Done<Req, Resp> done) {
  if constexpr (requires { split_groups(req); }) {
    auto parts = split_groups(req);
    if (parts.empty()) {
      Resp none;
      return done(grpc::Status::OK, req, none);
    }
    auto merge = std::make_shared<Merge<Req, Resp>>(req, parts.size(), std::move(done));
    for (std::size_t i = 0; i < parts.size(); ++i) {
      submit(std::make_shared<Single<Req, Resp>>(*this, std::move(parts[i]), merge->part(merge, i),
                                                 next_seq_.fetch_add(1), deadline));
    }
  }
}

void CoordinatorClient::submit(std::shared_ptr<Routed> call) {
  Actions actions;
  {
    std::lock_guard lock(mu_);
    route_locked(std::move(call), actions);
  }
  run(actions);
}

void CoordinatorClient::route_locked(std::shared_ptr<Routed> call, Actions& actions) {
  if (stopping_) {
    actions.give_up.emplace_back(
        std::move(call), grpc::Status(grpc::StatusCode::CANCELLED, "the gateway is stopping"));
    return;
  }
  if (!table_) {
    unrouted_.push_back(std::move(call));
    return fetch_locked(actions);
  }
  auto partition = call->partition_in(*table_);
  if (!partition) {
    for (auto& part : call->split(*this, *table_)) route_locked(std::move(part), actions);
    return;
  }
  call->partition = *partition;
  Route& r = routes_[*partition];
  CoordinatorConnection* owner = r.owner;
  if (!r.rerouting && owner && (r.in_flight == 0 || r.sent_to == owner)) {
    ++r.in_flight;
    r.sent_to = owner;
    r.outbox.emplace_back(std::move(call), owner);
    actions.send.push_back(*partition);
    return;
  }
  if (!r.rerouting && owner) {
    // A new owner while calls are on their way to the old one: this call must not overtake
    // them; it goes once they are answered (the table is already current).
    r.rerouting = true;
    r.needs_fetch = fetches_done_;
  } else if (!r.rerouting) {
    // No owner now (a lease expired, a handoff under way): wait for one in a later table.
    r.rerouting = true;
    r.needs_fetch = fetches_started_ + 1;
    fetch_locked(actions);
  }
  r.waiting.push_back(std::move(call));
}

void CoordinatorClient::refused(std::shared_ptr<Routed> call) {
  if (options_.on_reroute) options_.on_reroute();
  Actions actions;
  {
    std::lock_guard lock(mu_);
    Route& r = routes_[call->partition];
    --r.in_flight;
    if (stopping_) {
      actions.give_up.emplace_back(std::move(call), grpc::Status::OK);
    } else {
      // The table read before this refusal may still name the coordinator that refused.
      r.rerouting = true;
      r.needs_fetch = fetches_started_ + 1;
      r.waiting.push_back(std::move(call));
      fetch_locked(actions);
    }
  }
  run(actions);
}

void CoordinatorClient::answered(const Routed& call, bool reached) {
  Actions actions;
  {
    std::lock_guard lock(mu_);
    Route& r = routes_[call.partition];
    --r.in_flight;
    if (r.rerouting) r.answered_seq = std::max(r.answered_seq, call.seq);
    if (!reached) fetch_locked(actions);  // the partition may have moved meanwhile
    resend_locked(call.partition, actions);
  }
  run(actions);
}

void CoordinatorClient::resend_locked(std::size_t partition, Actions& actions) {
  Route& r = routes_[partition];
  if (!r.rerouting || r.in_flight > 0 || fetches_done_ < r.needs_fetch || stopping_) return;
  CoordinatorConnection* owner = r.owner;
  if (!owner && !r.waiting.empty()) {
    r.needs_fetch = fetches_started_ + 1;
    return fetch_locked(actions);
  }
  std::sort(r.waiting.begin(), r.waiting.end(),
            [](const auto& a, const auto& b) { return a->seq < b->seq; });
  const grpc::Status overtaken(grpc::StatusCode::UNAVAILABLE,
                               "a later call of its partition was answered first");
  for (auto& call : r.waiting) {
    if (call->seq < r.answered_seq) {
      // A later call of the partition took effect already: this one must not after it.
      actions.give_up.emplace_back(std::move(call), overtaken);
      continue;
    }
    ++r.in_flight;
    r.sent_to = owner;
    r.outbox.emplace_back(std::move(call), owner);
  }
  if (!r.outbox.empty()) actions.send.push_back(partition);
  r.waiting.clear();
  r.rerouting = false;
  r.answered_seq = 0;
}

void CoordinatorClient::fetch_locked(Actions& actions) {
  if (stopping_) return;
  auto now = Clock::now();
  if (fetching_ || now < next_fetch_) {
    fetch_again_ = true;  // when the fetch in flight ends, or by the ticker
    return;
  }
  fetching_ = true;
  next_fetch_ = now + kFetchSpacing;
  actions.fetch = ++fetches_started_;
}

CoordinatorConnection* CoordinatorClient::connection_locked(const std::optional<HostPort>& owner) {
  if (!owner) return nullptr;
  auto& connection = connections_[owner->to_string()];
  if (!connection) {
    connection = std::make_unique<CoordinatorConnection>(CoordinatorConnectionOptions{
        *owner, options_.channels, options_.on_failure, options_.credentials, &completions_});
  }
  return connection.get();
}

void CoordinatorClient::run(Actions& actions) {
  if (actions.fetch) {
    source_->fetch(
        [this, n = *actions.fetch](std::optional<RoutingTable> table, const std::string& error) {
          fetched(n, std::move(table), error);
        });
  }
  for (auto& [call, why] : actions.give_up) call->give_up(why);
  for (std::size_t p : actions.send) send_outbox(p);
}

void CoordinatorClient::send_outbox(std::size_t partition) {
  std::unique_lock lock(mu_);
  Route& r = routes_[partition];
  if (r.sending) return;  // that thread sends these too, in order
  r.sending = true;
  while (!r.outbox.empty()) {
    auto [call, to] = std::move(r.outbox.front());
    r.outbox.pop_front();
    lock.unlock();
    auto left = call->deadline - Clock::now();
    call->send(*to, std::max<Clock::duration>(left, 1ms));
    lock.lock();
  }
  r.sending = false;
}

void CoordinatorClient::fetched(std::uint64_t fetch, std::optional<RoutingTable> table,
                                const std::string& error) {
  Actions actions;
  {
    std::lock_guard lock(mu_);
    fetching_ = false;
    fetches_done_ = fetch;
    std::string why = stopping_ ? "the gateway is stopping" : error;
    if (stopping_) table.reset();
    if (table && table_ && table->group_partitions != table_->group_partitions) {
      why = fmt::format("the coordinators now have {} group partitions, not {}",
                        table->group_partitions, table_->group_partitions);
      table.reset();
    }
    if (table) {
      if (!table_) {
        routes_.resize(table->group_partitions);
        spdlog::info("coordinators: {} group partitions, routing table from {}",
                     table->group_partitions, source_->names());
      }
      // Before the calls that waited for this table go: their answers show it. Stored before it
      // is said, so whoever reads the log line finds the APIs offered.
      if (consumer_protocol_.exchange(table->consumer_protocol, std::memory_order_acq_rel) !=
          table->consumer_protocol) {
        spdlog::info("coordinators {} the consumer group protocol",
                     table->consumer_protocol ? "serve" : "no longer serve");
      }
      table_ = std::move(table);
      // Connections to new owners open now, before the first call needs them.
      for (std::size_t p = 0; p < routes_.size(); ++p) {
        routes_[p].owner = connection_locked(table_->owners[p]);
      }
      for (auto& call : std::exchange(unrouted_, {})) route_locked(std::move(call), actions);
      for (std::size_t p = 0; p < routes_.size(); ++p) resend_locked(p, actions);
    } else if (!stopping_) {
      // While the coordinators are down every call asks: one warning per interval.
      auto now = Clock::now();
      bool warn = now - last_warning_ >= kWarningInterval;
      if (warn) last_warning_ = now;
      spdlog::log(warn ? spdlog::level::warn : spdlog::level::debug,
                  "no routing table from coordinator {}: {}", source_->names(), why);
    }
    if (!table_ || stopping_ || !why.empty()) {
      // Nobody to ask: what waits for this table fails now rather than at its deadline.
      const grpc::Status unavailable(
          stopping_ ? grpc::StatusCode::CANCELLED : grpc::StatusCode::UNAVAILABLE, why);
      for (auto& call : std::exchange(unrouted_, {})) {
        actions.give_up.emplace_back(std::move(call), unavailable);
      }
      for (auto& r : routes_) {
        if (!r.rerouting || r.needs_fetch > fetch) continue;
        for (auto& call : std::exchange(r.waiting, {})) {
          actions.give_up.emplace_back(std::move(call), unavailable);
        }
        if (r.in_flight == 0) r.rerouting = false;
      }
    }
    if (fetch_again_) {
      fetch_again_ = false;
      fetch_locked(actions);
    }
  }
  run(actions);
}

void CoordinatorClient::tick_until_stopped() {
  std::unique_lock lock(mu_);
  auto refreshed = Clock::now();
  while (!stop_cv_.wait_for(lock, kTick, [this] { return stopping_; })) {
    Actions actions;
    auto now = Clock::now();
    const grpc::Status late(grpc::StatusCode::DEADLINE_EXCEEDED,
                            "no coordinator served it in time");
    for (auto& r : routes_) {
      auto expired = std::stable_partition(r.waiting.begin(), r.waiting.end(),
                                           [now](const auto& c) { return c->deadline > now; });
      for (auto it = expired; it != r.waiting.end(); ++it) actions.give_up.emplace_back(*it, late);
      r.waiting.erase(expired, r.waiting.end());
      if (r.waiting.empty() && r.in_flight == 0) r.rerouting = false;
    }
    if (!fetching_ && (fetch_again_ || now - refreshed >= kRefreshInterval) && now >= next_fetch_) {
      fetch_again_ = false;
      refreshed = now;
      fetch_locked(actions);
    }
    lock.unlock();
    run(actions);
    lock.lock();
  }
}

#define GROUPWIRE_COORDINATOR_CALL(Name, field)                                          \
  void CoordinatorClient::call(pb::Name##Request req, std::chrono::milliseconds timeout, \
                               Done<pb::Name##Request, pb::Name##Response> done) {       \
    start(std::move(req), timeout, std::move(done));                                     \
  }
GROUPWIRE_COORDINATOR_OPERATIONS(GROUPWIRE_COORDINATOR_CALL)
#undef GROUPWIRE_COORDINATOR_CALL

}  // namespace groupwire::gateway
