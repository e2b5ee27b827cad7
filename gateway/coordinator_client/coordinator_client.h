// The gateway's way to the coordinators: sends each call to the coordinator that serves its
// group's partition (see routing_table.h), over that coordinator's connection.
//
// A coordinator that does not serve a partition (any more, or not yet: it is loading it)
// answers NOT_COORDINATOR or COORDINATOR_LOAD_IN_PROGRESS having done nothing, so such a call is
// resent to the owner the routing table names once it is asked again, within the call's timeout.
// Resending keeps a partition's order: from the first refusal until the refused calls are resent,
// the partition's new calls wait behind them, and the refused ones go (in the order they were
// made) only once every call still on the way to the old owner is answered; the same when a new
// table names another owner while calls are on their way to the old one. A refused call
// with a later call of its partition answered meanwhile is not resent: it would take effect after
// that one; its refusal (retriable) goes to the client. A call whose owner cannot be reached may
// have taken effect, so it is not resent: it fails (COORDINATOR_LOAD_IN_PROGRESS to the client,
// see failed_call.h) and the client retries, as it would with Kafka.
//
// Calls naming several groups are split into one call per group (ListGroups: one per partition)
// and their answers merged in the request's order.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "coordinator_client/coordinator_connection.h"
#include "coordinator_client/operations.h"
#include "coordinator_client/routing_table.h"

namespace groupwire::gateway {

struct CoordinatorClientOptions {
  std::vector<HostPort> coordinators;            // --coordinator
  std::chrono::milliseconds call_timeout{5000};  // --coordinator-timeout-ms
  std::size_t channels = 1;                      // --coordinator-channels, per coordinator
  // Of every channel to a coordinator: plaintext, or TLS (--coordinator-tls-*).
  std::shared_ptr<grpc::ChannelCredentials> credentials = grpc::InsecureChannelCredentials();
  // Told of every failed call (for metrics), on a gRPC thread.
  std::function<void(const char* rpc, grpc::StatusCode code)> on_failure{};
  // Told of every call refused by a coordinator that does not serve its partition (resent).
  std::function<void()> on_reroute{};
};

class CoordinatorClient {
 public:
  template <class Req, class Resp>
  using Done = CoordinatorConnection::Done<Req, Resp>;
  using Clock = std::chrono::steady_clock;

  explicit CoordinatorClient(CoordinatorClientOptions options);
  // Fails the calls still waiting or in flight (CANCELLED) and waits for their callbacks.
  ~CoordinatorClient();
  CoordinatorClient(const CoordinatorClient&) = delete;
  CoordinatorClient& operator=(const CoordinatorClient&) = delete;

  std::chrono::milliseconds call_timeout() const { return options_.call_timeout; }
  // nullopt when the routing table is known and a coordinator of it is connected; else why not.
  // Asks idle connections to connect.
  std::optional<std::string> not_ready();

  // Whether the coordinators serve the consumer group protocol, as the latest routing table
  // says; false until the first table is known. Read on every connection's thread.
  bool serves_consumer_protocol() const {
    return consumer_protocol_.load(std::memory_order_acquire);
  }

  // One overload per operation; `timeout` bounds the whole call, resends included.
  GROUPWIRE_COORDINATOR_OPERATIONS(GROUPWIRE_DECLARE_COORDINATOR_CALL)

 private:
  class Routed;  // a call of one partition, as the client holds it between sends
  template <class Req, class Resp>
  class Single;
  class ListAll;
  struct Actions;  // what to do once the lock is released

  // One partition's calls.
  struct Route {
    CoordinatorConnection* owner = nullptr;    // as the last table says; null: none now
    std::size_t in_flight = 0;                 // sent or queued to send, not yet answered
    CoordinatorConnection* sent_to = nullptr;  // where the calls in flight went
    // New calls wait: a call was refused, there is no owner, or the owner changed while calls
    // were in flight to the old one.
    bool rerouting = false;
    std::uint64_t needs_fetch = 0;   // the fetch whose table the waiting calls go by
    std::uint64_t answered_seq = 0;  // the latest call answered meanwhile
    std::vector<std::shared_ptr<Routed>> waiting;
    // Sent in this order by one thread at a time, outside the lock.
    std::deque<std::pair<std::shared_ptr<Routed>, CoordinatorConnection*>> outbox;
    bool sending = false;
  };

  template <class Req, class Resp>
  void start(Req req, std::chrono::milliseconds timeout, Done<Req, Resp> done);
  template <class Req, class Resp>
  void fan_out(Req req, Clock::time_point deadline, Done<Req, Resp> done);
  void submit(std::shared_ptr<Routed> call);
  void refused(std::shared_ptr<Routed> call);
  void answered(const Routed& call, bool reached);

  // With mu_ held.
  void route_locked(std::shared_ptr<Routed> call, Actions& actions);
  void wait_locked(Route& route, std::shared_ptr<Routed> call);
  void resend_locked(std::size_t partition, Actions& actions);
  void fetch_locked(Actions& actions);
  CoordinatorConnection* connection_locked(const std::optional<HostPort>& owner);

  void run(Actions& actions);
  void send_outbox(std::size_t partition);
  void fetched(std::uint64_t fetch, std::optional<RoutingTable> table, const std::string& error);
  void tick_until_stopped();

  CoordinatorClientOptions options_;
  CompletionThread completions_;  // before what runs on it: it goes last
  std::atomic<std::uint64_t> next_seq_{0};
  std::atomic<bool> consumer_protocol_{false};

  std::mutex mu_;
  std::optional<RoutingTable> table_;
  std::vector<Route> routes_;                      // by partition, once the table is known
  std::vector<std::shared_ptr<Routed>> unrouted_;  // before the first table
  std::map<std::string, std::unique_ptr<CoordinatorConnection>> connections_;  // by address
  bool fetching_ = false;
  bool fetch_again_ = false;
  std::uint64_t fetches_started_ = 0;
  std::uint64_t fetches_done_ = 0;
  Clock::time_point next_fetch_{};  // fetches are spaced while partitions wait for an owner
  Clock::time_point last_warning_{};
  bool stopping_ = false;
  std::condition_variable stop_cv_;

  std::unique_ptr<RoutingTableSource> source_;  // after the state its answers update
  std::thread ticker_;                          // deadlines of waiting calls, spaced fetches
};

}  // namespace groupwire::gateway
