// One channel's Calls stream to the coordinator: calls queue while the previous batch is on the
// wire (and the calls of one socket read, see Coalesce) and go out together, answers come back in
// batches and find their call by id. When the stream ends (coordinator gone, shutting down) its
// pending calls fail with its status, and the next call opens a new stream.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <unordered_map>
#include <vector>

#include <grpcpp/grpcpp.h>

#include "coordinator_client/completion_thread.h"
#include "coordinator_client/pending_call.h"
#include "groupwire/coordinator/v1/coordinator.grpc.pb.h"

namespace groupwire::gateway {

// Counts the gRPC streams not yet done, so their owner can wait for them before it goes.
class OpenStreams {
 public:
  void opened();
  void closed();
  void wait_none();

 private:
  std::mutex mu_;
  std::condition_variable none_;
  int open_ = 0;
};

class CallStream {
 public:
  using Clock = std::chrono::steady_clock;

  // Streams are counted in `open` (which must outlive them) from opening until done; their
  // operations run on `completions`, which must outlive them too.
  CallStream(pb::Coordinator::Stub& stub, OpenStreams& open, CompletionThread& completions)
      : stub_(stub), open_(open), completions_(completions) {}
  CallStream(const CallStream&) = delete;
  CallStream& operator=(const CallStream&) = delete;

  // Sends `call` (its id is set here); `pending` completes with its answer, or fails once
  // `timeout` has passed (when expire() next runs) or the stream ends.
  void send(pb::Call call, std::unique_ptr<PendingCall> pending, Clock::duration timeout);

  // Fails, with DEADLINE_EXCEEDED, the calls whose deadline is before `now`.
  void expire(Clock::time_point now);

  // Cancels the open gRPC stream, if any: its calls fail with CANCELLED.
  void cancel();

 private:
  class Link;  // one gRPC stream
  struct Deadline {
    Clock::time_point at;
    std::uint64_t id;
  };
  std::unique_ptr<PendingCall> take_locked(std::uint64_t id);

  pb::Coordinator::Stub& stub_;
  OpenStreams& open_;
  CompletionThread& completions_;

  std::mutex mu_;
  std::shared_ptr<Link> live_;  // the stream new calls go on; null until the next call opens one
  std::uint64_t next_id_ = 0;
  std::unordered_map<std::uint64_t, std::unique_ptr<PendingCall>> pending_;
  // Deadlines by timeout: calls with the same timeout expire in the order they were sent, so a
  // FIFO each keeps them sorted for free. There are few distinct timeouts: the call timeout,
  // and the long-polls' rebalance timeouts. Answered calls leave their entry behind until it
  // reaches the front.
  std::map<Clock::duration, std::deque<Deadline>> deadlines_;
};

}  // namespace groupwire::gateway
