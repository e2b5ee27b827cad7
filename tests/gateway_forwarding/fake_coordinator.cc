#include "fake_coordinator.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <stdexcept>
#include <string>

namespace groupwire::gateway::testing {

namespace {

// Answers each batch read with one batch (less the held calls), one write at a time.
class FakeStream final : public grpc::ServerBidiReactor<pb::CallBatch, pb::AnswerBatch> {
 public:
  explicit FakeStream(FakeCoordinator& fake) : fake_(fake) { StartRead(&in_); }

  void OnReadDone(bool ok) override {
    if (!ok) {
      reads_done_ = true;
      if (!writing_) Finish(grpc::Status::OK);
      return;
    }
    fake_.record_batch(static_cast<std::size_t>(in_.calls_size()));
    for (auto& call : *in_.mutable_calls()) fake_.answer(call, waiting_);
    in_.Clear();
    write_waiting();
    StartRead(&in_);
  }

  void OnWriteDone(bool) override {
    writing_ = false;
    if (reads_done_) return Finish(grpc::Status::OK);
    write_waiting();
  }

  void OnDone() override { delete this; }

 private:
  // Reactions of one stream never run at once, so these need no lock.
  void write_waiting() {
    if (writing_ || waiting_.answers_size() == 0) return;
    writing_ = true;
    on_wire_.Swap(&waiting_);
    waiting_.Clear();
    StartWrite(&on_wire_);
  }

  FakeCoordinator& fake_;
  pb::CallBatch in_;
  pb::AnswerBatch waiting_;
  pb::AnswerBatch on_wire_;
  bool writing_ = false;
  bool reads_done_ = false;
};

// Keeps the entries of `entries` whose group id `named` accepts.
template <class Entries, class Named>
void keep_named(Entries& entries, Named named) {
  for (int i = entries.size() - 1; i >= 0; --i) {
    if (!named(entries.Get(i).group_id())) entries.DeleteSubrange(i, 1);
  }
}

void only_named(const pb::OffsetFetchRequest& req, pb::OffsetFetchResponse& resp) {
  keep_named(*resp.mutable_groups(), [&](const std::string& id) {
    return std::any_of(req.groups().begin(), req.groups().end(),
                       [&](const auto& g) { return g.group_id() == id; });
  });
}
template <class Req, class Resp>
requires requires(const Req& req, Resp& resp) {
  req.group_ids();
  resp.mutable_groups();
}
void only_named(const Req& req, Resp& resp) {
  keep_named(*resp.mutable_groups(), [&](const std::string& id) {
    return std::find(req.group_ids().begin(), req.group_ids().end(), id) != req.group_ids().end();
  });
}
void only_named(const pb::DeleteGroupsRequest& req, pb::DeleteGroupsResponse& resp) {
  keep_named(*resp.mutable_results(), [&](const std::string& id) {
    return std::find(req.group_ids().begin(), req.group_ids().end(), id) != req.group_ids().end();
  });
}

template <class Req, class Resp>
void record(Recorder<Req, Resp>& recorder, const Req& req, std::uint64_t id,
            Resp* (pb::Answer::*field)(), pb::AnswerBatch& out) {
  Resp resp;
  if (recorder.record(req, &resp)) return;
  if constexpr (requires { only_named(req, resp); }) only_named(req, resp);
  auto* answer = out.add_answers();
  answer->set_id(id);
  *(answer->*field)() = std::move(resp);
}

}  // namespace

FakeCoordinator::FakeCoordinator(int port) {
  routing_table_.set_group_partitions(1);
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

grpc::ServerBidiReactor<pb::CallBatch, pb::AnswerBatch>* FakeCoordinator::Calls(
    grpc::CallbackServerContext*) {
  return new FakeStream(*this);
}

grpc::ServerUnaryReactor* FakeCoordinator::GetRoutingTable(grpc::CallbackServerContext* ctx,
                                                           const pb::RoutingTableRequest*,
                                                           pb::RoutingTable* resp) {
  {
    std::lock_guard lock(routing_mu_);
    *resp = routing_table_;
    ++routing_table_reads_;
  }
  routing_read_.notify_all();
  auto* reactor = ctx->DefaultReactor();
  reactor->Finish(grpc::Status::OK);
  return reactor;
}

void FakeCoordinator::set_routing_table(pb::RoutingTable table) {
  std::lock_guard lock(routing_mu_);
  routing_table_ = std::move(table);
}

std::size_t FakeCoordinator::routing_table_reads() const {
  std::lock_guard lock(routing_mu_);
  return routing_table_reads_;
}

bool FakeCoordinator::wait_for_routing_table_reads(std::size_t n,
                                                   std::chrono::milliseconds timeout) {
  std::unique_lock lock(routing_mu_);
  return routing_read_.wait_for(lock, timeout, [&] { return routing_table_reads_ >= n; });
}

void FakeCoordinator::record_batch(std::size_t calls) {
  std::lock_guard lock(batches_mu_);
  batch_sizes_.push_back(calls);
}

std::vector<std::size_t> FakeCoordinator::batch_sizes() const {
  std::lock_guard lock(batches_mu_);
  return batch_sizes_;
}

void FakeCoordinator::clear_batch_sizes() {
  std::lock_guard lock(batches_mu_);
  batch_sizes_.clear();
}

void FakeCoordinator::answer(pb::Call& call, pb::AnswerBatch& out) {
  const auto id = call.id();
  switch (call.request_case()) {
    case pb::Call::kJoinGroup:
      return record(join_group, call.join_group(), id, &pb::Answer::mutable_join_group, out);
    case pb::Call::kSyncGroup:
      return record(sync_group, call.sync_group(), id, &pb::Answer::mutable_sync_group, out);
    case pb::Call::kHeartbeat:
      return record(heartbeat, call.heartbeat(), id, &pb::Answer::mutable_heartbeat, out);
    case pb::Call::kLeaveGroup:
      return record(leave_group, call.leave_group(), id, &pb::Answer::mutable_leave_group, out);
    case pb::Call::kOffsetCommit:
      return record(offset_commit, call.offset_commit(), id, &pb::Answer::mutable_offset_commit,
                    out);
    case pb::Call::kOffsetFetch:
      return record(offset_fetch, call.offset_fetch(), id, &pb::Answer::mutable_offset_fetch, out);
    case pb::Call::kDescribeGroups:
      return record(describe_groups, call.describe_groups(), id,
                    &pb::Answer::mutable_describe_groups, out);
    case pb::Call::kListGroups:
      return record(list_groups, call.list_groups(), id, &pb::Answer::mutable_list_groups, out);
    case pb::Call::kDeleteGroups:
      return record(delete_groups, call.delete_groups(), id, &pb::Answer::mutable_delete_groups,
                    out);
    case pb::Call::kOffsetDelete:
      return record(offset_delete, call.offset_delete(), id, &pb::Answer::mutable_offset_delete,
                    out);
    case pb::Call::kConsumerGroupHeartbeat:
      return record(consumer_group_heartbeat, call.consumer_group_heartbeat(), id,
                    &pb::Answer::mutable_consumer_group_heartbeat, out);
    case pb::Call::kConsumerGroupDescribe:
      return record(consumer_group_describe, call.consumer_group_describe(), id,
                    &pb::Answer::mutable_consumer_group_describe, out);
    default:
      return;
  }
}

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
