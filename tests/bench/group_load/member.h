// One simulated group member on its own connection, as one coroutine: connect and ask
// ApiVersions, join (with the MEMBER_ID_REQUIRED round trip), sync (the leader hands out the
// topic's partitions with the range assignor, or nothing), heartbeat until every group is
// Stable, heartbeat in a closed loop through the measured window, then leave. With the consumer
// protocol it joins, heartbeats and leaves with ConsumerGroupHeartbeat: at the interval the
// coordinator gives, or at once to acknowledge a new assignment. A late member joins only once
// every group is Stable. In Heartbeats mode it only heartbeats; in Idle mode it only holds its
// connection.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <boost/asio/steady_timer.hpp>

#include "group_load/config.h"
#include "group_load/consumer_membership.h"
#include "group_load/group_tracker.h"
#include "group_load/kafka_socket.h"
#include "group_load/run_state.h"
#include "kafka/codec/messages/sync_group.h"

namespace groupwire::bench {

struct MemberStats {
  std::uint64_t heartbeats = 0;             // sent inside the window and answered
  std::vector<std::uint32_t> latencies_us;  // of those
  std::map<std::string, std::uint64_t> errors;
  std::uint64_t join_requests = 0;
  std::uint64_t rebalances = 0;  // REBALANCE_IN_PROGRESS and the like while groups formed
  std::uint64_t reconnects = 0;  // connections that failed before answering ApiVersions
};

struct MemberSetup {
  const Config* config = nullptr;
  const ApiVersions* versions = nullptr;
  Phases* phases = nullptr;
  Progress* progress = nullptr;
  OpeningLimit* opening = nullptr;
  GroupTracker* tracker = nullptr;  // Groups mode only
  const BenchTopic* topic = nullptr;
  std::string group_id;
  const gateway::UpstreamSecurity* security = nullptr;
  int index = 0;  // within its group
  bool late = false;
  Broker broker;
  std::optional<asio::ip::address> source;
};

class Member {
 public:
  Member(const asio::any_io_executor& executor, MemberSetup setup);

  // Reports every milestone exactly once, whatever fails.
  asio::awaitable<void> run();
  // Both may be called from any thread. wake: look at the phases again. abort: close the
  // connection, which ends whatever the member is waiting for.
  void wake();
  void abort();

  MemberStats stats;

 private:
  asio::awaitable<void> wait_for(const std::atomic<bool>& flag);
  // Sleeps `d` unless `flag` rises first (or the member dies); returns the flag.
  asio::awaitable<bool> pause(Millis d, const std::atomic<bool>& flag);
  asio::awaitable<bool> join_and_sync();
  // A leader sends its SyncGroup after its followers' (as when computing the assignment takes
  // longer than their round trip): librdkafka's mock completes a sync with the leader's and
  // refuses later followers (INVALID_REQUEST); Kafka parks the followers either way.
  asio::awaitable<void> await_followers(std::size_t followers);
  asio::awaitable<error_code> sync_group(const kafka::SyncGroupRequest& req,
                                         kafka::SyncGroupResponse& out);
  asio::awaitable<void> rejoin(std::int16_t error_code);
  asio::awaitable<void> heartbeat_until_stable();
  asio::awaitable<std::optional<std::int16_t>> heartbeat_once();
  asio::awaitable<void> heartbeat_window();
  // Reads one answer of the window; true when the member must stop pipelining and rejoin
  // (classic) or heartbeat on its own (consumer). `ec` is set when the answer is unreadable.
  bool window_answer(std::string_view answer, std::int32_t id, error_code& ec);
  asio::awaitable<void> after_window_answer();
  asio::awaitable<void> leave();

  // The consumer protocol.
  asio::awaitable<void> consumer_heartbeats_until_stable();
  asio::awaitable<void> consumer_heartbeat();
  // Heartbeats one at a time until the member has nothing to say, then re-makes the frame.
  asio::awaitable<void> consumer_catch_up();
  asio::awaitable<void> consumer_leave();
  asio::awaitable<void> open_connection();
  asio::awaitable<error_code> say_api_versions();

  void make_heartbeat_frame();
  void count_error(std::string_view api, std::int16_t error_code);
  void fail(std::string_view what, error_code ec);
  void fail(std::string_view what, std::string_view why);

  MemberSetup s_;
  KafkaSocket socket_;
  asio::steady_timer wake_;
  std::atomic<bool> may_open_{false};
  bool dead_ = false;
  bool synced_ = false;
  std::string member_id_;
  std::int32_t generation_ = -1;
  std::string heartbeat_frame_;    // encoded once per generation, renumbered per send
  std::int16_t window_error_ = 0;  // classic: the answer that stopped the pipeline
  // Consumer protocol.
  std::optional<ConsumerMembership> membership_;
  bool retrying_ = false;  // the last answer was an error: heartbeat again after a backoff
};

}  // namespace groupwire::bench
