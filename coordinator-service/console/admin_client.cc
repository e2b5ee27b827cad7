#include "console/admin_client.h"

namespace groupwire::coordinator::console {

AdminClient::AdminClient(std::string self, std::shared_ptr<grpc::ChannelCredentials> credentials,
                         std::chrono::milliseconds deadline)
    : self_(std::move(self)), credentials_(std::move(credentials)), deadline_(deadline) {}

apb::Admin::Stub& AdminClient::stub(const std::string& address) {
  std::lock_guard lock(mu_);
  auto& stub = stubs_[address];
  if (!stub) stub = apb::Admin::NewStub(grpc::CreateChannel(address, credentials_));
  return *stub;
}

std::unique_ptr<grpc::ClientContext> AdminClient::context() const {
  auto ctx = std::make_unique<grpc::ClientContext>();
  ctx->set_deadline(std::chrono::system_clock::now() + deadline_);
  return ctx;
}

grpc::Status AdminClient::list_groups(apb::ListGroupsResponse& out) {
  apb::ListGroupsRequest req;
  req.set_page_size(1000);
  do {
    apb::ListGroupsResponse page;
    auto status = stub(self_).ListGroups(context().get(), req, &page);
    if (!status.ok()) return status;
    std::move(page.mutable_groups()->begin(), page.mutable_groups()->end(),
              google::protobuf::RepeatedFieldBackInserter(out.mutable_groups()));
    req.set_page_token(page.next_page_token());
  } while (!req.page_token().empty());
  return grpc::Status::OK;
}

grpc::Status AdminClient::describe_group(const std::string& group_id,
                                         apb::DescribeGroupResponse& out) {
  apb::DescribeGroupRequest req;
  req.set_group_id(group_id);
  return stub(self_).DescribeGroup(context().get(), req, &out);
}

grpc::Status AdminClient::get_offsets(const apb::GetOffsetsRequest& req,
                                      apb::GetOffsetsResponse& out) {
  return stub(self_).GetOffsets(context().get(), req, &out);
}

grpc::Status AdminClient::cluster_status(apb::ClusterStatusResponse& out) {
  return stub(self_).ClusterStatus(context().get(), {}, &out);
}

}  // namespace groupwire::coordinator::console
