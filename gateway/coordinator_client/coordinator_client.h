// The gateway's connection to the coordinator service: a few long-lived gRPC channels used in
// turn, unary calls on gRPC's callback API (no thread per call). Transport only: what a failed
// call means to a Kafka client is the handlers' business.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <functional>
#include <memory>
#include <mutex>
#include <unordered_set>
#include <vector>

#include <grpcpp/grpcpp.h>

#include "groupwire/coordinator/v1/coordinator.grpc.pb.h"
#include "host_port.h"

namespace groupwire::gateway {

namespace pb = groupwire::coordinator::v1;

struct CoordinatorClientOptions {
  HostPort target;
  std::chrono::milliseconds call_timeout{5000};  // --coordinator-timeout-ms
  std::size_t channels = 2;
  // Told of every failed call (for metrics), on a gRPC thread.
  std::function<void(const char* rpc, grpc::StatusCode code)> on_failure{};
};

class CoordinatorClient {
 public:
  // Called exactly once, on a gRPC thread, with the request as sent and the reply (meaningful
  // only when the status is OK).
  template <class Req, class Resp>
  using Done = std::function<void(const grpc::Status&, const Req& sent, Resp& reply)>;

  explicit CoordinatorClient(CoordinatorClientOptions options);
  // Cancels the calls still in flight and waits for their callbacks to return.
  ~CoordinatorClient();
  CoordinatorClient(const CoordinatorClient&) = delete;
  CoordinatorClient& operator=(const CoordinatorClient&) = delete;

  std::chrono::milliseconds call_timeout() const { return options_.call_timeout; }
  const HostPort& target() const { return options_.target; }

  // Whether every channel to the coordinator is connected; asks idle ones to connect. (Not at
  // construction: with gRPC 1.51 a connection started before the first call fails that call.)
  bool connected() const;

  // One overload per RPC; `timeout` bounds the whole call.
  void call(pb::JoinGroupRequest req, std::chrono::milliseconds timeout,
            Done<pb::JoinGroupRequest, pb::JoinGroupResponse> done);
  void call(pb::SyncGroupRequest req, std::chrono::milliseconds timeout,
            Done<pb::SyncGroupRequest, pb::SyncGroupResponse> done);
  void call(pb::HeartbeatRequest req, std::chrono::milliseconds timeout,
            Done<pb::HeartbeatRequest, pb::HeartbeatResponse> done);
  void call(pb::LeaveGroupRequest req, std::chrono::milliseconds timeout,
            Done<pb::LeaveGroupRequest, pb::LeaveGroupResponse> done);
  void call(pb::OffsetCommitRequest req, std::chrono::milliseconds timeout,
            Done<pb::OffsetCommitRequest, pb::OffsetCommitResponse> done);
  void call(pb::OffsetFetchRequest req, std::chrono::milliseconds timeout,
            Done<pb::OffsetFetchRequest, pb::OffsetFetchResponse> done);
  void call(pb::DescribeGroupsRequest req, std::chrono::milliseconds timeout,
            Done<pb::DescribeGroupsRequest, pb::DescribeGroupsResponse> done);
  void call(pb::ListGroupsRequest req, std::chrono::milliseconds timeout,
            Done<pb::ListGroupsRequest, pb::ListGroupsResponse> done);
  void call(pb::DeleteGroupsRequest req, std::chrono::milliseconds timeout,
            Done<pb::DeleteGroupsRequest, pb::DeleteGroupsResponse> done);
  void call(pb::OffsetDeleteRequest req, std::chrono::milliseconds timeout,
            Done<pb::OffsetDeleteRequest, pb::OffsetDeleteResponse> done);

 private:
  template <class Req, class Resp, class Start>
  void start(const char* rpc, Req req, std::chrono::milliseconds timeout, Done<Req, Resp> done,
             Start start_call);
  pb::Coordinator::Stub& next_stub();
  void log_failure(const char* rpc, const grpc::Status& status);
  void finished(grpc::ClientContext* ctx);

  CoordinatorClientOptions options_;
  std::vector<std::shared_ptr<grpc::Channel>> channels_;
  std::vector<std::unique_ptr<pb::Coordinator::Stub>> stubs_;
  std::atomic<std::size_t> next_{0};
  std::atomic<std::int64_t> last_warning_ns_{0};

  std::mutex mu_;
  std::condition_variable idle_;
  std::unordered_set<grpc::ClientContext*> in_flight_;
};

}  // namespace groupwire::gateway
