// The groupwire.admin.v1.Admin gRPC service: operators' calls on groups. Like the Coordinator
// service, each call runs on its group's partition thread, and every change goes through the
// group state machine's own operations (OffsetCommit, OffsetDelete, DeleteGroups, LeaveGroup),
// so the Kafka rules and the group's events apply to operators as to clients.
//
// In a cluster any coordinator answers for every group: a call about a group of a partition
// another coordinator serves is passed to that one (once: a passed call is never passed on), and
// ListGroups asks every coordinator for the groups it serves. WatchGroups streams the events of
// the groups this coordinator serves.
#pragma once

#include <cstddef>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <grpcpp/grpcpp.h>
#include <boost/asio/thread_pool.hpp>

#include "admin/event_hub.h"
#include "cluster/cluster_view.h"
#include "groupwire/admin/v1/admin.grpc.pb.h"
#include "server/partitions.h"

namespace groupwire::coordinator::admin {

class AdminService final : public apb::Admin::CallbackService {
 public:
  // What a call about a group of a partition not served here does instead.
  using Elsewhere = std::function<void(grpc::ServerUnaryReactor*)>;

  // `watch_queue`: events a watcher may fall behind by before the oldest are dropped.
  // `peer_credentials`: how calls passed to other coordinators authenticate.
  AdminService(Partitions& partitions, EventHub& hub, ClusterView& cluster,
               std::size_t watch_queue = 4096,
               std::shared_ptr<grpc::ChannelCredentials> peer_credentials =
                   grpc::InsecureChannelCredentials())
      : partitions_(partitions),
        hub_(hub),
        cluster_(cluster),
        watch_queue_(watch_queue),
        peer_credentials_(std::move(peer_credentials)) {}

  // The lag of a group this coordinator serves, for ListGroups; unset: lag is not known. Set
  // before serving.
  using LagOf = std::function<std::optional<std::int64_t>(const std::string& group_id)>;
  void set_lag_of(LagOf lag_of) { lag_of_ = std::move(lag_of); }

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
  using Async = apb::Admin::Stub::async_interface;
  template <class Req, class Resp>
  using AsyncMethod = void (Async::*)(grpc::ClientContext*, const Req*, Resp*,
                                      std::function<void(grpc::Status)>);

  // Passes the call to the coordinator that serves its group's partition.
  template <class Req, class Resp>
  Elsewhere owner_of_group(grpc::CallbackServerContext* ctx, const Req* req, Resp* resp,
                           AsyncMethod<Req, Resp> method);
  apb::Admin::Stub& peer(const std::string& advertise);
  void list_here(const apb::ListGroupsRequest* req, apb::ListGroupsResponse* resp,
                 std::size_t limit, std::vector<apb::ListGroupsResponse> others,
                 grpc::ServerUnaryReactor* reactor);

  Partitions& partitions_;
  EventHub& hub_;
  ClusterView& cluster_;
  std::size_t watch_queue_;
  std::shared_ptr<grpc::ChannelCredentials> peer_credentials_;
  LagOf lag_of_;
  std::mutex peers_mu_;
  std::map<std::string, std::unique_ptr<apb::Admin::Stub>> peers_;
  // Reading the cluster's database and asking other coordinators wait: not on gRPC's threads.
  boost::asio::thread_pool lookups_{1};
};

}  // namespace groupwire::coordinator::admin
