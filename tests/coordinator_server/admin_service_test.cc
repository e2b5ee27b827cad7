// The Admin service on a real gRPC server (start_grpc_server, as the coordinator process starts
// it) with a client: what operators see of groups, the rules for changing them, the event stream,
// and the health and reflection services grpcurl-style tools rely on.
#include "admin/admin_service.h"

#include <chrono>
#include <future>
#include <set>
#include <string>

#include <grpcpp/generic/generic_stub.h>
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>

#include "admin/event_queue.h"
#include "grpc/health/v1/health.grpc.pb.h"
#include "in_process.h"
#include "kafka/codec/messages/consumer_protocol.h"
#include "server/coordinator_service.h"
#include "server/grpc_server.h"
#include "server/partitions.h"

namespace groupwire::coordinator::admin {
namespace {

using namespace std::chrono_literals;
using grpc::StatusCode;

std::string consumer_subscription(std::vector<std::string> topics) {
  kafka::ConsumerProtocolSubscription sub;
  sub.topics = std::move(topics);
  return kafka::encode_consumer_protocol(sub, 1);
}

std::string consumer_assignment(const std::string& topic, std::vector<std::int32_t> partitions) {
  kafka::ConsumerProtocolAssignment a;
  a.assigned_partitions.push_back({topic, std::move(partitions)});
  return kafka::encode_consumer_protocol(a, 0);
}

struct Joiner {
  std::string protocol_type = "consumer";
  std::string metadata = consumer_subscription({"orders", "payments"});
  std::string assignment = consumer_assignment("orders", {0, 2});
  std::optional<std::string> instance{};
};

// One request on grpc.reflection.v1alpha.ServerReflection's stream, as bytes; the answer's bytes.
std::string reflection_call(const std::shared_ptr<grpc::Channel>& channel,
                            const std::string& request) {
  class Call final : public grpc::ClientBidiReactor<grpc::ByteBuffer, grpc::ByteBuffer> {
   public:
    Call(grpc::GenericStub& stub, const std::string& request) {
      grpc::Slice slice(request);
      request_ = grpc::ByteBuffer(&slice, 1);
      ctx_.set_deadline(std::chrono::system_clock::now() + 20s);
      stub.PrepareBidiStreamingCall(
          &ctx_, "/grpc.reflection.v1alpha.ServerReflection/ServerReflectionInfo",
          grpc::StubOptions(), this);
      StartWriteLast(&request_, grpc::WriteOptions());
      StartRead(&response_);
      StartCall();
    }
    void OnReadDone(bool ok) override {
      if (!ok) return;
      std::vector<grpc::Slice> slices;
      (void)response_.Dump(&slices);
      for (const auto& s : slices)
        answer_.append(reinterpret_cast<const char*>(s.begin()), s.size());
      StartRead(&response_);
    }
    void OnDone(const grpc::Status& status) override {
      EXPECT_TRUE(status.ok()) << status.error_message();
      done_.set_value(answer_);
    }
    std::future<std::string> answer() { return done_.get_future(); }

   private:
    grpc::ClientContext ctx_;
    grpc::ByteBuffer request_;
    grpc::ByteBuffer response_;
    std::string answer_;
    std::promise<std::string> done_;
  };
  grpc::GenericStub stub(channel);
  Call call(stub, request);
  return call.answer().get();
}

class AdminServer : public testing::InProcessTest {
 protected:
  void SetUp() override {
    start_partitions();
    partitions_->set_event_sink(&hub_);
    coordinator_.emplace(*partitions_, solo_);
    admin_.emplace(*partitions_, hub_, solo_, 16);
    int port = 0;
    server_ = start_grpc_server({"127.0.0.1", 0}, {&*coordinator_, &*admin_}, port);
    ASSERT_TRUE(server_);
    channel_ = grpc::CreateChannel("127.0.0.1:" + std::to_string(port),
                                   grpc::InsecureChannelCredentials());
    groups_ = pb::Coordinator::NewStub(channel_);
    admin_stub_ = apb::Admin::NewStub(channel_);
  }

  void TearDown() override {
    hub_.close_all();
    if (server_) server_->Shutdown(std::chrono::system_clock::now() + 1s);
    stop_partitions();
  }

