#include "coordinator_client/coordinator_connection.h"

#include <climits>
#include <utility>

#include <spdlog/spdlog.h>

#include "coordinator_client/failed_call.h"
#include "coordinator_client/group_of.h"

namespace groupwire::gateway {

namespace {

// A restarted coordinator should be reachable again within about a second, not after gRPC's
// default backoff of up to two minutes.
constexpr int kInitialReconnectBackoffMs = 100;
constexpr int kMaxReconnectBackoffMs = 1000;
// Pings to notice a vanished coordinator under a quiet stream or a long-poll JoinGroup or
// SyncGroup; the coordinator accepts pings this often.
constexpr int kKeepaliveTimeMs = 30000;
constexpr int kKeepaliveTimeoutMs = 10000;
// Failures come in bursts when the coordinator is down: one warning per interval, the rest at
// debug level.
constexpr std::chrono::seconds kWarningInterval{10};
// How often timed-out calls are looked for: how late past its timeout a call may fail.
constexpr std::chrono::milliseconds kDeadlineTick{10};

// Where each operation sits in a Call and an Answer.
template <class Req>
struct Route;
#define GROUPWIRE_ROUTE(Name, field)                                                     \
  template <>                                                                            \
  struct Route<pb::Name##Request> {                                                      \
    using Response = pb::Name##Response;                                                 \
    static constexpr const char* kRpc = #Name;                                           \
    static constexpr auto kAnswer = pb::Answer::k##Name;                                 \
    static pb::Name##Request* request(pb::Call& call) { return call.mutable_##field(); } \
    static Response* response(pb::Answer& answer) { return answer.mutable_##field(); }   \
  };
GROUPWIRE_COORDINATOR_OPERATIONS(GROUPWIRE_ROUTE)
#undef GROUPWIRE_ROUTE

}  // namespace

grpc::ChannelArguments coordinator_channel_arguments() {
  grpc::ChannelArguments args;
  args.SetInt(GRPC_ARG_INITIAL_RECONNECT_BACKOFF_MS, kInitialReconnectBackoffMs);
  args.SetInt(GRPC_ARG_MIN_RECONNECT_BACKOFF_MS, kInitialReconnectBackoffMs);
  args.SetInt(GRPC_ARG_MAX_RECONNECT_BACKOFF_MS, kMaxReconnectBackoffMs);
  args.SetInt(GRPC_ARG_KEEPALIVE_TIME_MS, kKeepaliveTimeMs);
  args.SetInt(GRPC_ARG_KEEPALIVE_TIMEOUT_MS, kKeepaliveTimeoutMs);
  args.SetInt(GRPC_ARG_KEEPALIVE_PERMIT_WITHOUT_CALLS, 0);
  // Without this, channels with equal arguments share one subchannel, i.e. one connection.
  args.SetInt(GRPC_ARG_USE_LOCAL_SUBCHANNEL_POOL, 1);
  // Stay connected between calls, so readiness (connected()) does not flap on quiet gateways.
  args.SetInt(GRPC_ARG_CLIENT_IDLE_TIMEOUT_MS, INT_MAX);
  // Kafka answers may be large (DescribeGroups with member metadata); the coordinator is trusted.
  args.SetMaxReceiveMessageSize(-1);
  return args;
}

template <class Req, class Resp>
class CoordinatorConnection::Pending final : public PendingCall {
 public:
  Pending(CoordinatorConnection& client, Req sent, Done<Req, Resp> done)
      : client_(client), sent_(std::move(sent)), done_(std::move(done)) {}

  const Req& sent() const { return sent_; }

  void complete(const grpc::Status& status, pb::Answer* answer) override {
    using R = Route<Req>;
    Resp reply;
    grpc::Status outcome = status;
    if (outcome.ok() && answer->response_case() == R::kAnswer) {
      reply = std::move(*R::response(*answer));
    } else if (outcome.ok()) {
      outcome =
          grpc::Status(grpc::StatusCode::UNIMPLEMENTED, "the coordinator answered another call");
    }
    if (!outcome.ok()) client_.log_failure(R::kRpc, outcome);
    done_(outcome, sent_, reply);
  }

