// An in-process coordinator service for gateway tests: records the calls it receives on Calls
// streams and answers canned replies (for calls naming groups, the reply's entries of the groups
// named), or holds calls until the caller gives up.
#pragma once

#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <vector>

#include <grpcpp/grpcpp.h>

#include "groupwire/coordinator/v1/coordinator.grpc.pb.h"

namespace groupwire::gateway::testing {

namespace pb = groupwire::coordinator::v1;

template <class Req, class Resp>
class Recorder {
 public:
  void set_reply(Resp reply) {
    std::lock_guard lock(mu_);
    reply_ = std::move(reply);
  }
  // Held calls are never answered: the gateway gives up on them (its deadline, its shutdown) or
  // the stream ends (the fake's shutdown).
  void set_hold(bool hold) {
    std::lock_guard lock(mu_);
    hold_ = hold;
  }
  std::vector<Req> seen() const {
    std::lock_guard lock(mu_);
    return seen_;
  }
  Req last() const {
    std::lock_guard lock(mu_);
    return seen_.empty() ? Req() : seen_.back();
  }
  std::size_t count() const {
    std::lock_guard lock(mu_);
    return seen_.size();
  }
  void clear() {
    std::lock_guard lock(mu_);
    seen_.clear();
  }

  // Records `req`; returns whether to hold the call, else fills `resp`.
  bool record(const Req& req, Resp* resp) {
    std::lock_guard lock(mu_);
    seen_.push_back(req);
    if (!hold_) *resp = reply_;
    return hold_;
  }

 private:
  mutable std::mutex mu_;
  std::vector<Req> seen_;
  Resp reply_;
  bool hold_ = false;
};

class FakeCoordinator final : public pb::Coordinator::CallbackService {
 public:
  // Listens on 127.0.0.1:port; 0 picks a free port.
  explicit FakeCoordinator(int port = 0);
  ~FakeCoordinator() override;

  int port() const { return port_; }

  Recorder<pb::JoinGroupRequest, pb::JoinGroupResponse> join_group;
  Recorder<pb::SyncGroupRequest, pb::SyncGroupResponse> sync_group;
  Recorder<pb::HeartbeatRequest, pb::HeartbeatResponse> heartbeat;
  Recorder<pb::LeaveGroupRequest, pb::LeaveGroupResponse> leave_group;
  Recorder<pb::OffsetCommitRequest, pb::OffsetCommitResponse> offset_commit;
  Recorder<pb::OffsetFetchRequest, pb::OffsetFetchResponse> offset_fetch;
  Recorder<pb::DescribeGroupsRequest, pb::DescribeGroupsResponse> describe_groups;
  Recorder<pb::ListGroupsRequest, pb::ListGroupsResponse> list_groups;
  Recorder<pb::DeleteGroupsRequest, pb::DeleteGroupsResponse> delete_groups;
  Recorder<pb::OffsetDeleteRequest, pb::OffsetDeleteResponse> offset_delete;
  Recorder<pb::ConsumerGroupHeartbeatRequest, pb::ConsumerGroupHeartbeatResponse>
      consumer_group_heartbeat;
  Recorder<pb::ConsumerGroupDescribeRequest, pb::ConsumerGroupDescribeResponse>
      consumer_group_describe;

  grpc::ServerBidiReactor<pb::CallBatch, pb::AnswerBatch>* Calls(
      grpc::CallbackServerContext* ctx) override;
  grpc::ServerUnaryReactor* GetRoutingTable(grpc::CallbackServerContext* ctx,
                                            const pb::RoutingTableRequest* req,
                                            pb::RoutingTable* resp) override;

  // What GetRoutingTable answers; by default a coordinator alone with one group partition.
  void set_routing_table(pb::RoutingTable table);
  std::size_t routing_table_reads() const;
  // Whether GetRoutingTable was called `n` times within `timeout`.
  bool wait_for_routing_table_reads(std::size_t n, std::chrono::milliseconds timeout);

  // Records a call read from a stream; adds its answer to `out` unless the call is held.
  void answer(pb::Call& call, pb::AnswerBatch& out);

  // The number of calls in each batch read, in the order read.
  void record_batch(std::size_t calls);
  std::vector<std::size_t> batch_sizes() const;
  void clear_batch_sizes();

 private:
  int port_ = 0;
  mutable std::mutex routing_mu_;
  std::condition_variable routing_read_;
  pb::RoutingTable routing_table_;
  std::size_t routing_table_reads_ = 0;
  mutable std::mutex batches_mu_;
  std::vector<std::size_t> batch_sizes_;
  std::unique_ptr<grpc::Server> server_;
};

// A port on 127.0.0.1 with nothing listening (bound once to pick it, then released).
int unused_port();

}  // namespace groupwire::gateway::testing
