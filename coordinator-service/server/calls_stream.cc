#include "server/calls_stream.h"

#include <mutex>
#include <utility>

namespace groupwire::coordinator {

class CallsStream::Outbox final : public AnswerSink {
 public:
  explicit Outbox(CallsStream& stream) : stream_(&stream) {}

  void answer(pb::Answer answer) override {
    std::lock_guard lock(mu_);
    if (finished_) return;
    --unanswered_;
    *waiting_.add_answers() = std::move(answer);
    flush_locked();
  }

  void answer(Answers answers) override {
    std::lock_guard lock(mu_);
    if (finished_) return;
    unanswered_ -= answers.size();
    for (auto& a : answers) *waiting_.add_answers() = std::move(a);
    flush_locked();
  }

  // Whether to start the calls just read and read on: not once draining (nor after).
  bool started(std::size_t calls) {
    std::lock_guard lock(mu_);
    if (draining_ || finished_) return false;
    unanswered_ += calls;
    return true;
  }

  void write_done(bool ok) {
    std::lock_guard lock(mu_);
    writing_ = false;
    stream_->on_wire_.Clear();
    // A failed write means the stream is broken: the pending read fails too and ends it.
    if (ok) flush_locked();
  }

  void reads_done() {
    std::lock_guard lock(mu_);
    reads_done_ = true;
    flush_locked();
  }

  void drain() {
    std::lock_guard lock(mu_);
    draining_ = true;
    flush_locked();
  }

  void done() {
    std::lock_guard lock(mu_);
    finished_ = true;
    stream_ = nullptr;
  }

 private:
  // Starts the next write if answers wait and none is on the wire, or ends the stream once
  // nothing more will be written: the gateway is gone, or a drain has answered everything.
  void flush_locked() {
    if (finished_ || writing_) return;
    if (waiting_.answers_size() > 0 && !reads_done_) {
      writing_ = true;
      stream_->on_wire_.Swap(&waiting_);
      stream_->StartWrite(&stream_->on_wire_);
      return;
    }
    if (reads_done_) {
      finished_ = true;
      stream_->Finish(grpc::Status::OK);
    } else if (draining_ && unanswered_ == 0) {
      finished_ = true;
      stream_->Finish(grpc::Status(grpc::StatusCode::UNAVAILABLE, "coordinator shutting down"));
    }
  }

  std::mutex mu_;
  CallsStream* stream_;
  pb::AnswerBatch waiting_;  // answers not yet written
  bool writing_ = false;
  bool reads_done_ = false;  // the gateway closed its side, or the call was cancelled
  bool draining_ = false;
  bool finished_ = false;  // Finish called, or the stream is done
  std::size_t unanswered_ = 0;
};

CallsStream::CallsStream(GroupCalls& calls, std::function<void(CallsStream*)> on_done)
    : calls_(calls),
      on_done_(std::move(on_done)),
      in_(batches_->take()),
      outbox_(std::make_shared<Outbox>(*this)) {
  StartRead(in_.get());
}

void CallsStream::drain() {
  outbox_->drain();
}

void CallsStream::OnReadDone(bool ok) {
  if (!ok) return outbox_->reads_done();
  if (!outbox_->started(static_cast<std::size_t>(in_->calls_size()))) return;
  calls_.start(std::exchange(in_, batches_->take()), outbox_);
  StartRead(in_.get());
}

// Also how Server::Shutdown ends a draining stream whose calls are parked (a JoinGroup waiting
// for its rebalance): no read is pending then to fail.
void CallsStream::OnCancel() {
  outbox_->reads_done();
}

void CallsStream::OnWriteDone(bool ok) {
  outbox_->write_done(ok);
}

void CallsStream::OnDone() {
  outbox_->done();
  on_done_(this);
  delete this;
}

}  // namespace groupwire::coordinator
