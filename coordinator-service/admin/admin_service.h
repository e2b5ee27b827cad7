// The groupwire.admin.v1.Admin gRPC service: operators' calls on groups. Like the Coordinator
// service, each call runs on its group's partition thread, and every change goes through the
// group state machine's own operations (OffsetCommit, OffsetDelete, DeleteGroups, LeaveGroup),
// so the Kafka rules and the group's events apply to operators as to clients.
#pragma once

#include <cstddef>

#include <grpcpp/grpcpp.h>

#include "admin/event_hub.h"
#include "cluster/cluster_view.h"
#include "groupwire/admin/v1/admin.grpc.pb.h"
#include "server/partitions.h"

namespace groupwire::coordinator::admin {

class AdminService final : public apb::Admin::CallbackService {
 public:
  // `watch_queue`: events a watcher may fall behind by before the oldest are dropped.
  AdminService(Partitions& partitions, EventHub& hub, ClusterView& cluster,
               std::size_t watch_queue = 4096)
      : partitions_(partitions), hub_(hub), cluster_(cluster), watch_queue_(watch_queue) {}

  grpc::ServerUnaryReactor* ListGroups(grpc::CallbackServerContext* ctx,
                                       const apb::ListGroupsRequest* req,
                                       apb::ListGroupsResponse* resp) override;
  grpc::ServerUnaryReactor* DescribeGroup(grpc::CallbackServerContext* ctx,
                                          const apb::DescribeGroupRequest* req,
                                          apb::DescribeGroupResponse* resp) override;
  grpc::ServerUnaryReactor* GetOffsets(grpc::CallbackServerContext* ctx,
                                       const apb::GetOffsetsRequest* req,
                                       apb::GetOffsetsResponse* resp) override;
  grpc::ServerUnaryReactor* ResetOffsets(grpc::CallbackServerContext* ctx,
                                         const apb::ResetOffsetsRequest* req,
                                         apb::ResetOffsetsResponse* resp) override;
  grpc::ServerUnaryReactor* DeleteOffsets(grpc::CallbackServerContext* ctx,
                                          const apb::DeleteOffsetsRequest* req,
                                          apb::DeleteOffsetsResponse* resp) override;
  grpc::ServerUnaryReactor* DeleteGroup(grpc::CallbackServerContext* ctx,
                                        const apb::DeleteGroupRequest* req,
                                        apb::DeleteGroupResponse* resp) override;
  grpc::ServerUnaryReactor* RemoveMember(grpc::CallbackServerContext* ctx,
                                         const apb::RemoveMemberRequest* req,
                                         apb::RemoveMemberResponse* resp) override;
  grpc::ServerWriteReactor<apb::GroupEvent>* WatchGroups(
      grpc::CallbackServerContext* ctx, const apb::WatchGroupsRequest* req) override;
  grpc::ServerUnaryReactor* ClusterStatus(grpc::CallbackServerContext* ctx,
                                          const apb::ClusterStatusRequest* req,
                                          apb::ClusterStatusResponse* resp) override;

 private:
  Partitions& partitions_;
  EventHub& hub_;
  ClusterView& cluster_;
  std::size_t watch_queue_;
};

}  // namespace groupwire::coordinator::admin