 private:
  CoordinatorConnection& client_;
  Req sent_;  // kept for the caller's answer when the call fails
  Done<Req, Resp> done_;
};

CoordinatorConnection::CoordinatorConnection(CoordinatorConnectionOptions options)
    : options_(std::move(options)) {
  std::string target = options_.target.to_string();
  std::size_t n = options_.channels == 0 ? 1 : options_.channels;
  for (std::size_t i = 0; i < n; ++i) {
    auto channel =
        grpc::CreateCustomChannel(target, options_.credentials, coordinator_channel_arguments());
    stubs_.push_back(pb::Coordinator::NewStub(channel));
    streams_.push_back(
        std::make_unique<CallStream>(*stubs_.back(), open_streams_, *options_.completions));
    channels_.push_back(std::move(channel));
  }
  deadlines_ = std::thread([this] { expire_until_stopped(); });
}

bool CoordinatorConnection::connected() const {
  bool all = true;
  for (const auto& channel : channels_) {
    auto state = channel->GetState(/*try_to_connect=*/false);
    // Only an idle channel is asked to connect. With gRPC 1.51 a call that arrives while a
    // connection started this way is still being made fails (the handshake is shut down), so
    // readiness waits for every channel: a ready gateway has no channel still connecting.
    if (state == GRPC_CHANNEL_IDLE) channel->GetState(/*try_to_connect=*/true);
    all = all && state == GRPC_CHANNEL_READY;
  }
  return all;
}

CoordinatorConnection::~CoordinatorConnection() {
  {
    std::lock_guard lock(stop_mu_);
    stopping_ = true;
  }
  stop_cv_.notify_all();
  deadlines_.join();
  for (auto& stream : streams_) stream->cancel();
  open_streams_.wait_none();
}

void CoordinatorConnection::expire_until_stopped() {
  std::unique_lock lock(stop_mu_);
  while (!stop_cv_.wait_for(lock, kDeadlineTick, [this] { return stopping_; })) {
    auto now = CallStream::Clock::now();
    for (auto& stream : streams_) stream->expire(now);
  }
}

CallStream& CoordinatorConnection::stream_for(std::string_view group_id) {
  return *streams_[std::hash<std::string_view>{}(group_id) % streams_.size()];
}

void CoordinatorConnection::log_failure(const char* rpc, const grpc::Status& status) {
  if (options_.on_failure) options_.on_failure(rpc, status.error_code());
  auto now = std::chrono::steady_clock::now().time_since_epoch().count();
  auto last = last_warning_ns_.load(std::memory_order_relaxed);
  auto interval = std::chrono::duration_cast<std::chrono::steady_clock::duration>(kWarningInterval);
  bool warn = now - last >= interval.count() &&
              last_warning_ns_.compare_exchange_strong(last, now, std::memory_order_relaxed);
  spdlog::log(warn ? spdlog::level::warn : spdlog::level::debug,
              "coordinator {}: {} failed: {} ({}); answering {}", options_.target.to_string(), rpc,
              static_cast<int>(status.error_code()), status.error_message(),
              pb::ErrorCode_Name(failure_error(status)));
}

template <class Req, class Resp>
void CoordinatorConnection::start(Req req, std::chrono::milliseconds timeout,
                                  Done<Req, Resp> done) {
  // Calls spanning groups go to the streams in turn: their handlers run them alone on their
  // connection, so no earlier call of theirs is still on another stream.
  const std::string* group_id = group_of(req);
  CallStream& stream =
      group_id ? stream_for(*group_id)
               : *streams_[next_.fetch_add(1, std::memory_order_relaxed) % streams_.size()];
  auto pending = std::make_unique<Pending<Req, Resp>>(*this, std::move(req), std::move(done));
  pb::Call call;
  *Route<Req>::request(call) = pending->sent();
  stream.send(std::move(call), std::move(pending), timeout);
}

#define GROUPWIRE_COORDINATOR_CALL(Name, field)                                              \
  void CoordinatorConnection::call(pb::Name##Request req, std::chrono::milliseconds timeout, \
                                   Done<pb::Name##Request, pb::Name##Response> done) {       \
    start(std::move(req), timeout, std::move(done));                                         \
  }
GROUPWIRE_COORDINATOR_OPERATIONS(GROUPWIRE_COORDINATOR_CALL)
#undef GROUPWIRE_COORDINATOR_CALL

}  // namespace groupwire::gateway
