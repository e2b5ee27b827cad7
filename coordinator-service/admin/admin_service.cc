#include "admin/admin_service.h"

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <utility>
#include <vector>

#include <fmt/format.h>
#include <spdlog/spdlog.h>
#include <boost/asio/post.hpp>

#include "admin/event_queue.h"
#include "admin/group_view.h"
#include "admin/offset_reset.h"
#include "server/gather.h"

namespace groupwire::coordinator::admin {

namespace {

constexpr int kDefaultPageSize = 100;
constexpr int kMaxPageSize = 1000;

grpc::Status not_found(const std::string& group_id) {
  return {grpc::StatusCode::NOT_FOUND, fmt::format("group '{}' not found", group_id)};
}

// What a Kafka error from the state machine means to an operator.
grpc::Status status_of(pb::ErrorCode error, const std::string& group_id) {
  switch (error) {
    case pb::NONE:
      return grpc::Status::OK;
    case pb::GROUP_ID_NOT_FOUND:
      return not_found(group_id);
    case pb::UNKNOWN_MEMBER_ID:
      return {grpc::StatusCode::NOT_FOUND, fmt::format("no such member in group '{}'", group_id)};
    case pb::NON_EMPTY_GROUP:
      return {grpc::StatusCode::FAILED_PRECONDITION,
              fmt::format("group '{}' has members: stop its consumers first", group_id)};
    case pb::INVALID_GROUP_ID:
      return {grpc::StatusCode::INVALID_ARGUMENT, "invalid group id"};
    default:
      return {grpc::StatusCode::UNAVAILABLE,
              fmt::format("group '{}': {}", group_id, pb::ErrorCode_Name(error))};
  }
}

using Finish = std::function<void(grpc::Status)>;

// Marks a call one coordinator passed to the owner of its group's partition: it is not passed on
// again.
constexpr char kForwarded[] = "groupwire-forwarded";
constexpr std::chrono::seconds kForwardDeadline{10};

bool forwarded(const grpc::CallbackServerContext* ctx) {
  return ctx->client_metadata().count(kForwarded) > 0;
}

std::unique_ptr<grpc::ClientContext> forwarding_context() {
  auto ctx = std::make_unique<grpc::ClientContext>();
  ctx->AddMetadata(kForwarded, "1");
  ctx->set_deadline(std::chrono::system_clock::now() + kForwardDeadline);
  return ctx;
}

// Runs fn(partition, response, finish) on the group's partition thread; finish(status) ends the
// call, later if fn waits for a change to be stored (the state machine answers writes once they
// are durable, on the same thread). A partition this coordinator does not serve passes the call
// to `elsewhere`.
template <class Resp, class Fn>
grpc::ServerUnaryReactor* on_group_async(Partitions& partitions, grpc::CallbackServerContext* ctx,
                                         const std::string& group_id, Resp* resp,
                                         AdminService::Elsewhere elsewhere, Fn fn) {
  auto* reactor = ctx->DefaultReactor();
  if (group_id.empty()) {
    reactor->Finish({grpc::StatusCode::INVALID_ARGUMENT, "group_id is required"});
    return reactor;
  }
  partitions.post(
      partitions.partition_for(group_id),
      [reactor, resp, fn = std::move(fn), elsewhere = std::move(elsewhere)](GroupPartition& g) {
        if (g.state() == PartitionState::kNotOwned) return elsewhere(reactor);
        fn(g, *resp, Finish([reactor](grpc::Status s) { reactor->Finish(s); }));
      });
  return reactor;
}

// The same for a read: fn(partition, response) -> Status answers at once.
template <class Resp, class Fn>
grpc::ServerUnaryReactor* on_group(Partitions& partitions, grpc::CallbackServerContext* ctx,
                                   const std::string& group_id, Resp* resp,
                                   AdminService::Elsewhere elsewhere, Fn fn) {
  return on_group_async(partitions, ctx, group_id, resp, std::move(elsewhere),
                        [fn = std::move(fn)](GroupPartition& g, Resp& out, const Finish& finish) {
                          finish(fn(g, out));
                        });
}

std::string state_text(const char* state, std::size_t members) {
  return fmt::format("{} with {} member{}", state, members, members == 1 ? "" : "s");
}

// Why a group's state forbids an operation that needs it Empty, or nullopt. A group that does
// not exist is fine (the operation creates or finds nothing).
std::optional<std::string> not_empty(const GroupPartition& g, const std::string& id) {
  const Group* group = g.find_any_group(id);
  if (group == nullptr || group->is_empty()) return std::nullopt;
  return state_text(group->kafka_state(), group->size());
}

// The group of either protocol, summarized; nullopt when there is none.
std::optional<apb::GroupSummary> summary_of(const GroupPartition& g, const std::string& id) {
  if (const ClassicGroup* group = g.find_group(id)) return summarize(*group);
  if (const ConsumerGroup* group = g.find_consumer_group(id)) return summarize(*group);
  return std::nullopt;
}

bool listed(const apb::GroupSummary& group, const apb::ListGroupsRequest& req) {
  auto has = [](const auto& filter, const auto& value) {
    return filter.empty() || std::find(filter.begin(), filter.end(), value) != filter.end();
  };
  return group.group_id().compare(0, req.name_prefix().size(), req.name_prefix()) == 0 &&
         has(req.states(), group.state()) && has(req.protocol_types(), group.protocol_type()) &&
         has(req.group_types(), group.group_type());
}

// Appends the first `limit` + 1 groups of `groups` after `after` that the request lists.
template <class Groups>
void list_after(const Groups& groups, const apb::ListGroupsRequest& req, std::size_t limit,
                std::vector<apb::GroupSummary>& out) {
  std::size_t taken = 0;
  for (auto it = groups.upper_bound(req.page_token()); it != groups.end() && taken <= limit; ++it) {
    apb::GroupSummary s = summarize(it->second);
    if (!listed(s, req)) continue;
    out.push_back(std::move(s));
    ++taken;
  }
}

// A WatchGroups stream. Events come from partition threads (deliver) and writes complete on
// gRPC threads (OnWriteDone); one mutex orders them, and no gRPC call is made while holding it.
class WatchCall final : public grpc::ServerWriteReactor<apb::GroupEvent>,
                        public EventHub::Subscriber {
 public:
  WatchCall(EventHub& hub, const apb::WatchGroupsRequest& req, std::size_t queue)
      : hub_(hub), queue_(queue) {
    EventHub::Filter filter{{req.group_ids().begin(), req.group_ids().end()},
                            req.group_id_prefix()};
    // Subscribed before the initial metadata goes out, so a client that has it misses nothing;
    // and the metadata is on its way before the first event is written (deliveries wait for
    // the lock), as gRPC requires.
    {
      std::lock_guard lock(mu_);
      subscribed_ = hub_.subscribe(this, std::move(filter));
      if (subscribed_) StartSendInitialMetadata();
    }
    if (!subscribed_) Finish({grpc::StatusCode::UNAVAILABLE, "the coordinator is shutting down"});
  }

  void deliver(const apb::GroupEvent& event) override {
    std::unique_lock lock(mu_);
    if (closing_) return;
    queue_.push(event);
    write_next(lock);
  }

  void close() override { end(grpc::Status::OK); }
  void OnCancel() override { end(grpc::Status::CANCELLED); }

  void OnWriteDone(bool ok) override {
    std::unique_lock lock(mu_);
    writing_ = false;
    if (!ok) closing_ = true;
    write_next(lock);
  }

  void OnDone() override {
    if (subscribed_) hub_.unsubscribe(this);
    delete this;
  }

 private:
  void end(grpc::Status status) {
    std::unique_lock lock(mu_);
    if (closing_) return;
    closing_ = true;
    status_ = std::move(status);
    write_next(lock);
  }

  // Starts the next write, or finishes once closing and no write is in flight.
  void write_next(std::unique_lock<std::mutex>& lock) {
    if (writing_ || finished_) return;
    if (closing_) {
      finished_ = true;
      grpc::Status status = status_;
      lock.unlock();
      Finish(status);
      return;
    }
    auto next = queue_.pop();
    if (!next) return;
    current_ = std::move(*next);
    writing_ = true;
    lock.unlock();
    StartWrite(&current_);
  }

  EventHub& hub_;
  std::mutex mu_;
  bool subscribed_ = false;
  EventQueue queue_;
  apb::GroupEvent current_;
  bool writing_ = false;
  bool closing_ = false;
  bool finished_ = false;
  grpc::Status status_;
};

}  // namespace

template <class Req, class Resp>
AdminService::Elsewhere AdminService::owner_of_group(grpc::CallbackServerContext* ctx,
                                                     const Req* req, Resp* resp,
                                                     AsyncMethod<Req, Resp> method) {
  auto partition = static_cast<std::int32_t>(partitions_.partition_for(req->group_id()));
  return [this, passed = forwarded(ctx), partition, req, resp,
          method](grpc::ServerUnaryReactor* reactor) {
    auto moving = grpc::Status(
        grpc::StatusCode::UNAVAILABLE,
        fmt::format("group partition {} is moving between coordinators: try again", partition));
    if (passed) return reactor->Finish(moving);
    boost::asio::post(lookups_, [this, partition, req, resp, method, reactor, moving] {
      std::string owner;
      if (auto read = cluster_.owner_of(partition, owner); !read.ok()) {
        return reactor->Finish(read);
      }
      if (owner.empty() || owner == cluster_.self()) return reactor->Finish(moving);
      std::shared_ptr<grpc::ClientContext> call = forwarding_context();
      (peer(owner).async()->*method)(call.get(), req, resp,
                                     [call, reactor](grpc::Status s) { reactor->Finish(s); });
    });
  };
}

apb::Admin::Stub& AdminService::peer(const std::string& advertise) {
  std::lock_guard lock(peers_mu_);
  auto& stub = peers_[advertise];
  if (!stub) {
    // With TLS the owner's certificate must name its advertised host.
    stub = apb::Admin::NewStub(grpc::CreateChannel(advertise, peer_credentials_));
  }
  return *stub;
}

grpc::ServerUnaryReactor* AdminService::ListGroups(grpc::CallbackServerContext* ctx,
                                                   const apb::ListGroupsRequest* req,
                                                   apb::ListGroupsResponse* resp) {
  auto* reactor = ctx->DefaultReactor();
  if (req->page_size() < 0) {
    reactor->Finish({grpc::StatusCode::INVALID_ARGUMENT, "page_size is negative"});
    return reactor;
  }
  const std::size_t limit = static_cast<std::size_t>(
      req->page_size() == 0 ? kDefaultPageSize : std::min(req->page_size(), kMaxPageSize));
  if (!cluster_.clustered() || forwarded(ctx)) {
    list_here(req, resp, limit, {}, reactor);
    return reactor;
  }
  // Each coordinator lists the groups it serves; the pages are merged here.
  boost::asio::post(lookups_, [this, req, resp, limit, reactor] {
    apb::ClusterStatusResponse cluster;
    if (auto read = cluster_.read(cluster); !read.ok()) return reactor->Finish(read);
    if (cluster.unowned_size() > 0) {
      return reactor->Finish({grpc::StatusCode::UNAVAILABLE,
                              fmt::format("{} group partitions have no coordinator now: the "
                                          "list would miss their groups; try again",
                                          cluster.unowned_size())});
    }
    std::vector<apb::ListGroupsResponse> others;
    for (const auto& c : cluster.coordinators()) {
      if (c.advertise() == cluster_.self() || c.partitions().empty()) continue;
      auto call = forwarding_context();
      auto status = peer(c.advertise()).ListGroups(call.get(), *req, &others.emplace_back());
      if (!status.ok()) {
        return reactor->Finish(
            {status.error_code(),
             fmt::format("coordinator {}: {}", c.advertise(), status.error_message())});
      }
    }
    list_here(req, resp, limit, std::move(others), reactor);
  });
  return reactor;
}

void AdminService::list_here(const apb::ListGroupsRequest* req, apb::ListGroupsResponse* resp,
                             std::size_t limit, std::vector<apb::ListGroupsResponse> others,
                             grpc::ServerUnaryReactor* reactor) {
  const std::size_t n = partitions_.size();
  // Keyset pagination: the token is the last group id of the previous page, so pages stay
  // consistent while groups come and go. Each partition offers its first limit + 1 matches.
  auto gather = std::make_shared<Gather<std::vector<apb::GroupSummary>>>(n, n);
  auto elsewhere = std::make_shared<std::vector<apb::ListGroupsResponse>>(std::move(others));
  for (std::size_t p = 0; p < n; ++p) {
    partitions_.post(p, [this, req, resp, reactor, gather, elsewhere, p, limit](GroupPartition& g) {
      auto& out = gather->slot(p);
      list_after(g.groups(), *req, limit, out);
      list_after(g.consumer_groups(), *req, limit, out);
      if (lag_of_) {
        for (auto& s : out) {
          if (auto lag = lag_of_(s.group_id())) s.set_lag(*lag);
        }
      }
      if (!gather->arrive()) return;
      std::vector<apb::GroupSummary> all;
      for (auto& slot : gather->slots()) {
        std::move(slot.begin(), slot.end(), std::back_inserter(all));
      }
      // Another coordinator's page holds at most `limit`; it may have had more.
      bool more = false;
      for (auto& page : *elsewhere) {
        more = more || !page.next_page_token().empty();
        std::move(page.mutable_groups()->begin(), page.mutable_groups()->end(),
                  std::back_inserter(all));
      }
      std::sort(all.begin(), all.end(),
                [](const auto& a, const auto& b) { return a.group_id() < b.group_id(); });
      if (all.size() > limit) {
        all.resize(limit);
        more = true;
      }
      if (more && !all.empty()) resp->set_next_page_token(all.back().group_id());
      for (auto& s : all) *resp->add_groups() = std::move(s);
      reactor->Finish(grpc::Status::OK);
    });
  }
}

grpc::ServerUnaryReactor* AdminService::DescribeGroup(grpc::CallbackServerContext* ctx,
                                                      const apb::DescribeGroupRequest* req,
                                                      apb::DescribeGroupResponse* resp) {
  return on_group(partitions_, ctx, req->group_id(), resp,
                  owner_of_group(ctx, req, resp, &Async::DescribeGroup),
                  [this, req](GroupPartition& g, apb::DescribeGroupResponse& out) {
                    if (const ClassicGroup* group = g.find_group(req->group_id())) {
                      out = describe(*group, g.now());
                    } else if (const ConsumerGroup* cg = g.find_consumer_group(req->group_id())) {
                      out = describe(*cg, g.now(), g.default_assignor());
                    } else {
                      return not_found(req->group_id());
                    }
                    out.set_group_partition(
                        static_cast<std::int32_t>(partitions_.partition_for(req->group_id())));
                    out.set_coordinator(cluster_.self());
                    return grpc::Status::OK;
                  });
}

grpc::ServerUnaryReactor* AdminService::GetOffsets(grpc::CallbackServerContext* ctx,
                                                   const apb::GetOffsetsRequest* req,
                                                   apb::GetOffsetsResponse* resp) {
  return on_group(partitions_, ctx, req->group_id(), resp,
                  owner_of_group(ctx, req, resp, &Async::GetOffsets),
                  [req](GroupPartition& g, apb::GetOffsetsResponse& out) {
                    auto group = summary_of(g, req->group_id());
                    if (!group) return not_found(req->group_id());
                    out = offsets_view(*group, g.committed_offsets(req->group_id()), *req);
                    return grpc::Status::OK;
                  });
}

grpc::ServerUnaryReactor* AdminService::ResetOffsets(grpc::CallbackServerContext* ctx,
                                                     const apb::ResetOffsetsRequest* req,
                                                     apb::ResetOffsetsResponse* resp) {
  return on_group_async(
      partitions_, ctx, req->group_id(), resp, owner_of_group(ctx, req, resp, &Async::ResetOffsets),
      [req](GroupPartition& g, apb::ResetOffsetsResponse& out, const Finish& finish) {
        const std::string& id = req->group_id();
        // As Kafka's tool: a group that does not exist yet is created by the commit.
        if (auto state = not_empty(g, id)) {
          return finish({grpc::StatusCode::FAILED_PRECONDITION,
                         fmt::format("group '{}' is {}: offsets can be reset only while it is "
                                     "Empty; stop its consumers first",
                                     id, *state)});
        }
        std::vector<apb::OffsetChange> changes;
        if (auto s = plan_reset(g.committed_offsets(id), *req, changes); !s.ok()) return finish(s);
        out.mutable_changes()->Add(changes.begin(), changes.end());
        out.set_applied(!req->dry_run());
        if (req->dry_run()) return finish(grpc::Status::OK);
        // An admin commit (generation -1, no member), exactly as Kafka's tool sends it.
        pb::OffsetCommitRequest commit;
        commit.set_group_id(id);
        commit.set_generation_id(-1);
        commit.set_retention_time_ms(-1);
        for (const auto& c : changes) {
          if (commit.topics().empty() || commit.topics().rbegin()->name() != c.topic()) {
            commit.add_topics()->set_name(c.topic());
          }
          auto* p = commit.mutable_topics()->rbegin()->add_partitions();
          p->set_partition_index(c.partition());
          p->set_committed_offset(c.new_offset());
          p->set_committed_leader_epoch(-1);
        }
        g.offset_commit(commit, [finish, id, n = changes.size()](pb::OffsetCommitResponse result) {
          for (const auto& t : result.topics()) {
            for (const auto& p : t.partitions()) {
              if (p.error_code() != pb::NONE) return finish(status_of(p.error_code(), id));
            }
          }
          spdlog::info("group {}: offsets of {} partitions reset by an operator", id, n);
          finish(grpc::Status::OK);
        });
      });
}

grpc::ServerUnaryReactor* AdminService::DeleteOffsets(grpc::CallbackServerContext* ctx,
                                                      const apb::DeleteOffsetsRequest* req,
                                                      apb::DeleteOffsetsResponse* resp) {
  return on_group_async(
      partitions_, ctx, req->group_id(), resp,
      owner_of_group(ctx, req, resp, &Async::DeleteOffsets),
      [req](GroupPartition& g, apb::DeleteOffsetsResponse& out, const Finish& finish) {
        const std::string& id = req->group_id();
        if (req->partitions().empty()) {
          return finish(
              {grpc::StatusCode::INVALID_ARGUMENT,
               "name the topics (all their committed partitions) or partitions to delete"});
        }
        if (!summary_of(g, id)) return finish(not_found(id));
        pb::OffsetDeleteRequest del;
        del.set_group_id(id);
        for (const auto& [topic, partition] :
             select_partitions(g.committed_offsets(id), req->partitions())) {
          if (del.topics().empty() || del.topics().rbegin()->name() != topic) {
            del.add_topics()->set_name(topic);
          }
          del.mutable_topics()->rbegin()->add_partition_indexes(partition);
        }
        g.offset_delete(del, [&out, finish, id](pb::OffsetDeleteResponse result) {
          if (auto s = status_of(result.error_code(), id); !s.ok()) return finish(s);
          for (const auto& t : result.topics()) {
            for (const auto& p : t.partitions()) {
              auto* r = out.add_results();
              r->set_topic(t.name());
              r->set_partition(p.partition_index());
              if (p.error_code() != pb::NONE) r->set_error(pb::ErrorCode_Name(p.error_code()));
            }
          }
          finish(grpc::Status::OK);
        });
      });
}

grpc::ServerUnaryReactor* AdminService::DeleteGroup(grpc::CallbackServerContext* ctx,
                                                    const apb::DeleteGroupRequest* req,
                                                    apb::DeleteGroupResponse* resp) {
  return on_group_async(
      partitions_, ctx, req->group_id(), resp, owner_of_group(ctx, req, resp, &Async::DeleteGroup),
      [req](GroupPartition& g, apb::DeleteGroupResponse&, const Finish& finish) {
        const std::string& id = req->group_id();
        if (auto state = not_empty(g, id)) {
          return finish({grpc::StatusCode::FAILED_PRECONDITION,
                         fmt::format("group '{}' is {}: only an Empty group can be deleted; "
                                     "stop its consumers first",
                                     id, *state)});
        }
        g.delete_group(id, [finish, id](pb::ErrorCode error) { finish(status_of(error, id)); });
      });
}

grpc::ServerUnaryReactor* AdminService::RemoveMember(grpc::CallbackServerContext* ctx,
                                                     const apb::RemoveMemberRequest* req,
                                                     apb::RemoveMemberResponse* resp) {
  return on_group_async(
      partitions_, ctx, req->group_id(), resp, owner_of_group(ctx, req, resp, &Async::RemoveMember),
      [req](GroupPartition& g, apb::RemoveMemberResponse& out, const Finish& finish) {
        const std::string& id = req->group_id();
        const Group* group = g.find_any_group(id);
        if (group == nullptr) return finish(not_found(id));
        pb::LeaveGroupRequest leave;
        leave.set_group_id(id);
        auto* member = leave.add_members();
        member->set_reason("removed by an operator");
        switch (req->member_case()) {
          case apb::RemoveMemberRequest::kMemberId:
            if (!group->has_member(req->member_id())) {
              return finish({grpc::StatusCode::NOT_FOUND,
                             fmt::format("group '{}' has no member '{}'", id, req->member_id())});
            }
            member->set_member_id(req->member_id());
            out.set_member_id(req->member_id());
            break;
          case apb::RemoveMemberRequest::kGroupInstanceId: {
            const std::string* static_id = group->static_member_id(req->group_instance_id());
            if (static_id == nullptr) {
              return finish({grpc::StatusCode::NOT_FOUND,
                             fmt::format("group '{}' has no static member with instance id '{}'",
                                         id, req->group_instance_id())});
            }
            // By instance id alone, as Kafka's admin client removes static members.
            member->set_group_instance_id(req->group_instance_id());
            out.set_member_id(*static_id);
            break;
          }
          case apb::RemoveMemberRequest::MEMBER_NOT_SET:
            return finish(
                {grpc::StatusCode::INVALID_ARGUMENT, "set member_id or group_instance_id"});
        }
        // A consumer group answers once the member's removal is written; a classic group at once.
        g.leave_group(leave, [finish, id](pb::LeaveGroupResponse result) {
          grpc::Status status = status_of(result.error_code(), id);
          if (status.ok()) status = status_of(result.members(0).error_code(), id);
          finish(status);
        });
      });
}

grpc::ServerWriteReactor<apb::GroupEvent>* AdminService::WatchGroups(
    grpc::CallbackServerContext*, const apb::WatchGroupsRequest* req) {
  return new WatchCall(hub_, *req, watch_queue_);
}

grpc::ServerUnaryReactor* AdminService::ClusterStatus(grpc::CallbackServerContext* ctx,
                                                      const apb::ClusterStatusRequest*,
                                                      apb::ClusterStatusResponse* resp) {
  auto* reactor = ctx->DefaultReactor();
  reactor->Finish(cluster_.read(*resp));
  return reactor;
}

}  // namespace groupwire::coordinator::admin
