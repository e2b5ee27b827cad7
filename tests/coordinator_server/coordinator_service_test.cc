// The real CoordinatorService on 127.0.0.1:0 with a gRPC client: RPCs reach the group's partition,
// long-polls park and complete, multi-group calls gather in request order, and parked calls do
// not hold up shutdown. The same operations on the Calls stream: answered by id, a parked call
// holding up nothing, and a drain that ends the stream once its calls are answered.
#include "server/coordinator_service.h"

#include <chrono>
#include <cstdint>
#include <functional>
#include <future>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>

#include "in_process.h"
#include "server/partitions.h"

namespace groupwire::coordinator {
namespace {

using Stub = pb::Coordinator::Stub;
using namespace std::chrono_literals;

template <class Req, class Resp>
using Method = grpc::Status (Stub::*)(grpc::ClientContext*, const Req&, Resp*);

// A consumer-protocol subscription (v0) to one topic, so the group knows what it subscribes to.
std::string subscription(const std::string& topic) {
  std::string s("\x00\x00\x00\x00\x00\x01", 6);  // version 0, one topic
  s += static_cast<char>(topic.size() >> 8);
  s += static_cast<char>(topic.size() & 0xff);
  s += topic;
  s += std::string("\xff\xff\xff\xff", 4);  // null user data
  return s;
}

pb::JoinGroupRequest join_request(const std::string& group, const std::string& member) {
  pb::JoinGroupRequest r;
  r.set_group_id(group);
  r.set_member_id(member);
  r.set_client_id("client");
  r.set_client_host("/127.0.0.1");
  r.set_session_timeout_ms(30000);
  r.set_rebalance_timeout_ms(30000);
  r.set_protocol_type("consumer");
  auto* p = r.add_protocols();
  p->set_name("range");
  p->set_metadata(subscription("orders"));
  return r;
}

pb::SyncGroupRequest sync_request(const std::string& group, const pb::JoinGroupResponse& joined) {
  pb::SyncGroupRequest r;
  r.set_group_id(group);
  r.set_generation_id(joined.generation_id());
  r.set_member_id(joined.member_id());
  r.set_protocol_type("consumer");
  r.set_protocol_name(joined.protocol_name());
  return r;
}

class CoordinatorServer : public testing::InProcessTest {
 protected:
  void SetUp() override {
    start_partitions();
    service_.emplace(*partitions_, solo_);
    grpc::ServerBuilder builder;
    int port = 0;
    builder.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(), &port);
    builder.RegisterService(&*service_);
    server_ = builder.BuildAndStart();
    ASSERT_TRUE(server_);
    ASSERT_NE(port, 0);
    stub_ = pb::Coordinator::NewStub(grpc::CreateChannel("127.0.0.1:" + std::to_string(port),
                                                         grpc::InsecureChannelCredentials()));
  }

  void TearDown() override {
    // The server first: its parked calls finish on the partition threads.
    if (server_) server_->Shutdown(std::chrono::system_clock::now() + 1s);
    stop_partitions();
  }

  template <class Req, class Resp>
  grpc::Status rpc(Method<Req, Resp> method, const Req& req, Resp& resp,
                   grpc::ClientContext* ctx = nullptr) {
    grpc::ClientContext own;
    if (ctx == nullptr) ctx = &own;
    ctx->set_deadline(std::chrono::system_clock::now() + 20s);
    return (stub_.get()->*method)(ctx, req, &resp);
  }

  template <class Req, class Resp>
  Resp call(Method<Req, Resp> method, const Req& req) {
    Resp resp;
    grpc::Status s = rpc(method, req, resp);
    EXPECT_TRUE(s.ok()) << s.error_code() << ": " << s.error_message();
    return resp;
  }

  template <class Req, class Resp>
  std::future<Resp> call_async(Method<Req, Resp> method, const Req& req) {
    return std::async(std::launch::async, [this, method, req] { return call(method, req); });
  }

