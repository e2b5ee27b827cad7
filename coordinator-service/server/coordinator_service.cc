#include "server/coordinator_service.h"

#include <map>
#include <memory>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "server/gather.h"

namespace groupwire::coordinator {

namespace {

// A call answered by one partition's state machine. The reply handed to the state machine and a
// cancellation both finish the call on the partition's thread, so a plain flag makes Finish
// happen exactly once and keeps a late reply (a long-poll whose client left) away from the
// response, which gRPC frees once the call is finished.
template <class Resp>
class PartitionCall final : public grpc::ServerUnaryReactor {
 public:
  PartitionCall(Partitions& partitions, std::size_t partition, Resp* response)
      : partitions_(partitions), partition_(partition), state_(std::make_shared<State>()) {
    state_->call = this;
    state_->response = response;
  }

  Reply<Resp> reply() const {
    return [state = state_](Resp r) {
      if (state->finished) return;
      state->finished = true;
      *state->response = std::move(r);
      state->call->Finish(grpc::Status::OK);
    };
  }

  // Also runs when Server::Shutdown's deadline passes: a parked JoinGroup or SyncGroup would
  // otherwise keep the call, and Shutdown, waiting until its rebalance step completes.
  void OnCancel() override {
    partitions_.post(partition_, [state = state_](GroupPartition&) {
      if (state->finished) return;
      state->finished = true;
      state->call->Finish(grpc::Status::CANCELLED);
    });
  }

  void OnDone() override { delete this; }

 private:
  struct State {
    PartitionCall* call = nullptr;
    Resp* response = nullptr;
    bool finished = false;
  };

