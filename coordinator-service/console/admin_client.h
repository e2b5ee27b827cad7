// The console's way into the admin API: it reads only what the Admin service offers (no second
// source of truth), over gRPC, as the CLI does. Calls go to this coordinator, which passes a
// group's calls to its owner and lists every coordinator's groups; event streams are opened on
// each coordinator of the cluster.
#pragma once

#include <chrono>
#include <map>
#include <memory>
#include <mutex>
#include <string>

#include <grpcpp/grpcpp.h>

#include "groupwire/admin/v1/admin.grpc.pb.h"

namespace groupwire::coordinator::console {

namespace apb = groupwire::admin::v1;

class AdminClient {
 public:
  // `self`: this coordinator's address; `credentials`: as it calls its peers.
  AdminClient(std::string self, std::shared_ptr<grpc::ChannelCredentials> credentials,
              std::chrono::milliseconds deadline = std::chrono::seconds(10));

  // Every group of the cluster, all pages.
  grpc::Status list_groups(apb::ListGroupsResponse& out);
  grpc::Status describe_group(const std::string& group_id, apb::DescribeGroupResponse& out);
  grpc::Status get_offsets(const apb::GetOffsetsRequest& req, apb::GetOffsetsResponse& out);
  grpc::Status cluster_status(apb::ClusterStatusResponse& out);

  // The stub of the coordinator at `address` (this one's for `self`).
  apb::Admin::Stub& stub(const std::string& address);
  std::unique_ptr<grpc::ClientContext> context() const;

 private:
  std::string self_;
  std::shared_ptr<grpc::ChannelCredentials> credentials_;
  std::chrono::milliseconds deadline_;
  std::mutex mu_;
  std::map<std::string, std::unique_ptr<apb::Admin::Stub>> stubs_;
};

}  // namespace groupwire::coordinator::console
