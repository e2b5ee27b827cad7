#include "fake_coordinator.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <stdexcept>
#include <string>

namespace groupwire::gateway::testing {

namespace {

// Answers only when the call is cancelled, like a coordinator parking a long-poll forever.
class HeldReactor final : public grpc::ServerUnaryReactor {
 public:
  void OnCancel() override { Finish(grpc::Status::CANCELLED); }
  void OnDone() override { delete this; }
};

template <class Req, class Resp>
grpc::ServerUnaryReactor* answer(grpc::CallbackServerContext* ctx, Recorder<Req, Resp>& recorder,
                                 const Req& req, Resp* resp) {
  if (recorder.record(req, resp)) return new HeldReactor;
  auto* reactor = ctx->DefaultReactor();
  reactor->Finish(grpc::Status::OK);
  return reactor;
}

}  // namespace

FakeCoordinator::FakeCoordinator(int port) {
  grpc::ServerBuilder builder;
  builder.AddListeningPort("127.0.0.1:" + std::to_string(port), grpc::InsecureServerCredentials(),
                           &port_);
  builder.RegisterService(this);
  server_ = builder.BuildAndStart();
  if (!server_ || port_ == 0) throw std::runtime_error("fake coordinator: cannot listen");
}

FakeCoordinator::~FakeCoordinator() {
  server_->Shutdown(std::chrono::system_clock::now() + std::chrono::seconds(1));
}

#define GROUPWIRE_FAKE_RPC(Name, recorder)                                                        \
  grpc::ServerUnaryReactor* FakeCoordinator::Name(                                                \
      grpc::CallbackServerContext* ctx, const pb::Name##Request* req, pb::Name##Response* resp) { \
    return answer(ctx, recorder, *req, resp);                                                     \
  }

GROUPWIRE_FAKE_RPC(JoinGroup, join_group)
GROUPWIRE_FAKE_RPC(SyncGroup, sync_group)
GROUPWIRE_FAKE_RPC(Heartbeat, heartbeat)
GROUPWIRE_FAKE_RPC(LeaveGroup, leave_group)
GROUPWIRE_FAKE_RPC(OffsetCommit, offset_commit)
GROUPWIRE_FAKE_RPC(OffsetFetch, offset_fetch)
GROUPWIRE_FAKE_RPC(DescribeGroups, describe_groups)
GROUPWIRE_FAKE_RPC(ListGroups, list_groups)
GROUPWIRE_FAKE_RPC(DeleteGroups, delete_groups)
GROUPWIRE_FAKE_RPC(OffsetDelete, offset_delete)

#undef GROUPWIRE_FAKE_RPC

int unused_port() {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof addr;
  if (fd < 0 || ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 ||
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
    throw std::runtime_error("unused_port: cannot bind");
  }
  ::close(fd);
  return ntohs(addr.sin_port);
}

}  // namespace groupwire::gateway::testing