  static std::unique_ptr<grpc::ClientContext> ctx() {
    auto c = std::make_unique<grpc::ClientContext>();
    c->set_deadline(std::chrono::system_clock::now() + 20s);
    return c;
  }

  template <class Req, class Resp>
  using Method = grpc::Status (apb::Admin::Stub::*)(grpc::ClientContext*, const Req&, Resp*);

  template <class Req, class Resp>
  grpc::Status admin(Method<Req, Resp> method, const Req& req, Resp& resp) {
    return (admin_stub_.get()->*method)(ctx().get(), req, &resp);
  }

  template <class Req, class Resp>
  Resp ok(Method<Req, Resp> method, const Req& req) {
    Resp resp;
    grpc::Status s = admin(method, req, resp);
    EXPECT_TRUE(s.ok()) << s.error_code() << ": " << s.error_message();
    return resp;
  }

  // One member alone forms generation 1 and is Stable with its own assignment.
  pb::JoinGroupResponse form_group(const std::string& group, const Joiner& j = {}) {
    pb::JoinGroupRequest join;
    join.set_group_id(group);
    join.set_client_id("client");
    join.set_client_host("/127.0.0.1");
    join.set_session_timeout_ms(30000);
    join.set_rebalance_timeout_ms(30000);
    join.set_protocol_type(j.protocol_type);
    if (j.instance) join.set_group_instance_id(*j.instance);
    auto* p = join.add_protocols();
    p->set_name("range");
    p->set_metadata(j.metadata);
    pb::JoinGroupResponse joined;
    EXPECT_TRUE(groups_->JoinGroup(ctx().get(), join, &joined).ok());
    EXPECT_EQ(joined.error_code(), pb::NONE);
    pb::SyncGroupRequest sync;
    sync.set_group_id(group);
    sync.set_generation_id(joined.generation_id());
    sync.set_member_id(joined.member_id());
    if (j.instance) sync.set_group_instance_id(*j.instance);
    auto* a = sync.add_assignments();
    a->set_member_id(joined.member_id());
    a->set_assignment(j.assignment);
    pb::SyncGroupResponse synced;
    EXPECT_TRUE(groups_->SyncGroup(ctx().get(), sync, &synced).ok());
    EXPECT_EQ(synced.error_code(), pb::NONE);
    return joined;
  }

  static apb::ResetOffsetsRequest reset_to(const std::string& group, std::int64_t offset,
                                           std::vector<std::int32_t> partitions = {0}) {
    apb::ResetOffsetsRequest r;
    r.set_group_id(group);
    auto* t = r.add_partitions();
    t->set_topic("t");
    t->mutable_partitions()->Add(partitions.begin(), partitions.end());
    r.set_to_offset(offset);
    return r;
  }

  apb::DescribeGroupResponse describe(const std::string& group) {
    apb::DescribeGroupRequest req;
    req.set_group_id(group);
    return ok(&apb::Admin::Stub::DescribeGroup, req);
  }

  std::map<std::pair<std::string, int>, std::int64_t> offsets(const std::string& group) {
    apb::GetOffsetsRequest req;
    req.set_group_id(group);
    std::map<std::pair<std::string, int>, std::int64_t> out;
    auto got = ok(&apb::Admin::Stub::GetOffsets, req);
    for (const auto& o : got.offsets()) {
      out[{o.topic(), o.partition()}] = o.offset();
    }
    return out;
  }

