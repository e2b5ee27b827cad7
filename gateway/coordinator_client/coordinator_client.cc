#include "coordinator_client/coordinator_client.h"

#include <climits>

#include <spdlog/spdlog.h>

namespace groupwire::gateway {

namespace {

// A restarted coordinator should be reachable again within about a second, not after gRPC's
// default backoff of up to two minutes.
constexpr int kInitialReconnectBackoffMs = 100;
constexpr int kMaxReconnectBackoffMs = 1000;
// Pings only while calls are in flight, to notice a vanished coordinator under a long-poll
// JoinGroup or SyncGroup. gRPC's own limits (two pings without data) keep this acceptable to a
// server with default ping policy.
constexpr int kKeepaliveTimeMs = 30000;
constexpr int kKeepaliveTimeoutMs = 10000;
// Failures come in bursts when the coordinator is down: one warning per interval, the rest at
// debug level.
constexpr std::chrono::seconds kWarningInterval{10};

grpc::ChannelArguments channel_arguments() {
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

}  // namespace

CoordinatorClient::CoordinatorClient(CoordinatorClientOptions options)
    : options_(std::move(options)) {
  std::string target = options_.target.to_string();
  std::size_t n = options_.channels == 0 ? 1 : options_.channels;
  for (std::size_t i = 0; i < n; ++i) {
    auto channel =
        grpc::CreateCustomChannel(target, grpc::InsecureChannelCredentials(), channel_arguments());
    stubs_.push_back(pb::Coordinator::NewStub(channel));
    channels_.push_back(std::move(channel));
  }
}

bool CoordinatorClient::connected() const {
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

CoordinatorClient::~CoordinatorClient() {
  std::unique_lock lock(mu_);
  for (auto* ctx : in_flight_) ctx->TryCancel();
  idle_.wait(lock, [this] { return in_flight_.empty(); });
}

pb::Coordinator::Stub& CoordinatorClient::next_stub() {
  return *stubs_[next_.fetch_add(1, std::memory_order_relaxed) % stubs_.size()];
}

void CoordinatorClient::log_failure(const char* rpc, const grpc::Status& status) {
  if (options_.on_failure) options_.on_failure(rpc, status.error_code());
  auto now = std::chrono::steady_clock::now().time_since_epoch().count();
  auto last = last_warning_ns_.load(std::memory_order_relaxed);
  auto interval = std::chrono::duration_cast<std::chrono::steady_clock::duration>(kWarningInterval);
  bool warn = now - last >= interval.count() &&
              last_warning_ns_.compare_exchange_strong(last, now, std::memory_order_relaxed);
  spdlog::log(warn ? spdlog::level::warn : spdlog::level::debug,
              "coordinator {}: {} failed: {} ({}); answering COORDINATOR_NOT_AVAILABLE",
              options_.target.to_string(), rpc, static_cast<int>(status.error_code()),
              status.error_message());
}

void CoordinatorClient::finished(grpc::ClientContext* ctx) {
  std::lock_guard lock(mu_);
  in_flight_.erase(ctx);
  if (in_flight_.empty()) idle_.notify_all();
}

template <class Req, class Resp, class Start>
void CoordinatorClient::start(const char* rpc, Req req, std::chrono::milliseconds timeout,
                              Done<Req, Resp> done, Start start_call) {
  struct Call {
    grpc::ClientContext ctx;
    Req req;
    Resp resp;
    Done<Req, Resp> done;
  };
  auto* call = new Call{{}, std::move(req), {}, std::move(done)};
  // Fail fast when the coordinator is unreachable: the Kafka client retries on its own.
  call->ctx.set_wait_for_ready(false);
  call->ctx.set_deadline(std::chrono::system_clock::now() + timeout);
  {
    std::lock_guard lock(mu_);
    in_flight_.insert(&call->ctx);
  }
  start_call(next_stub().async(), &call->ctx, &call->req, &call->resp,
             [this, call, rpc](grpc::Status status) {
               if (!status.ok()) log_failure(rpc, status);
               call->done(status, call->req, call->resp);
               // Deleted before the destructor may return: `done` may hold a client connection,
               // whose end must not race the process's exit.
               grpc::ClientContext* key = &call->ctx;
               delete call;
               finished(key);
             });
}

#define GROUPWIRE_COORDINATOR_RPC(Name)                                                  \
  void CoordinatorClient::call(pb::Name##Request req, std::chrono::milliseconds timeout, \
                               Done<pb::Name##Request, pb::Name##Response> done) {       \
    start(#Name, std::move(req), timeout, std::move(done),                               \
          [](auto* api, auto* ctx, auto* q, auto* r, auto cb) {                          \
            api->Name(ctx, q, r, std::move(cb));                                         \
          });                                                                            \
  }

GROUPWIRE_COORDINATOR_RPC(JoinGroup)
GROUPWIRE_COORDINATOR_RPC(SyncGroup)
GROUPWIRE_COORDINATOR_RPC(Heartbeat)
GROUPWIRE_COORDINATOR_RPC(LeaveGroup)
GROUPWIRE_COORDINATOR_RPC(OffsetCommit)
GROUPWIRE_COORDINATOR_RPC(OffsetFetch)
GROUPWIRE_COORDINATOR_RPC(DescribeGroups)
GROUPWIRE_COORDINATOR_RPC(ListGroups)
GROUPWIRE_COORDINATOR_RPC(DeleteGroups)
GROUPWIRE_COORDINATOR_RPC(OffsetDelete)

#undef GROUPWIRE_COORDINATOR_RPC

}  // namespace groupwire::gateway
