// The Coordinator gRPC service: every operation as a unary RPC (for tools and tests) and all of
// them multiplexed on the Calls stream (how gateways call). Uses the callback API, so a parked
// JoinGroup or SyncGroup holds no thread while it waits.
#pragma once

#include <mutex>
#include <set>

#include <grpcpp/grpcpp.h>

#include "cluster/cluster_view.h"
#include "groupwire/coordinator/v1/coordinator.grpc.pb.h"
#include "server/calls_stream.h"
#include "server/group_calls.h"
#include "server/partitions.h"

namespace groupwire::coordinator {

class CoordinatorService final : public pb::Coordinator::CallbackService {
 public:
  CoordinatorService(Partitions& partitions, ClusterView& cluster)
      : partitions_(partitions), calls_(partitions), cluster_(cluster) {}

  // Before Server::Shutdown: Calls streams stop starting calls and end once the calls they
  // started are answered. (Shutdown alone would wait its whole deadline: a stream never ends
  // by itself.)
  void drain();

  grpc::ServerBidiReactor<pb::CallBatch, pb::AnswerBatch>* Calls(
      grpc::CallbackServerContext* ctx) override;

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
  grpc::ServerUnaryReactor* ConsumerGroupHeartbeat(
      grpc::CallbackServerContext* ctx, const pb::ConsumerGroupHeartbeatRequest* req,
      pb::ConsumerGroupHeartbeatResponse* resp) override;
  grpc::ServerUnaryReactor* ConsumerGroupDescribe(grpc::CallbackServerContext* ctx,
                                                  const pb::ConsumerGroupDescribeRequest* req,
                                                  pb::ConsumerGroupDescribeResponse* resp) override;
  grpc::ServerUnaryReactor* GetRoutingTable(grpc::CallbackServerContext* ctx,
                                            const pb::RoutingTableRequest* req,
                                            pb::RoutingTable* resp) override;

 private:
  Partitions& partitions_;
  GroupCalls calls_;
  ClusterView& cluster_;
  std::mutex mu_;
  std::set<CallsStream*> streams_;
  bool draining_ = false;
};

}  // namespace groupwire::coordinator
