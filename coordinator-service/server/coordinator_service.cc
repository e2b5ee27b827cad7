#include "server/coordinator_service.h"

#include <atomic>
#include <memory>
#include <utility>

namespace groupwire::coordinator {

namespace {

// A unary call answered by GroupCalls. The reply (on a partition thread) and a cancellation (on
// a gRPC thread) race to finish the call; the flag lets exactly one of them, and keeps a late
// reply (a long-poll whose client left) away from the response, which gRPC frees once the call
// is finished.
template <class Resp>
class UnaryCall final : public grpc::ServerUnaryReactor {
 public:
  explicit UnaryCall(Resp* response) : state_(std::make_shared<State>()) {
    state_->call = this;
    state_->response = response;
  }

  Reply<Resp> reply() const {
    return [state = state_](Resp r) {
      if (state->finished.exchange(true)) return;
      *state->response = std::move(r);
      state->call->Finish(grpc::Status::OK);
    };
  }

  // Also runs when Server::Shutdown's deadline passes: a parked JoinGroup or SyncGroup would
  // otherwise keep the call, and Shutdown, waiting until its rebalance step completes.
  void OnCancel() override {
    if (!state_->finished.exchange(true)) Finish(grpc::Status::CANCELLED);
  }

  void OnDone() override { delete this; }

 private:
  struct State {
    UnaryCall* call = nullptr;
    Resp* response = nullptr;
    std::atomic<bool> finished{false};
  };
  std::shared_ptr<State> state_;
};

template <class Req, class Resp>
using Operation = void (GroupCalls::*)(Req, Reply<Resp>);

template <class Req, class Resp>
grpc::ServerUnaryReactor* unary(GroupCalls& calls, Operation<Req, Resp> op, const Req* req,
                                Resp* resp) {
  auto* call = new UnaryCall<Resp>(resp);
  (calls.*op)(*req, call->reply());
  return call;
}

}  // namespace

void CoordinatorService::drain() {
  std::lock_guard lock(mu_);
  draining_ = true;
  for (auto* stream : streams_) stream->drain();
}

grpc::ServerBidiReactor<pb::CallBatch, pb::AnswerBatch>* CoordinatorService::Calls(
    grpc::CallbackServerContext*) {
  auto* stream = new CallsStream(calls_, [this](CallsStream* done) {
    std::lock_guard lock(mu_);
    streams_.erase(done);
  });
  std::lock_guard lock(mu_);
  streams_.insert(stream);
  if (draining_) stream->drain();
  return stream;
}

#define GROUPWIRE_UNARY_RPC(Name, operation)                                                  \
  grpc::ServerUnaryReactor* CoordinatorService::Name(                                         \
      grpc::CallbackServerContext*, const pb::Name##Request* req, pb::Name##Response* resp) { \
    return unary(calls_, &GroupCalls::operation, req, resp);                                  \
  }

GROUPWIRE_UNARY_RPC(JoinGroup, join_group)
GROUPWIRE_UNARY_RPC(SyncGroup, sync_group)
GROUPWIRE_UNARY_RPC(Heartbeat, heartbeat)
GROUPWIRE_UNARY_RPC(LeaveGroup, leave_group)
GROUPWIRE_UNARY_RPC(OffsetCommit, offset_commit)
GROUPWIRE_UNARY_RPC(OffsetFetch, offset_fetch)
GROUPWIRE_UNARY_RPC(DescribeGroups, describe_groups)
GROUPWIRE_UNARY_RPC(ListGroups, list_groups)
GROUPWIRE_UNARY_RPC(DeleteGroups, delete_groups)
GROUPWIRE_UNARY_RPC(OffsetDelete, offset_delete)
GROUPWIRE_UNARY_RPC(ConsumerGroupHeartbeat, consumer_group_heartbeat)
GROUPWIRE_UNARY_RPC(ConsumerGroupDescribe, consumer_group_describe)

#undef GROUPWIRE_UNARY_RPC

grpc::ServerUnaryReactor* CoordinatorService::GetRoutingTable(grpc::CallbackServerContext* ctx,
                                                              const pb::RoutingTableRequest*,
                                                              pb::RoutingTable* resp) {
  auto* reactor = ctx->DefaultReactor();
  apb::ClusterStatusResponse status;
  if (auto read = cluster_.read(status); !read.ok()) {
    reactor->Finish(read);
    return reactor;
  }
  resp->set_group_partitions(status.group_partitions());
  resp->set_clustered(cluster_.clustered());
  resp->add_group_protocols("classic");
  if (partitions_.config().consumer_protocol) resp->add_group_protocols("consumer");
  if (cluster_.clustered()) {
    for (const auto& c : status.coordinators()) {
      for (const auto& p : c.partitions()) {
        auto* owner = resp->add_owners();
        owner->set_partition(p.partition());
        owner->set_coordinator(c.advertise());
        owner->set_epoch(p.epoch());
      }
    }
  }
  reactor->Finish(grpc::Status::OK);
  return reactor;
}

}  // namespace groupwire::coordinator
