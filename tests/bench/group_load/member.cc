#include "group_load/member.h"

#include <deque>
#include <random>
#include <utility>

#include <fmt/format.h>
#include <boost/asio/post.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "group_load/range_assignment.h"
#include "kafka/codec/messages/api_versions.h"
#include "kafka/codec/messages/consumer_group_heartbeat.h"
#include "kafka/codec/messages/consumer_protocol.h"
#include "kafka/codec/messages/heartbeat.h"
#include "kafka/codec/messages/join_group.h"
#include "kafka/codec/messages/leave_group.h"
#include "kafka/codec/messages/sync_group.h"
#include "kafka/error_code.h"

namespace groupwire::bench {

namespace {

using kafka::ErrorCode;
using kafka::to_wire;

constexpr Millis kRetryBackoff{100};
// A connection counts as open once it answered ApiVersions, as clients check: a server whose
// accept backlog overflows lets connect succeed and resets the connection later.
constexpr int kConnectAttempts = 10;
// How long a leader waits for its followers' SyncGroup requests before sending its own anyway.
constexpr Millis kFollowerSyncWait{1000};
constexpr Millis kFollowerSyncSettle{5};

// librdkafka's mock answers a failed SyncGroup with a null assignment, which Kafka's schema
// does not allow (brokers send empty bytes): read at least its error code.
struct SyncGroupErrorHead {
  static constexpr kafka::ApiKey kApiKey = kafka::ApiKey::SyncGroup;
  static constexpr kafka::Versions kValid = kafka::between(0, 3);
  static constexpr kafka::Versions kFlexible = kafka::kNever;

  std::int32_t throttle_time_ms = 0;
  std::int16_t error_code = 0;

