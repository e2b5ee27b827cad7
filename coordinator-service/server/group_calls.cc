#include "server/group_calls.h"

#include <map>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "kafka/principal.h"
#include "server/gather.h"

namespace groupwire::coordinator {

namespace {

template <class Req, class Resp>
using SingleGroupOp = void (GroupPartition::*)(const Req&, Reply<Resp>);

// Posts op(req, reply) to the group's partition. Empty group ids hash like any other: what they
// mean (INVALID_GROUP_ID for most calls) is the state machine's answer.
template <class Req, class Resp>
void on_partition(Partitions& partitions, Req req, Reply<Resp> reply, SingleGroupOp<Req, Resp> op) {
  std::size_t p = partitions.partition_for(req.group_id());
  partitions.post(p, [req = std::move(req), reply = std::move(reply), op](GroupPartition& g) {
    (g.*op)(req, reply);
  });
}

// Request positions by partition, so each partition is posted to once.
template <class IdOf>
std::map<std::size_t, std::vector<int>> by_partition(const Partitions& partitions, int n,
                                                     IdOf id_of) {
  std::map<std::size_t, std::vector<int>> out;
  for (int i = 0; i < n; ++i) out[partitions.partition_for(id_of(i))].push_back(i);
  return out;
}

template <class Resp>
Reply<Resp> answer_to(const std::shared_ptr<AnswerSink>& sink, std::uint64_t id,
                      Resp* (pb::Answer::*field)()) {
  return [sink, id, field](Resp response) {
    pb::Answer answer;
    answer.set_id(id);
    *(answer.*field)() = std::move(response);
    sink->answer(std::move(answer));
  };
}

// The group a single-group call is about; null for the calls that span groups.
const std::string* single_group_id(const pb::Call& call) {
  switch (call.request_case()) {
    case pb::Call::kJoinGroup:
      return &call.join_group().group_id();
    case pb::Call::kSyncGroup:
      return &call.sync_group().group_id();
    case pb::Call::kHeartbeat:
      return &call.heartbeat().group_id();
    case pb::Call::kLeaveGroup:
      return &call.leave_group().group_id();
    case pb::Call::kOffsetCommit:
      return &call.offset_commit().group_id();
    case pb::Call::kOffsetDelete:
      return &call.offset_delete().group_id();
    case pb::Call::kConsumerGroupHeartbeat:
      return &call.consumer_group_heartbeat().group_id();
    default:
      return nullptr;
  }
}

// Deletions by clients are logged with the principal that asked, as the gateway authenticated
// it: the audit trail of what was removed.
Reply<pb::OffsetDeleteResponse> audited(const pb::OffsetDeleteRequest& req,
                                        Reply<pb::OffsetDeleteResponse> reply) {
  return [principal = kafka::principal_or_anonymous(req.principal()), group = req.group_id(),
          reply = std::move(reply)](pb::OffsetDeleteResponse response) {
    spdlog::info("audit: {} deleted offsets of group '{}': {}", principal, group,
                 pb::ErrorCode_Name(response.error_code()));
    reply(std::move(response));
  };
}

void audit(const std::string& principal, const pb::DeleteGroupsResponse& response) {
  std::string results;
  for (const auto& r : response.results()) {
    results += fmt::format("{}'{}' {}", results.empty() ? "" : ", ", r.group_id(),
                           pb::ErrorCode_Name(r.error_code()));
  }
  spdlog::info("audit: {} deleted groups: {}", principal, results);
}

// Runs a single-group call on its partition's thread.
void run_single_group(GroupPartition& g, const pb::Call& call,
                      const std::shared_ptr<AnswerSink>& sink) {
  const std::uint64_t id = call.id();
  switch (call.request_case()) {
    case pb::Call::kJoinGroup:
      return g.join_group(call.join_group(), answer_to(sink, id, &pb::Answer::mutable_join_group));
    case pb::Call::kSyncGroup:
      return g.sync_group(call.sync_group(), answer_to(sink, id, &pb::Answer::mutable_sync_group));
    case pb::Call::kHeartbeat:
      return g.heartbeat(call.heartbeat(), answer_to(sink, id, &pb::Answer::mutable_heartbeat));
    case pb::Call::kLeaveGroup:
      return g.leave_group(call.leave_group(),
                           answer_to(sink, id, &pb::Answer::mutable_leave_group));
    case pb::Call::kOffsetCommit:
      return g.offset_commit(call.offset_commit(),
                             answer_to(sink, id, &pb::Answer::mutable_offset_commit));
    case pb::Call::kOffsetDelete:
      return g.offset_delete(
          call.offset_delete(),
          audited(call.offset_delete(), answer_to(sink, id, &pb::Answer::mutable_offset_delete)));
    case pb::Call::kConsumerGroupHeartbeat:
      return g.consumer_group_heartbeat(
          call.consumer_group_heartbeat(),
          answer_to(sink, id, &pb::Answer::mutable_consumer_group_heartbeat));
    default:
      return;
  }
}

}  // namespace

void GroupCalls::join_group(pb::JoinGroupRequest req, Reply<pb::JoinGroupResponse> reply) {
  on_partition(partitions_, std::move(req), std::move(reply), &GroupPartition::join_group);
}

void GroupCalls::sync_group(pb::SyncGroupRequest req, Reply<pb::SyncGroupResponse> reply) {
  on_partition(partitions_, std::move(req), std::move(reply), &GroupPartition::sync_group);
}

void GroupCalls::heartbeat(pb::HeartbeatRequest req, Reply<pb::HeartbeatResponse> reply) {
  on_partition(partitions_, std::move(req), std::move(reply), &GroupPartition::heartbeat);
}

void GroupCalls::leave_group(pb::LeaveGroupRequest req, Reply<pb::LeaveGroupResponse> reply) {
  on_partition(partitions_, std::move(req), std::move(reply), &GroupPartition::leave_group);
}

void GroupCalls::offset_commit(pb::OffsetCommitRequest req, Reply<pb::OffsetCommitResponse> reply) {
  on_partition(partitions_, std::move(req), std::move(reply), &GroupPartition::offset_commit);
}

void GroupCalls::consumer_group_heartbeat(pb::ConsumerGroupHeartbeatRequest req,
                                          Reply<pb::ConsumerGroupHeartbeatResponse> reply) {
  on_partition(partitions_, std::move(req), std::move(reply),
               &GroupPartition::consumer_group_heartbeat);
}

void GroupCalls::offset_delete(pb::OffsetDeleteRequest req, Reply<pb::OffsetDeleteResponse> reply) {
  auto checked = audited(req, std::move(reply));
  on_partition(partitions_, std::move(req), std::move(checked), &GroupPartition::offset_delete);
}

// The calls naming several groups ask each group's partition for its part; the last part to
// come in replies.

namespace {

// Asks the partition of each of n groups for the group's part, ask(partition, i, reply), and
// replies build(parts) once every part is in, parts in request order.
template <class Part, class Resp, class IdOf, class Ask, class Build>
void fan_out(const Partitions& partitions, const GroupCalls::Post& post, int n, IdOf id_of, Ask ask,
             Build build, Reply<Resp> reply) {
  auto groups = by_partition(partitions, n, id_of);
  if (groups.empty()) return reply(Resp());
  auto gather = std::make_shared<Gather<Part>>(n, n);
  for (auto& [p, indexes] : groups) {
    post(p, [ask, build, gather, reply, indexes = std::move(indexes)](GroupPartition& g) {
      for (int i : indexes) {
        ask(g, i, [build, gather, reply, i](Part part) {
          gather->slot(i) = std::move(part);
          if (gather->arrive()) reply(build(gather->slots()));
        });
      }
    });
  }
}

// A response whose groups are the parts, in order.
template <class Resp, class Part>
Resp with_groups(std::vector<Part>& parts) {
  Resp response;
  for (auto& group : parts) response.mutable_groups()->Add(std::move(group));
  return response;
}

}  // namespace

GroupCalls::Post GroupCalls::post_now() {
  return [this](std::size_t partition, std::function<void(GroupPartition&)> fn) {
    partitions_.post(partition, std::move(fn));
  };
}

void GroupCalls::offset_fetch(pb::OffsetFetchRequest req, Reply<pb::OffsetFetchResponse> reply) {
  offset_fetch(std::move(req), std::move(reply), post_now());
}

void GroupCalls::offset_fetch(pb::OffsetFetchRequest req, Reply<pb::OffsetFetchResponse> reply,
                              const Post& post) {
  // Without transactions no offset is ever pending, so require_stable changes nothing.
  const int n = req.groups_size();
  auto request = std::make_shared<const pb::OffsetFetchRequest>(std::move(req));
  fan_out<pb::OffsetFetchGroupResponse>(
      partitions_, post, n,
      [&request](int i) -> const std::string& { return request->groups(i).group_id(); },
      [request](GroupPartition& g, int i, Reply<pb::OffsetFetchGroupResponse> done) {
        g.offset_fetch(request->groups(i), std::move(done));
      },
      &with_groups<pb::OffsetFetchResponse, pb::OffsetFetchGroupResponse>, std::move(reply));
}

void GroupCalls::describe_groups(pb::DescribeGroupsRequest req,
                                 Reply<pb::DescribeGroupsResponse> reply) {
  describe_groups(std::move(req), std::move(reply), post_now());
}

void GroupCalls::describe_groups(pb::DescribeGroupsRequest req,
                                 Reply<pb::DescribeGroupsResponse> reply, const Post& post) {
  const int n = req.group_ids_size();
  auto request = std::make_shared<const pb::DescribeGroupsRequest>(std::move(req));
  fan_out<pb::DescribedGroup>(
      partitions_, post, n,
      [&request](int i) -> const std::string& { return request->group_ids(i); },
      [request](GroupPartition& g, int i, Reply<pb::DescribedGroup> done) {
        g.describe_group(request->group_ids(i), std::move(done));
      },
      &with_groups<pb::DescribeGroupsResponse, pb::DescribedGroup>, std::move(reply));
}

void GroupCalls::consumer_group_describe(pb::ConsumerGroupDescribeRequest req,
                                         Reply<pb::ConsumerGroupDescribeResponse> reply) {
  consumer_group_describe(std::move(req), std::move(reply), post_now());
}

void GroupCalls::consumer_group_describe(pb::ConsumerGroupDescribeRequest req,
                                         Reply<pb::ConsumerGroupDescribeResponse> reply,
                                         const Post& post) {
  const int n = req.group_ids_size();
  auto request = std::make_shared<const pb::ConsumerGroupDescribeRequest>(std::move(req));
  fan_out<pb::ConsumerGroupDescribed>(
      partitions_, post, n,
      [&request](int i) -> const std::string& { return request->group_ids(i); },
      [request](GroupPartition& g, int i, Reply<pb::ConsumerGroupDescribed> done) {
        g.consumer_group_describe(request->group_ids(i), std::move(done));
      },
      &with_groups<pb::ConsumerGroupDescribeResponse, pb::ConsumerGroupDescribed>,
      std::move(reply));
}

void GroupCalls::list_groups(pb::ListGroupsRequest req, Reply<pb::ListGroupsResponse> reply) {
  list_groups(std::move(req), std::move(reply), post_now());
}

void GroupCalls::list_groups(pb::ListGroupsRequest req, Reply<pb::ListGroupsResponse> reply,
                             const Post& post) {
  struct Listed {
    pb::ErrorCode error = pb::NONE;
    std::vector<pb::ListedGroup> groups;
  };
  // The partitions named (a gateway lists each coordinator's share), else all.
  std::set<std::size_t> listed;
  for (std::int32_t p : req.group_partitions()) {
    if (p < 0 || static_cast<std::size_t>(p) >= partitions_.size()) {
      pb::ListGroupsResponse invalid;
      invalid.set_error_code(pb::INVALID_REQUEST);
      return reply(std::move(invalid));
    }
    listed.insert(static_cast<std::size_t>(p));
  }
  const bool named = !listed.empty();
  if (!named) {
    for (std::size_t p = 0; p < partitions_.size(); ++p) listed.insert(p);
  }
  auto request = std::make_shared<const pb::ListGroupsRequest>(std::move(req));
  auto gather = std::make_shared<Gather<Listed>>(listed.size(), listed.size());
  std::size_t slot = 0;
  for (std::size_t p : listed) {
    post(p, [request, reply, gather, slot = slot++, named](GroupPartition& g) {
      Listed& mine = gather->slot(slot);
      mine.error = named && g.state() == PartitionState::kNotOwned
                       ? pb::NOT_COORDINATOR
                       : g.list_groups(*request, mine.groups);
      if (!gather->arrive()) return;
      // Like Kafka: a partition still loading fails the whole listing (retriable).
      pb::ListGroupsResponse response;
      for (auto& share : gather->slots()) {
        if (share.error != pb::NONE) response.set_error_code(share.error);
        for (auto& group : share.groups) response.mutable_groups()->Add(std::move(group));
      }
      reply(std::move(response));
    });
  }
}

void GroupCalls::delete_groups(pb::DeleteGroupsRequest req, Reply<pb::DeleteGroupsResponse> reply) {
  delete_groups(std::move(req), std::move(reply), post_now());
}

void GroupCalls::delete_groups(pb::DeleteGroupsRequest req, Reply<pb::DeleteGroupsResponse> reply,
                               const Post& post) {
  // Kafka deletes the set of named groups: a repeated id is answered once (first position kept).
  auto ids = std::make_shared<std::vector<std::string>>();
  std::set<std::string> seen;
  for (auto& id : *req.mutable_group_ids()) {
    if (seen.insert(id).second) ids->push_back(std::move(id));
  }
  fan_out<pb::ErrorCode>(
      partitions_, post, static_cast<int>(ids->size()),
      [&ids](int i) -> const std::string& { return (*ids)[i]; },
      [ids](GroupPartition& g, int i, Reply<pb::ErrorCode> done) {
        g.delete_group((*ids)[i], std::move(done));
      },
      [ids, principal =
                kafka::principal_or_anonymous(req.principal())](std::vector<pb::ErrorCode>& codes) {
        pb::DeleteGroupsResponse response;
        for (std::size_t k = 0; k < ids->size(); ++k) {
          auto* result = response.add_results();
          result->set_group_id((*ids)[k]);
          result->set_error_code(codes[k]);
        }
        audit(principal, response);
        return response;
      },
      std::move(reply));
}

void GroupCalls::start(std::shared_ptr<pb::CallBatch> batch,
                       const std::shared_ptr<AnswerSink>& sink) {
  // Each worker runs its share of the batch in the batch's order: a call sees the effects of
  // the calls before it (a connection's requests come in its order). Single-group calls run in
  // place, so the share keeps the batch.
  struct Work {
    std::size_t partition;
    const pb::Call* call;                       // a single-group call
    std::function<void(GroupPartition&)> part;  // else a part of a call spanning groups
  };
  std::vector<std::vector<Work>> shares(partitions_.threads());
  Post add = [this, &shares](std::size_t p, std::function<void(GroupPartition&)> fn) {
    shares[partitions_.worker_of(p)].push_back({p, nullptr, std::move(fn)});
  };
  auto answers = std::make_shared<BatchAnswers>(sink);
  for (auto& call : *batch->mutable_calls()) {
    if (const std::string* group_id = single_group_id(call)) {
      const std::size_t p = partitions_.partition_for(*group_id);
      shares[partitions_.worker_of(p)].push_back({p, &call, {}});
      continue;
    }
    const std::uint64_t id = call.id();
    switch (call.request_case()) {
      case pb::Call::kOffsetFetch:
        offset_fetch(std::move(*call.mutable_offset_fetch()),
                     answer_to(answers, id, &pb::Answer::mutable_offset_fetch), add);
        break;
      case pb::Call::kDescribeGroups:
        describe_groups(std::move(*call.mutable_describe_groups()),
                        answer_to(answers, id, &pb::Answer::mutable_describe_groups), add);
        break;
      case pb::Call::kListGroups:
        list_groups(std::move(*call.mutable_list_groups()),
                    answer_to(answers, id, &pb::Answer::mutable_list_groups), add);
        break;
      case pb::Call::kDeleteGroups:
        delete_groups(std::move(*call.mutable_delete_groups()),
                      answer_to(answers, id, &pb::Answer::mutable_delete_groups), add);
        break;
      case pb::Call::kConsumerGroupDescribe:
        consumer_group_describe(
            std::move(*call.mutable_consumer_group_describe()),
            answer_to(answers, id, &pb::Answer::mutable_consumer_group_describe), add);
        break;
      default: {
        pb::Answer unknown;
        unknown.set_id(id);
        answers->answer(std::move(unknown));
      }
    }
  }
  for (std::size_t w = 0; w < shares.size(); ++w) {
    if (shares[w].empty()) continue;
    answers->hold();
    partitions_.post_to_worker(w, [this, share = std::move(shares[w]), batch, answers] {
      for (const auto& work : share) {
        GroupPartition* g = partitions_.serving(work.partition);
        if (g == nullptr) continue;
        if (work.call != nullptr) {
          run_single_group(*g, *work.call, answers);
        } else {
          work.part(*g);
        }
      }
      answers->release();
    });
  }
  answers->release();
}

}  // namespace groupwire::coordinator