  // Asks the group's partition, on its thread, until pred holds: a parked call is observed where
  // it parks instead of guessing with sleeps.
  void await_group(const std::string& group_id, std::function<bool(const ClassicGroup&)> pred) {
    auto deadline = std::chrono::steady_clock::now() + 20s;
    while (std::chrono::steady_clock::now() < deadline) {
      std::promise<bool> holds;
      partitions_->post(partitions_->partition_for(group_id), [&](GroupPartition& g) {
        const ClassicGroup* group = g.find_group(group_id);
        holds.set_value(group != nullptr && pred(*group));
      });
      if (holds.get_future().get()) return;
      std::this_thread::yield();
    }
    FAIL() << "group " << group_id << " never reached the awaited state";
  }

  // One member alone: joins, syncs as leader, and the group is Stable at generation 1.
  pb::JoinGroupResponse form_group(const std::string& group) {
    auto joined = call(&Stub::JoinGroup, join_request(group, ""));
    EXPECT_EQ(joined.error_code(), pb::NONE);
    EXPECT_EQ(joined.leader(), joined.member_id());
    auto sync = sync_request(group, joined);
    auto* a = sync.add_assignments();
    a->set_member_id(joined.member_id());
    a->set_assignment("all");
    auto synced = call(&Stub::SyncGroup, sync);
    EXPECT_EQ(synced.error_code(), pb::NONE);
    EXPECT_EQ(synced.assignment(), "all");
    return joined;
  }