  Partitions& partitions_;
  std::size_t partition_;
  std::shared_ptr<State> state_;
};

// Posts start(partition, reply) to the group's partition. Empty group ids hash like any other:
// what they mean (INVALID_GROUP_ID for most calls) is the state machine's answer.
template <class Resp, class Start>
grpc::ServerUnaryReactor* on_partition(Partitions& partitions, const std::string& group_id,
                                       Resp* response, Start start) {
  std::size_t p = partitions.partition_for(group_id);
  auto* call = new PartitionCall<Resp>(partitions, p, response);
  partitions.post(
      p, [start = std::move(start), reply = call->reply()](GroupPartition& g) { start(g, reply); });
  return call;
}

// Request positions by partition, so each partition is posted to once.
template <class IdOf>
std::map<std::size_t, std::vector<int>> by_partition(const Partitions& partitions, int n,
                                                     IdOf id_of) {
  std::map<std::size_t, std::vector<int>> out;
  for (int i = 0; i < n; ++i) out[partitions.partition_for(id_of(i))].push_back(i);
  return out;
}

}  // namespace

grpc::ServerUnaryReactor* CoordinatorService::JoinGroup(grpc::CallbackServerContext*,
                                                        const pb::JoinGroupRequest* req,
                                                        pb::JoinGroupResponse* resp) {
  return on_partition(partitions_, req->group_id(), resp,
                      [req](GroupPartition& g, Reply<pb::JoinGroupResponse> reply) {
                        g.join_group(*req, std::move(reply));
                      });
}

grpc::ServerUnaryReactor* CoordinatorService::SyncGroup(grpc::CallbackServerContext*,
                                                        const pb::SyncGroupRequest* req,
                                                        pb::SyncGroupResponse* resp) {
  return on_partition(partitions_, req->group_id(), resp,
                      [req](GroupPartition& g, Reply<pb::SyncGroupResponse> reply) {
                        g.sync_group(*req, std::move(reply));
                      });
}

grpc::ServerUnaryReactor* CoordinatorService::Heartbeat(grpc::CallbackServerContext*,
                                                        const pb::HeartbeatRequest* req,
                                                        pb::HeartbeatResponse* resp) {
  return on_partition(partitions_, req->group_id(), resp,
                      [req](GroupPartition& g, Reply<pb::HeartbeatResponse> reply) {
                        g.heartbeat(*req, std::move(reply));
                      });
}

grpc::ServerUnaryReactor* CoordinatorService::LeaveGroup(grpc::CallbackServerContext*,
                                                         const pb::LeaveGroupRequest* req,
                                                         pb::LeaveGroupResponse* resp) {
  return on_partition(partitions_, req->group_id(), resp,
                      [req](GroupPartition& g, Reply<pb::LeaveGroupResponse> reply) {
                        g.leave_group(*req, std::move(reply));
                      });
}

grpc::ServerUnaryReactor* CoordinatorService::OffsetCommit(grpc::CallbackServerContext*,
                                                           const pb::OffsetCommitRequest* req,
                                                           pb::OffsetCommitResponse* resp) {
  return on_partition(partitions_, req->group_id(), resp,
                      [req](GroupPartition& g, Reply<pb::OffsetCommitResponse> reply) {
                        g.offset_commit(*req, std::move(reply));
                      });
}

grpc::ServerUnaryReactor* CoordinatorService::OffsetDelete(grpc::CallbackServerContext*,
                                                           const pb::OffsetDeleteRequest* req,
                                                           pb::OffsetDeleteResponse* resp) {
  return on_partition(partitions_, req->group_id(), resp,
                      [req](GroupPartition& g, Reply<pb::OffsetDeleteResponse> reply) {
                        g.offset_delete(*req, std::move(reply));
                      });
}

// The multi-group calls answer at once on each partition, so the default reactor suffices: the
// call finishes as soon as the last partition has answered.

grpc::ServerUnaryReactor* CoordinatorService::OffsetFetch(grpc::CallbackServerContext* ctx,
                                                          const pb::OffsetFetchRequest* req,
                                                          pb::OffsetFetchResponse* resp) {
  // Without transactions no offset is ever pending, so require_stable changes nothing.
  auto* reactor = ctx->DefaultReactor();
  const int n = req->groups_size();
  auto groups = by_partition(
      partitions_, n, [req](int i) -> const std::string& { return req->groups(i).group_id(); });
  if (groups.empty()) {
    reactor->Finish(grpc::Status::OK);
    return reactor;
  }
  auto gather = std::make_shared<Gather<pb::OffsetFetchGroupResponse>>(n, groups.size());
  for (auto& [p, indexes] : groups) {
    partitions_.post(p,
                     [req, resp, reactor, gather, indexes = std::move(indexes)](GroupPartition& g) {
                       for (int i : indexes) gather->slot(i) = g.offset_fetch(req->groups(i));
                       if (!gather->arrive()) return;
                       for (auto& group : gather->slots())
                         resp->mutable_groups()->Add(std::move(group));
                       reactor->Finish(grpc::Status::OK);
                     });
  }
  return reactor;
}

grpc::ServerUnaryReactor* CoordinatorService::DescribeGroups(grpc::CallbackServerContext* ctx,
                                                             const pb::DescribeGroupsRequest* req,
                                                             pb::DescribeGroupsResponse* resp) {
  auto* reactor = ctx->DefaultReactor();
  const int n = req->group_ids_size();
  auto groups = by_partition(partitions_, n,
                             [req](int i) -> const std::string& { return req->group_ids(i); });
  if (groups.empty()) {
    reactor->Finish(grpc::Status::OK);
    return reactor;
  }
  auto gather = std::make_shared<Gather<pb::DescribedGroup>>(n, groups.size());
  for (auto& [p, indexes] : groups) {
    partitions_.post(p,
                     [req, resp, reactor, gather, indexes = std::move(indexes)](GroupPartition& g) {
                       for (int i : indexes) gather->slot(i) = g.describe_group(req->group_ids(i));
                       if (!gather->arrive()) return;
                       for (auto& group : gather->slots())
                         resp->mutable_groups()->Add(std::move(group));
                       reactor->Finish(grpc::Status::OK);
                     });
  }
  return reactor;
}

grpc::ServerUnaryReactor* CoordinatorService::ListGroups(grpc::CallbackServerContext* ctx,
                                                         const pb::ListGroupsRequest* req,
                                                         pb::ListGroupsResponse* resp) {
  auto* reactor = ctx->DefaultReactor();
  const std::size_t n = partitions_.size();
  struct Listed {
    pb::ErrorCode error = pb::NONE;
    std::vector<pb::ListedGroup> groups;
  };
  auto gather = std::make_shared<Gather<Listed>>(n, n);
  for (std::size_t p = 0; p < n; ++p) {
    partitions_.post(p, [req, resp, reactor, gather, p](GroupPartition& g) {
      Listed& mine = gather->slot(p);
      mine.error = g.list_groups(*req, mine.groups);
      if (!gather->arrive()) return;
      // Like Kafka: a partition still loading fails the whole listing (retriable).
      resp->set_error_code(pb::NONE);
      for (auto& listed : gather->slots()) {
        if (listed.error != pb::NONE) resp->set_error_code(listed.error);
        for (auto& group : listed.groups) resp->mutable_groups()->Add(std::move(group));
      }
      reactor->Finish(grpc::Status::OK);
    });
  }
  return reactor;
}

grpc::ServerUnaryReactor* CoordinatorService::DeleteGroups(grpc::CallbackServerContext* ctx,
                                                           const pb::DeleteGroupsRequest* req,
                                                           pb::DeleteGroupsResponse* resp) {
  auto* reactor = ctx->DefaultReactor();
  // Kafka deletes the set of named groups: a repeated id is answered once (first position kept).
  auto ids = std::make_shared<std::vector<std::string>>();
  std::set<std::string> seen;
  for (const auto& id : req->group_ids()) {
    if (seen.insert(id).second) ids->push_back(id);
  }
  if (ids->empty()) {
    reactor->Finish(grpc::Status::OK);
    return reactor;
  }
  auto gather = std::make_shared<Gather<pb::ErrorCode>>(ids->size(), ids->size());
  for (std::size_t i = 0; i < ids->size(); ++i) {
    partitions_.post(
        partitions_.partition_for((*ids)[i]), [ids, resp, reactor, gather, i](GroupPartition& g) {
          g.delete_group((*ids)[i], [ids, resp, reactor, gather, i](pb::ErrorCode code) {
            gather->slot(i) = code;
            if (!gather->arrive()) return;
            for (std::size_t k = 0; k < ids->size(); ++k) {
              auto* result = resp->add_results();
              result->set_group_id((*ids)[k]);
              result->set_error_code(gather->slot(k));
            }
            reactor->Finish(grpc::Status::OK);
          });
        });
  }
  return reactor;
}

}  // namespace groupwire::coordinator