  EventHub hub_;  // before the partitions, which report to it until they stop
  SoloClusterView solo_{"coordinator-0:9093", 4};
  std::optional<CoordinatorService> coordinator_;
  std::optional<AdminService> admin_;
  std::unique_ptr<grpc::Server> server_;
  std::shared_ptr<grpc::Channel> channel_;
  std::unique_ptr<pb::Coordinator::Stub> groups_;
  std::unique_ptr<apb::Admin::Stub> admin_stub_;
};

// Alone, a coordinator serves every partition: the cluster is itself.
TEST_F(AdminServer, ClusterStatusAloneIsThisCoordinatorWithEveryPartition) {
  auto status = ok(&apb::Admin::Stub::ClusterStatus, apb::ClusterStatusRequest());
  EXPECT_EQ(status.group_partitions(), 4);
  ASSERT_EQ(status.coordinators_size(), 1);
  EXPECT_EQ(status.coordinators(0).advertise(), "coordinator-0:9093");
  ASSERT_EQ(status.coordinators(0).partitions_size(), 4);
  for (int p = 0; p < 4; ++p) EXPECT_EQ(status.coordinators(0).partitions(p).partition(), p);
  EXPECT_TRUE(status.unowned().empty());
}

TEST_F(AdminServer, DescribeDecodesConsumerSubscriptionsAndAssignments) {
  auto joined = form_group("g");
  auto d = describe("g");
  EXPECT_EQ(d.state(), apb::GROUP_STATE_STABLE);
  EXPECT_EQ(d.generation_id(), 1);
  EXPECT_EQ(d.protocol_type(), "consumer");
  EXPECT_EQ(d.protocol_name(), "range");
  EXPECT_EQ(d.leader_id(), joined.member_id());
  ASSERT_EQ(d.members_size(), 1);
  const auto& m = d.members(0);
  EXPECT_EQ(m.member_id(), joined.member_id());
  EXPECT_EQ(m.client_id(), "client");
  EXPECT_EQ(m.client_host(), "/127.0.0.1");
  EXPECT_EQ(m.session_timeout_ms(), 30000);
  EXPECT_EQ(m.rebalance_timeout_ms(), 30000);
  EXPECT_GE(m.last_heartbeat_age_ms(), 0);
  EXPECT_LT(m.last_heartbeat_age_ms(), 30000);
  ASSERT_TRUE(m.has_consumer_subscription());
  EXPECT_EQ(m.consumer_subscription().version(), 1);
  EXPECT_EQ(std::vector<std::string>(m.consumer_subscription().topics().begin(),
                                     m.consumer_subscription().topics().end()),
            (std::vector<std::string>{"orders", "payments"}));
  ASSERT_TRUE(m.has_consumer_assignment());
  ASSERT_EQ(m.consumer_assignment().partitions_size(), 1);
  EXPECT_EQ(m.consumer_assignment().partitions(0).topic(), "orders");
  EXPECT_EQ(std::vector<int>(m.consumer_assignment().partitions(0).partitions().begin(),
                             m.consumer_assignment().partitions(0).partitions().end()),
            (std::vector<int>{0, 2}));
}

// A consumer group (KIP-848) joined through ConsumerGroupHeartbeat: its epochs, and each
// member's subscription and assignments by topic name.
TEST_F(AdminServer, DescribesAndListsConsumerGroups) {
  pb::ConsumerGroupHeartbeatRequest join;
  join.set_group_id("cg");
  join.set_member_id("m1");
  join.set_member_epoch(0);
  join.set_rebalance_timeout_ms(30000);
  join.set_client_id("client");
  join.set_client_host("/127.0.0.1");
  join.mutable_subscribed_topic_names()->add_names("orders");
  join.set_subscribed_topic_regex("pay.*");
  join.mutable_topic_partitions();
  auto* catalog = join.mutable_catalog();
  catalog->set_fingerprint(7);
  catalog->set_fetched_at_ms(1);
  for (auto [name, id] : {std::pair{"orders", '\x01'}, std::pair{"payments", '\x02'}}) {
    auto* t = catalog->add_topics();
    t->set_name(name);
    t->set_topic_id(std::string(15, '\0') + id);
    t->set_partitions(2);
  }
  pb::ConsumerGroupHeartbeatResponse joined;
  ASSERT_TRUE(groups_->ConsumerGroupHeartbeat(ctx().get(), join, &joined).ok());
  ASSERT_EQ(joined.error_code(), pb::NONE);
  form_group("classic");

  auto d = describe("cg");
  EXPECT_EQ(d.group_type(), "consumer");
  EXPECT_EQ(d.state(), apb::GROUP_STATE_STABLE);
  EXPECT_EQ(d.generation_id(), 1);
  EXPECT_EQ(d.assignment_epoch(), 1);
  EXPECT_EQ(d.assignor(), "uniform");
  ASSERT_EQ(d.members_size(), 1);
  const auto& c = d.members(0).consumer();
  EXPECT_EQ(c.member_epoch(), 1);
  EXPECT_EQ(c.member_state(), "STABLE");
  EXPECT_EQ(c.subscribed_topic_regex(), "pay.*");
  ASSERT_EQ(c.assigned_size(), 2);
  EXPECT_EQ(c.assigned(0).topic(), "orders");
  EXPECT_EQ(c.assigned(1).topic(), "payments");
  EXPECT_EQ(c.target_size(), 2);
  EXPECT_EQ(c.pending_revocation_size(), 0);

  apb::ListGroupsRequest list;
  list.add_group_types("consumer");
  auto listed = ok(&apb::Admin::Stub::ListGroups, list);
  ASSERT_EQ(listed.groups_size(), 1);
  EXPECT_EQ(listed.groups(0).group_id(), "cg");
  EXPECT_EQ(listed.groups(0).group_type(), "consumer");
  EXPECT_EQ(listed.groups(0).members(), 1);
  list.clear_group_types();
  EXPECT_EQ(ok(&apb::Admin::Stub::ListGroups, list).groups_size(), 2);

  apb::DeleteGroupRequest del;
  del.set_group_id("cg");
  apb::DeleteGroupResponse deleted;
  EXPECT_EQ(admin(&apb::Admin::Stub::DeleteGroup, del, deleted).error_code(),
            StatusCode::FAILED_PRECONDITION);

  // An operator removes the member: the group is Empty, and may then be deleted.
  apb::RemoveMemberRequest remove;
  remove.set_group_id("cg");
  remove.set_member_id("m1");
  EXPECT_EQ(ok(&apb::Admin::Stub::RemoveMember, remove).member_id(), "m1");
  EXPECT_EQ(describe("cg").state(), apb::GROUP_STATE_EMPTY);
  EXPECT_EQ(describe("cg").generation_id(), 2) << "the member's leave moved the group epoch";
  ok(&apb::Admin::Stub::DeleteGroup, del);
}

TEST_F(AdminServer, OtherProtocolTypesAndUndecodableBytesStayRaw) {
  form_group("connect", {.protocol_type = "connect", .metadata = "opaque", .assignment = "bytes"});
  auto m = describe("connect").members(0);
  EXPECT_EQ(m.raw_metadata(), "opaque");
  EXPECT_EQ(m.raw_assignment(), "bytes");
  form_group("broken",
             {.metadata = std::string("\x00\x01", 2), .assignment = std::string("\x00", 1)});
  m = describe("broken").members(0);
  EXPECT_EQ(m.raw_metadata(), std::string("\x00\x01", 2));
  EXPECT_EQ(m.raw_assignment(), std::string("\x00", 1));
}

TEST_F(AdminServer, UnknownGroupsAreNotFoundAndAnEmptyIdIsInvalid) {
  apb::DescribeGroupResponse d;
  apb::DescribeGroupRequest req;
  req.set_group_id("nobody");
  auto s = admin(&apb::Admin::Stub::DescribeGroup, req, d);
  EXPECT_EQ(s.error_code(), StatusCode::NOT_FOUND);
  EXPECT_NE(s.error_message().find("nobody"), std::string::npos);
  req.set_group_id("");
  EXPECT_EQ(admin(&apb::Admin::Stub::DescribeGroup, req, d).error_code(),
            StatusCode::INVALID_ARGUMENT);
  apb::GetOffsetsRequest get;
  get.set_group_id("nobody");
  apb::GetOffsetsResponse got;
  EXPECT_EQ(admin(&apb::Admin::Stub::GetOffsets, get, got).error_code(), StatusCode::NOT_FOUND);
}

TEST_F(AdminServer, ListGroupsPagesInGroupIdOrderAcrossPartitions) {
  for (int i = 6; i >= 0; --i)
    ok(&apb::Admin::Stub::ResetOffsets, reset_to("g" + std::to_string(i), 1));
  ok(&apb::Admin::Stub::ResetOffsets, reset_to("other", 1));
  form_group("g-stable");
  apb::ListGroupsRequest req;
  req.set_name_prefix("g");
  req.add_protocol_types("");  // simple groups: no protocol
  req.set_page_size(3);
  std::vector<std::vector<std::string>> pages;
  do {
    auto page = ok(&apb::Admin::Stub::ListGroups, req);
    pages.emplace_back();
    for (const auto& g : page.groups()) pages.back().push_back(g.group_id());
    req.set_page_token(page.next_page_token());
  } while (!req.page_token().empty());
  EXPECT_EQ(pages, (std::vector<std::vector<std::string>>{
                       {"g0", "g1", "g2"}, {"g3", "g4", "g5"}, {"g6"}}));

  apb::ListGroupsRequest stable;
  stable.add_states(apb::GROUP_STATE_STABLE);
  auto listed = ok(&apb::Admin::Stub::ListGroups, stable);
  ASSERT_EQ(listed.groups_size(), 1);
  EXPECT_EQ(listed.groups(0).group_id(), "g-stable");
  EXPECT_EQ(listed.groups(0).members(), 1);
  EXPECT_EQ(listed.groups(0).protocol_type(), "consumer");
  EXPECT_EQ(listed.groups(0).generation_id(), 1);

  apb::ListGroupsRequest negative;
  negative.set_page_size(-1);
  apb::ListGroupsResponse unused;
  EXPECT_EQ(admin(&apb::Admin::Stub::ListGroups, negative, unused).error_code(),
            StatusCode::INVALID_ARGUMENT);
}

TEST_F(AdminServer, GetOffsetsReportsLagWhereEndOffsetsAreSupplied) {
  ok(&apb::Admin::Stub::ResetOffsets, reset_to("s", 5, {0, 1}));
  apb::GetOffsetsRequest req;
  req.set_group_id("s");
  auto* end = req.add_end_offsets();
  end->set_topic("t");
  end->set_partition(0);
  end->set_offset(12);
  auto got = ok(&apb::Admin::Stub::GetOffsets, req);
  ASSERT_EQ(got.offsets_size(), 2);
  EXPECT_EQ(got.state(), apb::GROUP_STATE_EMPTY);
  EXPECT_EQ(got.offsets(0).offset(), 5);
  EXPECT_EQ(got.offsets(0).end_offset(), 12);
  EXPECT_EQ(got.offsets(0).lag(), 7);
  EXPECT_GT(got.offsets(0).commit_timestamp_ms(), 0);
  EXPECT_FALSE(got.offsets(1).has_lag());
  EXPECT_FALSE(got.offsets(1).has_end_offset());
}

TEST_F(AdminServer, ResetOffsetsOnlyWhileEmptyAndWithWhatTheTargetNeeds) {
  form_group("busy");
  apb::ResetOffsetsResponse resp;
  auto s = admin(&apb::Admin::Stub::ResetOffsets, reset_to("busy", 1), resp);
  EXPECT_EQ(s.error_code(), StatusCode::FAILED_PRECONDITION);
  EXPECT_NE(s.error_message().find("Stable with 1 member"), std::string::npos) << s.error_message();

  ok(&apb::Admin::Stub::ResetOffsets, reset_to("idle", 10, {0, 1}));
  apb::ResetOffsetsRequest earliest = reset_to("idle", 0, {0, 1});
  earliest.set_to_earliest(true);
  auto* low = earliest.add_earliest_offsets();
  low->set_topic("t");
  low->set_partition(0);
  low->set_offset(3);
  s = admin(&apb::Admin::Stub::ResetOffsets, earliest, resp);
  EXPECT_EQ(s.error_code(), StatusCode::INVALID_ARGUMENT);
  EXPECT_NE(s.error_message().find("t-1"), std::string::npos) << s.error_message();

  apb::ResetOffsetsRequest shift;
  shift.set_group_id("idle");  // no partitions named: every committed one
  shift.set_shift_by(-8);
  *shift.mutable_earliest_offsets() = earliest.earliest_offsets();  // t-0 starts at 3
  shift.set_dry_run(true);
  auto planned = ok(&apb::Admin::Stub::ResetOffsets, shift);
  EXPECT_FALSE(planned.applied());
  ASSERT_EQ(planned.changes_size(), 2);
  EXPECT_EQ(planned.changes(0).previous_offset(), 10);
  EXPECT_EQ(planned.changes(0).new_offset(), 3);  // bounded by the log start
  EXPECT_EQ(planned.changes(1).new_offset(), 2);
  EXPECT_EQ(offsets("idle"),
            (std::map<std::pair<std::string, int>, std::int64_t>{{{"t", 0}, 10}, {{"t", 1}, 10}}));
  shift.set_dry_run(false);
  EXPECT_TRUE(ok(&apb::Admin::Stub::ResetOffsets, shift).applied());
  EXPECT_EQ(offsets("idle"),
            (std::map<std::pair<std::string, int>, std::int64_t>{{{"t", 0}, 3}, {{"t", 1}, 2}}));

  apb::ResetOffsetsRequest nowhere;
  nowhere.set_group_id("idle");
  EXPECT_EQ(admin(&apb::Admin::Stub::ResetOffsets, nowhere, resp).error_code(),
            StatusCode::INVALID_ARGUMENT);
}

TEST_F(AdminServer, DeleteGroupAndOffsetsFollowKafkasRules) {
  form_group("busy", {.protocol_type = "connect"});
  apb::DeleteGroupRequest del;
  del.set_group_id("busy");
  apb::DeleteGroupResponse deleted;
  EXPECT_EQ(admin(&apb::Admin::Stub::DeleteGroup, del, deleted).error_code(),
            StatusCode::FAILED_PRECONDITION);
  apb::DeleteOffsetsRequest busy_offsets;
  busy_offsets.set_group_id("busy");
  busy_offsets.add_partitions()->set_topic("t");
  apb::DeleteOffsetsResponse offsets_deleted;
  EXPECT_EQ(admin(&apb::Admin::Stub::DeleteOffsets, busy_offsets, offsets_deleted).error_code(),
            StatusCode::FAILED_PRECONDITION);

  ok(&apb::Admin::Stub::ResetOffsets, reset_to("idle", 4, {0, 1}));
  apb::DeleteOffsetsRequest one;
  one.set_group_id("idle");
  auto* t = one.add_partitions();
  t->set_topic("t");
  t->add_partitions(1);
  auto result = ok(&apb::Admin::Stub::DeleteOffsets, one);
  ASSERT_EQ(result.results_size(), 1);
  EXPECT_EQ(result.results(0).error(), "");
  EXPECT_EQ(offsets("idle"), (std::map<std::pair<std::string, int>, std::int64_t>{{{"t", 0}, 4}}));

  del.set_group_id("idle");
  EXPECT_TRUE(admin(&apb::Admin::Stub::DeleteGroup, del, deleted).ok());
  EXPECT_EQ(admin(&apb::Admin::Stub::DeleteGroup, del, deleted).error_code(),
            StatusCode::NOT_FOUND);
}

TEST_F(AdminServer, RemoveMemberRebalancesTheGroupWithoutIt) {
  auto dynamic = form_group("g");
  form_group("static", {.instance = "instance-1"});
  apb::RemoveMemberRequest req;
  req.set_group_id("g");
  apb::RemoveMemberResponse resp;
  EXPECT_EQ(admin(&apb::Admin::Stub::RemoveMember, req, resp).error_code(),
            StatusCode::INVALID_ARGUMENT);
  req.set_member_id("nobody");
  EXPECT_EQ(admin(&apb::Admin::Stub::RemoveMember, req, resp).error_code(), StatusCode::NOT_FOUND);
  req.set_member_id(dynamic.member_id());
  EXPECT_EQ(ok(&apb::Admin::Stub::RemoveMember, req).member_id(), dynamic.member_id());
  auto d = describe("g");
  EXPECT_EQ(d.state(), apb::GROUP_STATE_EMPTY);  // rebalanced into an empty generation
  EXPECT_EQ(d.generation_id(), 2);

  apb::RemoveMemberRequest by_instance;
  by_instance.set_group_id("static");
  by_instance.set_group_instance_id("instance-1");
  EXPECT_FALSE(ok(&apb::Admin::Stub::RemoveMember, by_instance).member_id().empty());
  EXPECT_EQ(describe("static").members_size(), 0);
}

TEST_F(AdminServer, WatchGroupsStreamsTheWatchedGroupsEventsFromTheFirstMetadata) {
  grpc::ClientContext ctx;
  apb::WatchGroupsRequest req;
  req.add_group_ids("watched");
  auto reader = admin_stub_->WatchGroups(&ctx, req);
  reader->WaitForInitialMetadata();
  ok(&apb::Admin::Stub::ResetOffsets, reset_to("unwatched", 1));
  ok(&apb::Admin::Stub::ResetOffsets, reset_to("watched", 2, {0, 1}));
  form_group("watched");
  apb::GroupEvent e;
  ASSERT_TRUE(reader->Read(&e));
  EXPECT_EQ(e.type(), apb::OFFSETS_COMMITTED);
  EXPECT_EQ(e.group_id(), "watched");
  EXPECT_EQ(e.partitions(), 2);
  std::vector<apb::EventType> types;
  while (types.size() < 5 && reader->Read(&e)) types.push_back(e.type());
  EXPECT_EQ(types, (std::vector<apb::EventType>{apb::MEMBER_JOINED, apb::STATE_CHANGED,
                                                apb::REBALANCE_STARTED, apb::STATE_CHANGED,
                                                apb::STATE_CHANGED}));
  ASSERT_TRUE(reader->Read(&e));
  EXPECT_EQ(e.type(), apb::REBALANCE_COMPLETED);
  EXPECT_EQ(e.generation_id(), 1);
  EXPECT_EQ(e.members(), 1);
  // Closing the hub (as the coordinator does before it shuts down) ends the stream cleanly.
  hub_.close_all();
  EXPECT_FALSE(reader->Read(&e));
  EXPECT_TRUE(reader->Finish().ok());
}

TEST_F(AdminServer, AWatcherThatDoesNotReadNeverHoldsUpThePartitions) {
  grpc::ClientContext ctx;
  apb::WatchGroupsRequest req;
  req.add_group_ids("busy-feed");
  auto reader = admin_stub_->WatchGroups(&ctx, req);
  reader->WaitForInitialMetadata();
  // Each commit's event names 50 long topics (about 5 KB): together far more than the stream's
  // flow-control window and the socket buffers take while the watcher reads nothing.
  apb::ResetOffsetsRequest reset;
  reset.set_group_id("busy-feed");
  for (int t = 0; t < 50; ++t) {
    auto* tp = reset.add_partitions();
    tp->set_topic(std::string(100, 't') + std::to_string(t));
    tp->add_partitions(0);
  }
  constexpr int kCommits = 2000;
  for (int i = 0; i < kCommits; ++i) {
    reset.set_to_offset(i);
    ok(&apb::Admin::Stub::ResetOffsets, reset);  // answered: the partition is never blocked
  }
  std::int64_t delivered = 0, dropped = 0;
  apb::GroupEvent e;
  while (delivered + dropped < kCommits && reader->Read(&e)) {
    if (e.type() == apb::EVENTS_DROPPED) {
      dropped += e.dropped();
    } else {
      EXPECT_EQ(e.type(), apb::OFFSETS_COMMITTED);
      ++delivered;
    }
  }
  EXPECT_EQ(delivered + dropped, kCommits);
  EXPECT_GT(dropped, 0);
  EXPECT_GE(delivered, 16);  // the queue's worth at least
  ctx.TryCancel();
}

TEST(EventQueue, ASlowWatcherLosesTheOldestEventsAndIsToldHowMany) {
  EventQueue q(2);
  for (int i = 1; i <= 5; ++i) {
    apb::GroupEvent e;
    e.set_generation_id(i);
    q.push(e);
  }
  auto gap = q.pop();
  ASSERT_TRUE(gap);
  EXPECT_EQ(gap->type(), apb::EVENTS_DROPPED);
  EXPECT_EQ(gap->dropped(), 3);
  EXPECT_EQ(q.pop()->generation_id(), 4);
  EXPECT_EQ(q.pop()->generation_id(), 5);
  EXPECT_FALSE(q.pop());
}

TEST_F(AdminServer, HealthSaysServingAndReflectionListsTheServices) {
  grpc::health::v1::HealthCheckRequest check;
  grpc::health::v1::HealthCheckResponse health;
  ASSERT_TRUE(grpc::health::v1::Health::NewStub(channel_)->Check(ctx().get(), check, &health).ok());
  EXPECT_EQ(health.status(), grpc::health::v1::HealthCheckResponse::SERVING);

  // ServerReflectionRequest{list_services: "*"}; the answer lists the services' full names.
  std::string answer = reflection_call(channel_, std::string("\x3a\x01*", 3));
  for (const char* service : {"groupwire.admin.v1.Admin", "groupwire.coordinator.v1.Coordinator",
                              "grpc.health.v1.Health"}) {
    EXPECT_NE(answer.find(service), std::string::npos) << service;
  }
}

}  // namespace
}  // namespace groupwire::coordinator::admin