  SoloClusterView solo_{"coordinator-0:9093", 4};
  std::optional<CoordinatorService> service_;
  std::unique_ptr<grpc::Server> server_;
  std::unique_ptr<Stub> stub_;
};

TEST_F(CoordinatorServer, TwoMembersRebalanceSyncDescribeListCommitFetch) {
  const std::string group = "orders-app";
  auto first = form_group(group);

  // A second member parks the group in PreparingRebalance until the first rejoins.
  auto second_join = call_async(&Stub::JoinGroup, join_request(group, ""));
  await_group(group, [](const ClassicGroup& g) {
    return g.is(GroupState::PreparingRebalance) && g.members.size() == 2;
  });
  auto a = call(&Stub::JoinGroup, join_request(group, first.member_id()));
  auto b = second_join.get();
  ASSERT_EQ(a.error_code(), pb::NONE);
  ASSERT_EQ(b.error_code(), pb::NONE);
  EXPECT_EQ(a.generation_id(), b.generation_id());
  EXPECT_GT(a.generation_id(), first.generation_id());
  EXPECT_EQ(a.leader(), b.leader());
  EXPECT_EQ(a.protocol_name(), "range");
  ASSERT_NE((a.leader() == a.member_id()), (b.leader() == b.member_id())) << "one leader";
  const auto& leader = a.leader() == a.member_id() ? a : b;
  const auto& follower = a.leader() == a.member_id() ? b : a;
  EXPECT_EQ(leader.members_size(), 2);
  EXPECT_EQ(follower.members_size(), 0);

  // The follower's SyncGroup parks until the leader's assignment arrives.
  auto follower_sync = call_async(&Stub::SyncGroup, sync_request(group, follower));
  await_group(group, [id = follower.member_id()](const ClassicGroup& g) {
    return g.has_member(id) && g.members.at(id).is_awaiting_sync();
  });
  auto sync = sync_request(group, leader);
  for (const auto* m : {&leader, &follower}) {
    auto* assignment = sync.add_assignments();
    assignment->set_member_id(m->member_id());
    assignment->set_assignment(m == &leader ? "to-leader" : "to-follower");
  }
  auto leader_synced = call(&Stub::SyncGroup, sync);
  EXPECT_EQ(leader_synced.error_code(), pb::NONE);
  EXPECT_EQ(leader_synced.assignment(), "to-leader");
  auto follower_synced = follower_sync.get();
  EXPECT_EQ(follower_synced.error_code(), pb::NONE);
  EXPECT_EQ(follower_synced.assignment(), "to-follower");

  // DescribeGroups keeps request order across partitions.
  pb::DescribeGroupsRequest describe;
  for (const char* id : {"nobody-a", "orders-app", "nobody-b", "nobody-c"}) {
    describe.add_group_ids(id);
  }
  auto described = call(&Stub::DescribeGroups, describe);
  ASSERT_EQ(described.groups_size(), 4);
  for (int i = 0; i < 4; ++i) EXPECT_EQ(described.groups(i).group_id(), describe.group_ids(i));
  EXPECT_EQ(described.groups(1).group_state(), "Stable");
  EXPECT_EQ(described.groups(1).protocol_type(), "consumer");
  EXPECT_EQ(described.groups(1).protocol_data(), "range");
  EXPECT_EQ(described.groups(1).members_size(), 2);

  auto listed = call(&Stub::ListGroups, pb::ListGroupsRequest{});
  EXPECT_EQ(listed.error_code(), pb::NONE);
  ASSERT_EQ(listed.groups_size(), 1);
  EXPECT_EQ(listed.groups(0).group_id(), group);
  EXPECT_EQ(listed.groups(0).group_state(), "Stable");
  EXPECT_EQ(listed.groups(0).protocol_type(), "consumer");

  pb::OffsetCommitRequest commit;
  commit.set_group_id(group);
  commit.set_generation_id(leader.generation_id());
  commit.set_member_id(leader.member_id());
  commit.set_retention_time_ms(-1);
  auto* topic = commit.add_topics();
  topic->set_name("orders");
  auto* p = topic->add_partitions();
  p->set_partition_index(3);
  p->set_committed_offset(42);
  p->set_committed_leader_epoch(7);
  p->set_committed_metadata("meta");
  auto committed = call(&Stub::OffsetCommit, commit);
  ASSERT_EQ(committed.topics_size(), 1);
  ASSERT_EQ(committed.topics(0).partitions_size(), 1);
  EXPECT_EQ(committed.topics(0).partitions(0).error_code(), pb::NONE);

  pb::OffsetFetchRequest fetch;
  for (const char* id : {"nobody-a", "orders-app", "nobody-b"}) {
    auto* g = fetch.add_groups();
    g->set_group_id(id);
    auto* t = g->add_topics();
    t->set_name("orders");
    t->add_partition_indexes(3);
  }
  auto fetched = call(&Stub::OffsetFetch, fetch);
  ASSERT_EQ(fetched.groups_size(), 3);
  for (int i = 0; i < 3; ++i) EXPECT_EQ(fetched.groups(i).group_id(), fetch.groups(i).group_id());
  const auto& mine = fetched.groups(1);
  EXPECT_EQ(mine.error_code(), pb::NONE);
  ASSERT_EQ(mine.topics_size(), 1);
  ASSERT_EQ(mine.topics(0).partitions_size(), 1);
  EXPECT_EQ(mine.topics(0).partitions(0).committed_offset(), 42);
  EXPECT_EQ(mine.topics(0).partitions(0).committed_leader_epoch(), 7);
  EXPECT_EQ(mine.topics(0).partitions(0).metadata(), "meta");
  EXPECT_EQ(fetched.groups(0).topics(0).partitions(0).committed_offset(), -1);
}

TEST_F(CoordinatorServer, GroupsSpreadOverPartitionsAllListed) {
  // Enough groups to land on every partition; ListGroups gathers all of them.
  std::set<std::size_t> used;
  std::set<std::string> ids;
  for (int i = 0; used.size() < partitions_->size(); ++i) {
    std::string id = "g" + std::to_string(i);
    used.insert(partitions_->partition_for(id));
    ids.insert(id);
    form_group(id);
  }
  auto listed = call(&Stub::ListGroups, pb::ListGroupsRequest{});
  std::set<std::string> seen;
  for (const auto& g : listed.groups()) seen.insert(g.group_id());
  EXPECT_EQ(seen, ids);
}

TEST_F(CoordinatorServer, EmptyGroupIdIsAnsweredByTheStateMachine) {
  auto joined = call(&Stub::JoinGroup, join_request("", ""));
  EXPECT_EQ(joined.error_code(), pb::INVALID_GROUP_ID);
  pb::HeartbeatRequest hb;
  hb.set_generation_id(1);
  hb.set_member_id("m");
  EXPECT_EQ(call(&Stub::Heartbeat, hb).error_code(), pb::INVALID_GROUP_ID);
}

TEST_F(CoordinatorServer, DeleteGroupsAnswersEachIdOnceInOrder) {
  // A simple (generation -1) commit creates an Empty group with offsets.
  pb::OffsetCommitRequest commit;
  commit.set_group_id("deletable");
  commit.set_generation_id(-1);
  commit.set_retention_time_ms(-1);
  auto* t = commit.add_topics();
  t->set_name("orders");
  t->add_partitions()->set_committed_offset(1);
  EXPECT_EQ(call(&Stub::OffsetCommit, commit).topics(0).partitions(0).error_code(), pb::NONE);
  form_group("busy");

  pb::DeleteGroupsRequest del;
  for (const char* id : {"deletable", "missing", "busy", "deletable", "missing", ""}) {
    del.add_group_ids(id);
  }
  auto deleted = call(&Stub::DeleteGroups, del);
  ASSERT_EQ(deleted.results_size(), 4);
  EXPECT_EQ(deleted.results(0).group_id(), "deletable");
  EXPECT_EQ(deleted.results(0).error_code(), pb::NONE);
  EXPECT_EQ(deleted.results(1).group_id(), "missing");
  EXPECT_EQ(deleted.results(1).error_code(), pb::GROUP_ID_NOT_FOUND);
  EXPECT_EQ(deleted.results(2).group_id(), "busy");
  EXPECT_EQ(deleted.results(2).error_code(), pb::NON_EMPTY_GROUP);
  // Kafka accepts the empty id here (backwards compatibility): it is just a group that is absent.
  EXPECT_EQ(deleted.results(3).group_id(), "");
  EXPECT_EQ(deleted.results(3).error_code(), pb::GROUP_ID_NOT_FOUND);

  EXPECT_EQ(call(&Stub::DeleteGroups, pb::DeleteGroupsRequest{}).results_size(), 0);
  EXPECT_EQ(call(&Stub::OffsetFetch, pb::OffsetFetchRequest{}).groups_size(), 0);
  EXPECT_EQ(call(&Stub::DescribeGroups, pb::DescribeGroupsRequest{}).groups_size(), 0);
}

TEST_F(CoordinatorServer, CancelledLongPollIgnoresItsLateAnswer) {
  const std::string group = "cancel-me";
  auto first = form_group(group);
  grpc::ClientContext ctx;
  auto parked = std::async(std::launch::async, [&] {
    pb::JoinGroupResponse resp;
    return rpc(&Stub::JoinGroup, join_request(group, ""), resp, &ctx);
  });
  await_group(group, [](const ClassicGroup& g) {
    return g.is(GroupState::PreparingRebalance) && g.members.size() == 2;
  });
  ctx.TryCancel();
  EXPECT_EQ(parked.get().error_code(), grpc::StatusCode::CANCELLED);
  // The rebalance completes and answers the cancelled call too: that answer must go nowhere.
  auto rejoined = call(&Stub::JoinGroup, join_request(group, first.member_id()));
  EXPECT_EQ(rejoined.error_code(), pb::NONE);
  EXPECT_GT(rejoined.generation_id(), first.generation_id());
  pb::DescribeGroupsRequest describe;
  describe.add_group_ids(group);
  EXPECT_EQ(call(&Stub::DescribeGroups, describe).groups(0).group_id(), group);
}

TEST_F(CoordinatorServer, ShutdownFinishesParkedLongPolls) {
  const std::string group = "parked";
  form_group(group);
  auto parked = std::async(std::launch::async, [&] {
    pb::JoinGroupResponse resp;
    return rpc(&Stub::JoinGroup, join_request(group, ""), resp);
  });
  await_group(group, [](const ClassicGroup& g) {
    return g.is(GroupState::PreparingRebalance) && g.members.size() == 2;
  });
  // The rebalance would wait 30 s for the first member; shutdown must not.
  auto started = std::chrono::steady_clock::now();
  server_->Shutdown(std::chrono::system_clock::now() + 200ms);
  EXPECT_LT(std::chrono::steady_clock::now() - started, 10s);
  EXPECT_FALSE(parked.get().ok());
}

// A Calls stream opened with the sync API: batches out, answers in, by id.
class CallsClient {
 public:
  explicit CallsClient(Stub& stub) : stream_(stub.Calls(&ctx_)) {}

