// The gateway's connection to one coordinator: long-lived gRPC channels (one by default), each
// carrying one Calls stream on which every call of the groups hashed to it is multiplexed (see
// call_stream.h). Transport only: which coordinator a call goes to is the CoordinatorClient's
// business, what a failed call means to a Kafka client the handlers'.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <functional>
#include <memory>
#include <mutex>
#include <string_view>
#include <thread>
#include <vector>

#include <grpcpp/grpcpp.h>

#include "coordinator_client/call_stream.h"
#include "coordinator_client/completion_thread.h"
#include "coordinator_client/operations.h"
#include "groupwire/coordinator/v1/coordinator.grpc.pb.h"
#include "host_port.h"

namespace groupwire::gateway {

namespace pb = groupwire::coordinator::v1;

struct CoordinatorConnectionOptions {
  HostPort target;
  std::size_t channels = 1;  // --coordinator-channels
  // Told of every failed call (for metrics), on a gRPC thread.
  std::function<void(const char* rpc, grpc::StatusCode code)> on_failure{};
  std::shared_ptr<grpc::ChannelCredentials> credentials = grpc::InsecureChannelCredentials();
  CompletionThread* completions = nullptr;  // where the streams' operations run; outlives this
};

// The channel settings of every channel to a coordinator: quick reconnects, keepalive pings, no
// idle disconnects.
grpc::ChannelArguments coordinator_channel_arguments();

class CoordinatorConnection {
 public:
  // Called exactly once, on a gRPC thread (or the deadline thread), with the request as sent
  // and the reply (meaningful only when the status is OK).
  template <class Req, class Resp>
  using Done = std::function<void(const grpc::Status&, const Req& sent, Resp& reply)>;

  explicit CoordinatorConnection(CoordinatorConnectionOptions options);
  // Fails the calls still in flight (CANCELLED) and waits for their callbacks to return.
  ~CoordinatorConnection();
  CoordinatorConnection(const CoordinatorConnection&) = delete;
  CoordinatorConnection& operator=(const CoordinatorConnection&) = delete;

  const HostPort& target() const { return options_.target; }

  // Whether every channel to the coordinator is connected; asks idle ones to connect. (Not at
  // construction: with gRPC 1.51 a connection started before the first call fails that call.)
  bool connected() const;

  // One overload per operation; `timeout` bounds the whole call. Calls about one group
  // (including an OffsetFetch, DescribeGroups or DeleteGroups naming only it) go on one stream,
  // so the coordinator sees them in the order they were made.
  GROUPWIRE_COORDINATOR_OPERATIONS(GROUPWIRE_DECLARE_COORDINATOR_CALL)

 private:
  template <class Req, class Resp>
  class Pending;  // a call's PendingCall: its request as sent and its Done
  template <class Req, class Resp>
  void start(Req req, std::chrono::milliseconds timeout, Done<Req, Resp> done);
  CallStream& stream_for(std::string_view group_id);
  void log_failure(const char* rpc, const grpc::Status& status);
  void expire_until_stopped();

  CoordinatorConnectionOptions options_;
  std::vector<std::shared_ptr<grpc::Channel>> channels_;
  std::vector<std::unique_ptr<pb::Coordinator::Stub>> stubs_;
  OpenStreams open_streams_;  // before streams_: they count themselves in it
  std::vector<std::unique_ptr<CallStream>> streams_;
  std::atomic<std::size_t> next_{0};
  std::atomic<std::int64_t> last_warning_ns_{0};

  // Fails the calls whose timeout has passed, every kDeadlineTick.
  std::mutex stop_mu_;
  std::condition_variable stop_cv_;
  bool stopping_ = false;
  std::thread deadlines_;
};

}  // namespace groupwire::gateway