  static void fields(auto& m, auto& v) {
    v(m.throttle_time_ms, {"throttle_time_ms", kafka::since(1)});
    v(m.error_code, {"error_code", kafka::since(0)});
  }
};

std::string subscription(const std::string& topic) {
  kafka::ConsumerProtocolSubscription s;
  s.topics = {topic};
  return kafka::encode_consumer_protocol(s, 1);
}

// Answers that tell a member to join again rather than that something is wrong.
bool asks_to_rejoin(std::int16_t code) {
  return code == to_wire(ErrorCode::REBALANCE_IN_PROGRESS) ||
         code == to_wire(ErrorCode::ILLEGAL_GENERATION) ||
         code == to_wire(ErrorCode::UNKNOWN_MEMBER_ID);
}

Millis random_below(Millis bound) {
  if (bound.count() <= 0) return Millis(0);
  thread_local std::mt19937_64 random{std::random_device{}()};
  return Millis(std::uniform_int_distribution<Millis::rep>(0, bound.count() - 1)(random));
}

std::uint32_t micros(Clock::duration d) {
  return static_cast<std::uint32_t>(
      std::chrono::duration_cast<std::chrono::microseconds>(d).count());
}

}  // namespace

Member::Member(const asio::any_io_executor& executor, MemberSetup setup)
    : s_(std::move(setup)), socket_(executor, *s_.security), wake_(executor) {}

void Member::wake() {
  asio::post(wake_.get_executor(), [this] { wake_.cancel(); });
}

void Member::abort() {
  asio::post(wake_.get_executor(), [this] {
    dead_ = true;
    socket_.close();
    wake_.cancel();
  });
}

asio::awaitable<void> Member::run() {
  const Config& config = *s_.config;
  co_await open_connection();
  s_.progress->reached(Milestone::Connected);

  co_await wait_for(s_.phases->go);
  if (config.mode == Mode::Heartbeats) {
    generation_ = 1;
    member_id_ = fmt::format("{}-{:036}", KafkaSocket::kClientId, s_.index);
    make_heartbeat_frame();
    synced_ = true;  // nothing to join: heartbeat as a member of generation 1 would
  }
  if (s_.late) {
    co_await wait_for(s_.phases->late_join);
    co_await pause(random_below(config.late_join_spread), s_.phases->stop_joining);
  }
  if (!dead_ && config.mode == Mode::Groups) {
    if (config.protocol == Protocol::Consumer) {
      membership_.emplace(s_.group_id, ConsumerMembership::random_member_id(), *s_.topic,
                          config.rebalance_timeout, config.topic_regex);
    } else {
      co_await join_and_sync();
    }
  }
  if (config.mode != Mode::Idle) {
    if (membership_) {
      co_await consumer_heartbeats_until_stable();
    } else {
      co_await heartbeat_until_stable();
    }
    co_await heartbeat_window();
  }
  s_.progress->reached(Milestone::Drained);

  co_await wait_for(s_.phases->leave);
  if (!dead_ && membership_ && membership_->epoch() > 0) co_await consumer_leave();
  if (!dead_ && config.mode == Mode::Groups && !member_id_.empty()) co_await leave();
  socket_.close();
  s_.progress->reached(Milestone::Finished);
}

asio::awaitable<void> Member::wait_for(const std::atomic<bool>& flag) {
  // wake() is posted to this thread after the flag rises: it cancels a wait begun before it,
  // and a wait that would begin after it sees the flag first.
  while (!dead_ && !flag.load()) {
    wake_.expires_at(Clock::time_point::max());
    error_code ec;
    co_await wake_.async_wait(asio::redirect_error(asio::use_awaitable, ec));
  }
}

asio::awaitable<bool> Member::pause(Millis d, const std::atomic<bool>& flag) {
  // A wake for another phase's flag must not cut the pause short: a member woken early would
  // heartbeat in step with every other member.
  const auto until = Clock::now() + d;
  while (!dead_ && !flag.load() && Clock::now() < until) {
    wake_.expires_at(until);
    error_code ec;
    co_await wake_.async_wait(asio::redirect_error(asio::use_awaitable, ec));
  }
  co_return flag.load();
}

asio::awaitable<bool> Member::join_and_sync() {
  const Config& config = *s_.config;
  const ApiVersions& v = *s_.versions;
  synced_ = false;
  while (!dead_ && !s_.phases->stop_joining.load()) {
    kafka::JoinGroupRequest join;
    join.group_id = s_.group_id;
    join.session_timeout_ms = static_cast<std::int32_t>(config.session_timeout.count());
    join.rebalance_timeout_ms = static_cast<std::int32_t>(config.rebalance_timeout.count());
    join.member_id = member_id_;
    join.protocol_type = "consumer";
    join.protocols = {{"range", kafka::Bytes{subscription(s_.topic->name)}}};
    s_.tracker->join_sent(s_.index, Clock::now());
    ++stats.join_requests;
    kafka::JoinGroupResponse joined;
    error_code ec = co_await socket_.call(join, v.join_group, joined);
    if (ec) {
      fail("JoinGroup", ec);
      break;
    }
    if (joined.error_code == to_wire(ErrorCode::MEMBER_ID_REQUIRED)) {
      member_id_ = joined.member_id;
      continue;
    }
    if (joined.error_code != 0) {
      count_error("JoinGroup", joined.error_code);
      if (joined.error_code == to_wire(ErrorCode::UNKNOWN_MEMBER_ID)) member_id_.clear();
      co_await pause(kRetryBackoff, s_.phases->stop_joining);
      continue;
    }
    member_id_ = joined.member_id;
    generation_ = joined.generation_id;

    kafka::SyncGroupRequest sync;
    sync.group_id = s_.group_id;
    sync.generation_id = generation_;
    sync.member_id = member_id_;
    sync.protocol_type = "consumer";
    sync.protocol_name = joined.protocol_name;
    if (joined.leader == member_id_) {
      s_.tracker->leader_joined(generation_, joined.members.size());
      std::vector<std::string> ids;
      for (const auto& m : joined.members) ids.push_back(m.member_id);
      sync.assignments = range_assignment(ids, s_.topic->name, s_.topic->partitions);
      co_await await_followers(joined.members.size() - 1);
    }
    s_.tracker->sync_sent(s_.index, generation_);
    kafka::SyncGroupResponse synced;
    ec = co_await sync_group(sync, synced);
    if (ec) {
      fail("SyncGroup", ec);
      break;
    }
    if (synced.error_code == 0) {
      synced_ = true;
      make_heartbeat_frame();
      if (s_.tracker->synced(s_.index, generation_,
                             assigned_partitions(synced.assignment, s_.topic->name),
                             Clock::now())) {
        s_.progress->reached(Milestone::GroupStable);
      }
      co_return true;
    }
    if (asks_to_rejoin(synced.error_code)) {
      ++stats.rebalances;
      if (synced.error_code == to_wire(ErrorCode::UNKNOWN_MEMBER_ID)) member_id_.clear();
    } else {
      count_error("SyncGroup", synced.error_code);
      co_await pause(kRetryBackoff, s_.phases->stop_joining);
    }
  }
  co_return false;
}

asio::awaitable<void> Member::await_followers(std::size_t followers) {
  // Polled: leaders are few, and followers send theirs as soon as the JoinGroup answers arrive.
  constexpr Millis kPoll{1};
  auto give_up = Clock::now() + kFollowerSyncWait;
  while (!dead_ && s_.tracker->syncs_sent(generation_) < followers && Clock::now() < give_up) {
    co_await pause(kPoll, s_.phases->stop_joining);
  }
  // Sent is not yet read: a broker reads the connections that became readable together in any
  // order, and a single-threaded one takes a while over many.
  Millis settle = kFollowerSyncSettle + Millis(static_cast<long>(followers) / 50);
  co_await pause(settle, s_.phases->stop_joining);
}

asio::awaitable<error_code> Member::sync_group(const kafka::SyncGroupRequest& req,
                                               kafka::SyncGroupResponse& out) {
  std::int32_t id = 0;
  std::string_view answer;
  const kafka::ApiVersion version = s_.versions->sync_group;
  error_code ec = co_await socket_.exchange(req, version, id, answer);
  if (ec) co_return ec;
  ec = KafkaSocket::decode_answer(answer, version, id, out);
  if (ec != boost::system::errc::bad_message || !SyncGroupErrorHead::kValid.contains(version)) {
    co_return ec;
  }
  SyncGroupErrorHead head;
  if (KafkaSocket::decode_answer(answer, version, id, head) || head.error_code == 0) co_return ec;
  out.error_code = head.error_code;
  co_return error_code{};
}

asio::awaitable<void> Member::rejoin(std::int16_t error_code) {
  s_.tracker->unsynced(s_.index);
  if (error_code == to_wire(ErrorCode::UNKNOWN_MEMBER_ID)) member_id_.clear();
  co_await join_and_sync();
}

asio::awaitable<void> Member::heartbeat_until_stable() {
  while (!dead_) {
    bool stable = co_await pause(s_.config->join_heartbeat, s_.phases->stable);
    if (stable || dead_) break;
    if (!synced_) {
      // Given up (join timeout) or still to join: keep trying until the window opens.
      if (!s_.phases->stop_joining.load()) co_await join_and_sync();
      continue;
    }
    auto code = co_await heartbeat_once();
    if (!code || *code == 0) continue;
    if (asks_to_rejoin(*code)) {
      ++stats.rebalances;
      co_await rejoin(*code);
    } else {
      count_error("Heartbeat", *code);
    }
  }
}

asio::awaitable<std::optional<std::int16_t>> Member::heartbeat_once() {
  std::int32_t id = socket_.next_correlation_id();
  kafka::patch_correlation_id(heartbeat_frame_, id);
  error_code ec = co_await socket_.send(heartbeat_frame_);
  std::string_view answer;
  if (!ec) ec = co_await socket_.receive(answer);
  kafka::HeartbeatResponse resp;
  if (!ec) ec = KafkaSocket::decode_answer(answer, s_.versions->heartbeat, id, resp);
  if (ec) {
    fail("Heartbeat", ec);
    co_return std::nullopt;
  }
  co_return resp.error_code;
}

asio::awaitable<void> Member::heartbeat_window() {
  if (membership_) co_await consumer_catch_up();
  const Phases& phases = *s_.phases;
  const auto pipeline = static_cast<std::size_t>(s_.config->pipeline);
  std::deque<std::pair<std::int32_t, Clock::time_point>> in_flight;  // oldest first
  while (!dead_) {
    auto now = Clock::now();
    while (in_flight.size() < pipeline && now < phases.window_end) {
      std::int32_t id = socket_.next_correlation_id();
      kafka::patch_correlation_id(heartbeat_frame_, id);
      error_code ec = co_await socket_.send(heartbeat_frame_);
      if (ec) {
        fail("Heartbeat", ec);
        co_return;
      }
      in_flight.emplace_back(id, now);
    }
    if (in_flight.empty()) break;
    std::string_view answer;
    error_code ec = co_await socket_.receive(answer);
    auto answered = Clock::now();
    auto [id, sent] = in_flight.front();
    in_flight.pop_front();
    bool stop = false;
    if (!ec) stop = window_answer(answer, id, ec);
    if (ec) {
      fail("Heartbeat", ec);
      co_return;
    }
    if (sent >= phases.window_start) {
      ++stats.heartbeats;
      stats.latencies_us.push_back(micros(answered - sent));
    }
    if (!stop) continue;
    // Answers to the heartbeats still in flight are stale: read past them first.
    while (!in_flight.empty() && !dead_) {
      ec = co_await socket_.receive(answer);
      if (ec) fail("Heartbeat", ec);
      in_flight.pop_front();
    }
    if (!dead_) co_await after_window_answer();
  }
}

bool Member::window_answer(std::string_view answer, std::int32_t id, error_code& ec) {
  if (membership_) {
    kafka::ConsumerGroupHeartbeatResponse resp;
    ec = KafkaSocket::decode_answer(answer, s_.versions->consumer_group_heartbeat, id, resp);
    if (ec) return false;
    if (resp.error_code != 0) count_error("ConsumerGroupHeartbeat", resp.error_code);
    const std::int32_t epoch = membership_->epoch();
    auto outcome = membership_->apply(resp);
    retrying_ = outcome == HeartbeatOutcome::Retry;
    if (outcome == HeartbeatOutcome::Rejoin) ++stats.rebalances;
    // A new epoch needs a new frame: the coordinator fences an older one that says no owned
    // partitions.
    return outcome != HeartbeatOutcome::Ok || membership_->heartbeat_now() ||
           membership_->epoch() != epoch;
  }
  kafka::HeartbeatResponse resp;
  ec = KafkaSocket::decode_answer(answer, s_.versions->heartbeat, id, resp);
  if (ec || resp.error_code == 0) return false;
  count_error("Heartbeat", resp.error_code);
  window_error_ = resp.error_code;
  return s_.config->mode == Mode::Groups && asks_to_rejoin(resp.error_code);
}

asio::awaitable<void> Member::after_window_answer() {
  if (membership_) {
    co_await consumer_catch_up();
  } else {
    co_await rejoin(window_error_);
  }
}

asio::awaitable<void> Member::leave() {
  kafka::LeaveGroupRequest req;
  req.group_id = s_.group_id;
  req.member_id = member_id_;
  req.members = {{member_id_, std::nullopt, std::nullopt}};
  kafka::LeaveGroupResponse resp;
  error_code ec = co_await socket_.call(req, s_.versions->leave_group, resp);
  if (ec) {
    fail("LeaveGroup", ec);
    co_return;
  }
  if (resp.error_code != 0) count_error("LeaveGroup", resp.error_code);
  for (const auto& m : resp.members) {
    if (m.error_code != 0) count_error("LeaveGroup", m.error_code);
  }
}

asio::awaitable<void> Member::consumer_heartbeats_until_stable() {
  while (!dead_) {
    Millis wait = retrying_                      ? kRetryBackoff
                  : membership_->heartbeat_now() ? Millis(0)
                                                 : membership_->heartbeat_interval();
    bool stable = co_await pause(wait, s_.phases->stable);
    if (stable || dead_) break;
    co_await consumer_heartbeat();
  }
}

asio::awaitable<void> Member::consumer_heartbeat() {
  kafka::ConsumerGroupHeartbeatRequest req = membership_->next_heartbeat();
  if (req.member_epoch == 0) {
    s_.tracker->join_sent(s_.index, Clock::now());
    ++stats.join_requests;
  }
  kafka::ConsumerGroupHeartbeatResponse resp;
  error_code ec = co_await socket_.call(req, s_.versions->consumer_group_heartbeat, resp);
  if (ec) {
    fail("ConsumerGroupHeartbeat", ec);
    co_return;
  }
  if (resp.error_code != 0) count_error("ConsumerGroupHeartbeat", resp.error_code);
  auto outcome = membership_->apply(resp);
  retrying_ = outcome == HeartbeatOutcome::Retry;
  if (outcome == HeartbeatOutcome::Rejoin) ++stats.rebalances;
  if (retrying_) co_return;
  if (s_.tracker->consumer_answered(s_.index, membership_->epoch(), membership_->owned(),
                                    Clock::now())) {
    s_.progress->reached(Milestone::GroupStable);
  }
}

asio::awaitable<void> Member::consumer_catch_up() {
  while (!dead_ && (retrying_ || membership_->heartbeat_now()) &&
         Clock::now() < s_.phases->window_end) {
    if (retrying_) co_await pause(kRetryBackoff, s_.phases->leave);
    co_await consumer_heartbeat();
  }
  make_heartbeat_frame();
}

asio::awaitable<void> Member::consumer_leave() {
  kafka::ConsumerGroupHeartbeatResponse resp;
  error_code ec = co_await socket_.call(membership_->leave_heartbeat(),
                                        s_.versions->consumer_group_heartbeat, resp);
  if (ec) {
    fail("ConsumerGroupHeartbeat (leave)", ec);
  } else if (resp.error_code != 0) {
    count_error("ConsumerGroupHeartbeat (leave)", resp.error_code);
  }
}

asio::awaitable<void> Member::open_connection() {
  // The echo server answers nothing but heartbeats.
  const bool ask_versions = s_.config->mode != Mode::Heartbeats;
  if (!s_.opening->enter([this] {
        may_open_ = true;
        wake();
      })) {
    co_await wait_for(may_open_);
  }
  std::string error;
  for (int attempt = 1; attempt <= kConnectAttempts; ++attempt) {
    error = co_await socket_.connect(s_.broker, s_.source);
    if (error.empty() && ask_versions) {
      error_code ec = co_await say_api_versions();
      if (ec) error = ec.message();
    }
    if (error.empty()) break;
    if (attempt < kConnectAttempts) {
      ++stats.reconnects;
      socket_.reset();
      co_await pause(kRetryBackoff * attempt, s_.phases->go);
    }
  }
  s_.opening->leave();
  if (!error.empty()) fail("connect", error);
}

asio::awaitable<error_code> Member::say_api_versions() {
  kafka::ApiVersionsRequest req;
  kafka::ApiVersionsResponse resp;
  // v0: every broker answers it in full.
  constexpr kafka::ApiVersion kVersion = 0;
  error_code ec = co_await socket_.call(req, kVersion, resp);
  if (!ec && resp.error_code != 0) count_error("ApiVersions", resp.error_code);
  co_return ec;
}

void Member::make_heartbeat_frame() {
  if (membership_) {
    heartbeat_frame_ = kafka::encode_request_frame(membership_->next_heartbeat(),
                                                   s_.versions->consumer_group_heartbeat, 0,
                                                   std::string(KafkaSocket::kClientId));
    return;
  }
  kafka::HeartbeatRequest hb;
  hb.group_id = s_.group_id;
  hb.generation_id = generation_;
  hb.member_id = member_id_;
  heartbeat_frame_ = kafka::encode_request_frame(hb, s_.versions->heartbeat, 0,
                                                 std::string(KafkaSocket::kClientId));
}

void Member::count_error(std::string_view api, std::int16_t error_code) {
  auto name = kafka::error_name(static_cast<ErrorCode>(error_code));
  ++stats.errors[fmt::format("{} {} ({})", api, name, error_code)];
}

void Member::fail(std::string_view what, error_code ec) {
  fail(what, ec.message());
}

void Member::fail(std::string_view what, std::string_view why) {
  ++stats.errors[fmt::format("{}: {}", what, why)];
  dead_ = true;
  socket_.close();
}

}  // namespace groupwire::bench