  std::uint64_t add(pb::Call call) {
    call.set_id(++next_id_);
    *batch_.add_calls() = std::move(call);
    return next_id_;
  }
  void send() {
    ASSERT_TRUE(stream_->Write(batch_));
    batch_.Clear();
  }
  // The next message as it came, its answers in any order.
  pb::AnswerBatch message() {
    pb::AnswerBatch batch;
    EXPECT_TRUE(stream_->Read(&batch));
    return batch;
  }
  // The next answer; nullopt once the stream has ended.
  std::optional<pb::Answer> next() {
    while (pending_.answers_size() == 0) {
      if (!stream_->Read(&pending_)) return std::nullopt;
    }
    pb::Answer answer = std::move(*pending_.mutable_answers(0));
    pending_.mutable_answers()->DeleteSubrange(0, 1);
    return answer;
  }
  std::map<std::uint64_t, pb::Answer> answers(std::size_t n) {
    std::map<std::uint64_t, pb::Answer> out;
    while (out.size() < n) {
      auto answer = next();
      if (!answer) break;
      out.emplace(answer->id(), std::move(*answer));
    }
    return out;
  }
  grpc::Status finish() {
    stream_->WritesDone();
    return stream_->Finish();
  }

 private:
  grpc::ClientContext ctx_;
  std::unique_ptr<grpc::ClientReaderWriter<pb::CallBatch, pb::AnswerBatch>> stream_;
  pb::CallBatch batch_;
  pb::AnswerBatch pending_;
  std::uint64_t next_id_ = 0;
};

pb::Call heartbeat_call(const std::string& group, const pb::JoinGroupResponse& joined) {
  pb::Call call;
  auto* hb = call.mutable_heartbeat();
  hb->set_group_id(group);
  hb->set_member_id(joined.member_id());
  hb->set_generation_id(joined.generation_id());
  return call;
}

pb::Call join_call(const std::string& group, const std::string& member) {
  pb::Call call;
  *call.mutable_join_group() = join_request(group, member);
  return call;
}

TEST_F(CoordinatorServer, CallsStreamAnswersEveryCallOfABatchByItsId) {
  auto joined = form_group("g1");
  CallsClient stream(*stub_);
  auto heartbeat = stream.add(heartbeat_call("g1", joined));
  pb::JoinGroupResponse stranger;
  stranger.set_member_id("stranger");
  auto unknown_member = stream.add(heartbeat_call("g1", stranger));
  pb::Call commit;
  commit.mutable_offset_commit()->set_group_id("g1");
  commit.mutable_offset_commit()->set_generation_id(joined.generation_id());
  commit.mutable_offset_commit()->set_member_id(joined.member_id());
  auto* topic = commit.mutable_offset_commit()->add_topics();
  topic->set_name("orders");
  auto* partition = topic->add_partitions();
  partition->set_partition_index(0);
  partition->set_committed_offset(42);
  auto committed = stream.add(commit);
  pb::Call list;
  list.mutable_list_groups();
  auto listed = stream.add(list);
  pb::Call describe;
  describe.mutable_describe_groups()->add_group_ids("nobody");
  describe.mutable_describe_groups()->add_group_ids("g1");
  auto described = stream.add(describe);
  pb::Call join = join_call("g2", "");
  join.mutable_join_group()->set_require_known_member_id(true);
  auto new_member = stream.add(join);
  auto unknown_call = stream.add(pb::Call());
  stream.send();
  pb::Call fetch;
  auto* fetch_group = fetch.mutable_offset_fetch()->add_groups();
  fetch_group->set_group_id("g1");
  fetch_group->set_all_topics(true);
  auto fetched = stream.add(fetch);  // a later batch sees the commit
  auto answers_before_fetch = stream.answers(7);
  stream.send();
  auto answers = stream.answers(1);
  answers.merge(answers_before_fetch);

  ASSERT_EQ(answers.size(), 8u);
  EXPECT_EQ(answers[heartbeat].heartbeat().error_code(), pb::NONE);
  EXPECT_EQ(answers[unknown_member].heartbeat().error_code(), pb::UNKNOWN_MEMBER_ID);
  ASSERT_TRUE(answers[committed].has_offset_commit());
  EXPECT_EQ(answers[committed].offset_commit().topics(0).partitions(0).error_code(), pb::NONE);
  ASSERT_EQ(answers[listed].list_groups().groups_size(), 1);
  EXPECT_EQ(answers[listed].list_groups().groups(0).group_id(), "g1");
  ASSERT_EQ(answers[described].describe_groups().groups_size(), 2);
  EXPECT_EQ(answers[described].describe_groups().groups(1).group_state(), "Stable");
  EXPECT_EQ(answers[new_member].join_group().error_code(), pb::MEMBER_ID_REQUIRED);
  EXPECT_EQ(answers[unknown_call].response_case(), pb::Answer::RESPONSE_NOT_SET);
  ASSERT_EQ(answers[fetched].offset_fetch().groups_size(), 1);
  ASSERT_EQ(answers[fetched].offset_fetch().groups(0).topics_size(), 1);
  EXPECT_EQ(answers[fetched].offset_fetch().groups(0).topics(0).partitions(0).committed_offset(),
            42);
  EXPECT_TRUE(stream.finish().ok());
}

// The answers ready once a batch's calls have run, on every worker, leave in one message.
TEST_F(CoordinatorServer, CallsStreamAnswersABatchInOneMessage) {
  std::set<std::size_t> workers;
  std::vector<std::pair<std::string, pb::JoinGroupResponse>> groups;
  for (int i = 0; workers.size() < partitions_->threads() || groups.size() < 6; ++i) {
    std::string group = "one-message-" + std::to_string(i);
    workers.insert(partitions_->worker_of(partitions_->partition_for(group)));
    groups.emplace_back(group, form_group(group));
  }
  CallsClient stream(*stub_);
  std::set<std::uint64_t> sent;
  for (int round = 0; round < 3; ++round) {
    for (const auto& [group, joined] : groups)
      sent.insert(stream.add(heartbeat_call(group, joined)));
  }
  stream.send();
  pb::AnswerBatch first = stream.message();
  std::set<std::uint64_t> in_first;
  for (const auto& a : first.answers()) in_first.insert(a.id());
  // The rest, if any, before asserting: the stream must be read out to finish.
  auto rest = stream.answers(sent.size() - std::min(sent.size(), in_first.size()));
  EXPECT_TRUE(rest.empty()) << rest.size() << " answers came in later messages";
  EXPECT_EQ(in_first, sent);
  for (const auto& a : first.answers()) EXPECT_EQ(a.heartbeat().error_code(), pb::NONE) << a.id();
  EXPECT_TRUE(stream.finish().ok());
}

pb::Call simple_commit_call(const std::string& group, std::int64_t offset) {
  pb::Call call;
  auto* commit = call.mutable_offset_commit();
  commit->set_group_id(group);
  commit->set_generation_id(-1);
  auto* partition = commit->add_topics();
  partition->set_name("orders");
  auto* p = partition->add_partitions();
  p->set_partition_index(0);
  p->set_committed_offset(offset);
  return call;
}

std::int64_t fetched_offset(const pb::OffsetFetchGroupResponse& group) {
  if (group.topics_size() != 1 || group.topics(0).partitions_size() != 1) return -2;
  return group.topics(0).partitions(0).committed_offset();
}

// A batch's calls take effect in its order: reads behind commits in the same batch, single- and
// multi-group alike, see them, although each commit is acknowledged only once durable.
TEST_F(CoordinatorServer, CallsStreamReadsSeeTheCommitsBeforeThemInTheBatch) {
  CallsClient stream(*stub_);
  // Groups on several partitions (4 here), so multi-group reads fan out.
  const std::vector<std::string> groups = {"o1", "o2", "o3", "o4", "o5", "o6"};
  for (std::int64_t round = 1; round <= 20; ++round) {
    std::map<std::string, std::uint64_t> single_fetch;
    for (const auto& g : groups) {
      stream.add(simple_commit_call(g, round));
      pb::Call fetch;
      auto* group = fetch.mutable_offset_fetch()->add_groups();
      group->set_group_id(g);
      group->set_all_topics(true);
      single_fetch[g] = stream.add(fetch);
    }
    pb::Call fetch_all;
    pb::Call describe;
    for (const auto& g : groups) {
      auto* group = fetch_all.mutable_offset_fetch()->add_groups();
      group->set_group_id(g);
      group->set_all_topics(true);
      describe.mutable_describe_groups()->add_group_ids(g);
    }
    auto multi_fetch = stream.add(fetch_all);
    auto described = stream.add(describe);
    stream.send();
    auto answers = stream.answers(2 * groups.size() + 2);
    ASSERT_EQ(answers.size(), 2 * groups.size() + 2);
    for (const auto& g : groups) {
      ASSERT_EQ(answers[single_fetch[g]].offset_fetch().groups_size(), 1);
      EXPECT_EQ(fetched_offset(answers[single_fetch[g]].offset_fetch().groups(0)), round)
          << g << " in round " << round;
    }
    const auto& all = answers[multi_fetch].offset_fetch();
    ASSERT_EQ(all.groups_size(), static_cast<int>(groups.size()));
    for (int i = 0; i < all.groups_size(); ++i) {
      EXPECT_EQ(all.groups(i).group_id(), groups[i]);
      EXPECT_EQ(fetched_offset(all.groups(i)), round) << groups[i] << " in round " << round;
    }
    for (const auto& d : answers[described].describe_groups().groups()) {
      EXPECT_EQ(d.group_state(), "Empty") << d.group_id() << " in round " << round;
    }
  }
  EXPECT_TRUE(stream.finish().ok());
}

TEST_F(CoordinatorServer, CallsStreamParkedJoinHoldsUpNothingAndDrainWaitsForIt) {
  const std::string group = "parks";
  auto first = form_group(group);
  CallsClient stream(*stub_);
  auto second_join = stream.add(join_call(group, ""));
  stream.send();
  await_group(group, [](const ClassicGroup& g) {
    return g.is(GroupState::PreparingRebalance) && g.members.size() == 2;
  });
  // The parked JoinGroup does not hold up the next call on the stream.
  auto heartbeat = stream.add(heartbeat_call(group, first));
  stream.send();
  auto answer = stream.next();
  ASSERT_TRUE(answer);
  EXPECT_EQ(answer->id(), heartbeat);
  EXPECT_EQ(answer->heartbeat().error_code(), pb::REBALANCE_IN_PROGRESS);

  // Draining: what is read from now on is not started, and the stream ends only once the
  // parked JoinGroup is answered.
  service_->drain();
  stream.add(heartbeat_call(group, first));
  stream.send();
  auto rejoined = call(&Stub::JoinGroup, join_request(group, first.member_id()));
  EXPECT_EQ(rejoined.error_code(), pb::NONE);
  answer = stream.next();
  ASSERT_TRUE(answer);
  EXPECT_EQ(answer->id(), second_join);
  EXPECT_EQ(answer->join_group().generation_id(), rejoined.generation_id());
  EXPECT_FALSE(stream.next()) << "the heartbeat sent while draining was answered";
  EXPECT_EQ(stream.finish().error_code(), grpc::StatusCode::UNAVAILABLE);
}

}  // namespace
}  // namespace groupwire::coordinator
