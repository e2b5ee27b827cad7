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

template <class Req, class Resp>
void record(Recorder<Req, Resp>& recorder, const Req& req, std::uint64_t id,
            Resp* (pb::Answer::*field)(), pb::AnswerBatch& out) {
  Resp resp;
  if (recorder.record(req, &resp)) return;
  auto* answer = out.add_answers();
  answer->set_id(id);
  *(answer->*field)() = std::move(resp);
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

grpc::ServerBidiReactor<pb::CallBatch, pb::AnswerBatch>* FakeCoordinator::Calls(
    grpc::CallbackServerContext*) {
  return new FakeStream(*this);
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
