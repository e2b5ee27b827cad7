// An in-process coordinator service for gateway tests: records the requests it receives and
// answers canned replies, or holds calls until the caller gives up.
#pragma once

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
  // Held calls are answered only when cancelled (client deadline, server shutdown).
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

  grpc::ServerUnaryReactor* JoinGroup(grpc::CallbackServerContext* ctx,
                                      const pb::JoinGroupRequest* req,
                                      pb::JoinGroupResponse* resp) override;
  grpc::ServerUnaryReactor* SyncGroup(grpc::CallbackServerContext* ctx,
                                      const pb::SyncGroupRequest* req,
                                      pb::SyncGroupResponse* resp) override;
  grpc::ServerUnaryReactor* Heartbeat(grpc::CallbackServerContext* ctx,
                                      const pb::HeartbeatRequest* req,
                                      pb::HeartbeatResponse* resp) override;
  grpc::ServerUnaryReactor* LeaveGroup(grpc::CallbackServerContext* ctx,
                                       const pb::LeaveGroupRequest* req,
                                       pb::LeaveGroupResponse* resp) override;
  grpc::ServerUnaryReactor* OffsetCommit(grpc::CallbackServerContext* ctx,
                                         const pb::OffsetCommitRequest* req,
                                         pb::OffsetCommitResponse* resp) override;
  grpc::ServerUnaryReactor* OffsetFetch(grpc::CallbackServerContext* ctx,
                                        const pb::OffsetFetchRequest* req,
                                        pb::OffsetFetchResponse* resp) override;
  grpc::ServerUnaryReactor* DescribeGroups(grpc::CallbackServerContext* ctx,
                                           const pb::DescribeGroupsRequest* req,
                                           pb::DescribeGroupsResponse* resp) override;
  grpc::ServerUnaryReactor* ListGroups(grpc::CallbackServerContext* ctx,
                                       const pb::ListGroupsRequest* req,
                                       pb::ListGroupsResponse* resp) override;
  grpc::ServerUnaryReactor* DeleteGroups(grpc::CallbackServerContext* ctx,
                                         const pb::DeleteGroupsRequest* req,
                                         pb::DeleteGroupsResponse* resp) override;
  grpc::ServerUnaryReactor* OffsetDelete(grpc::CallbackServerContext* ctx,
                                         const pb::OffsetDeleteRequest* req,
                                         pb::OffsetDeleteResponse* resp) override;

 private:
  int port_ = 0;
  std::unique_ptr<grpc::Server> server_;
};

// A port on 127.0.0.1 with nothing listening (bound once to pick it, then released).
int unused_port();

}  // namespace groupwire::gateway::testing
