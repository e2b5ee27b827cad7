// The server side of one gateway's Calls stream: it reads batches of calls and starts them, and
// writes the answers back in batches: every answer that arrives while a write is on the wire
// goes out with the next one, so a busy stream costs one message per batch, not per call.
#pragma once

#include <functional>
#include <memory>

#include <grpcpp/grpcpp.h>

#include "groupwire/coordinator/v1/coordinator.grpc.pb.h"
#include "server/group_calls.h"
#include "server/read_batches.h"

namespace groupwire::coordinator {

class CallsStream final : public grpc::ServerBidiReactor<pb::CallBatch, pb::AnswerBatch> {
 public:
  // `on_done` runs once the stream is over, just before it deletes itself.
  CallsStream(GroupCalls& calls, std::function<void(CallsStream*)> on_done);

  // Shutting down: calls read from now on are not started; once the calls already started are
  // answered the stream ends with UNAVAILABLE, which the gateway turns into a retriable error.
  void drain();

  void OnReadDone(bool ok) override;
  void OnWriteDone(bool ok) override;
  void OnCancel() override;
  void OnDone() override;

 private:
  // The stream's state, shared with the replies of its pending calls: it outlives the stream,
  // and drops the answers that come after the stream has ended.
  class Outbox;

  GroupCalls& calls_;
  std::function<void(CallsStream*)> on_done_;
  std::shared_ptr<ReadBatches> batches_ = ReadBatches::make();
  std::shared_ptr<pb::CallBatch> in_;  // the batch being read
  std::shared_ptr<Outbox> outbox_;
};

}  // namespace groupwire::coordinator
