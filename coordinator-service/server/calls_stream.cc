#include "server/calls_stream.h"

#include <mutex>
#include <optional>
#include <utility>

#include "server/arena_blocks.h"

namespace groupwire::coordinator {

class CallsStream::Outbox final : public AnswerSink {
 public:
  explicit Outbox(CallsStream& stream) : stream_(&stream) {}

  void answer(pb::Answer answer) override {
    std::unique_lock lock(mu_);
    if (finished_) return;
    --unanswered_;
    *waiting_->batch->add_answers() = std::move(answer);
    flush(lock);
  }

  void answer(Answers answers) override {
    std::unique_lock lock(mu_);
    if (finished_) return;
    unanswered_ -= answers.size();
    for (auto& a : answers) *waiting_->batch->add_answers() = std::move(a);
    flush(lock);
  }

  // Whether to start the calls just read and read on: not once draining (nor after).
  bool started(std::size_t calls) {
    std::lock_guard lock(mu_);
    if (draining_ || finished_) return false;
    unanswered_ += calls;
    return true;
  }

  void write_done(bool ok) {
    std::unique_lock lock(mu_);
    writing_ = false;
    on_wire_->renew();
    // A failed write means the stream is broken: the pending read fails too and ends it.
    if (ok) flush(lock);
  }

  void reads_done() {
    std::unique_lock lock(mu_);
    reads_done_ = true;
    flush(lock);
  }

  void drain() {
    std::unique_lock lock(mu_);
    draining_ = true;
    flush(lock);
  }

  void done() {
    std::lock_guard lock(mu_);
    finished_ = true;
    stream_ = nullptr;
  }

 private:
  // Starts the next write if answers wait and none is on the wire, or ends the stream once
  // nothing more will be written: the gateway is gone, or a drain has answered everything.
  // Called with the lock held, which it releases before calling gRPC: the threads handing in
  // answers do not queue behind a write.
  void flush(std::unique_lock<std::mutex>& lock) {
    if (finished_ || writing_) return;
    CallsStream* stream = stream_;
    if (waiting_->batch->answers_size() > 0 && !reads_done_) {
      writing_ = true;
      std::swap(waiting_, on_wire_);
      pb::AnswerBatch* batch = on_wire_->batch;
      lock.unlock();
      return stream->StartWrite(batch);
    }
    std::optional<grpc::Status> end;
    if (reads_done_) {
      end = grpc::Status::OK;
    } else if (draining_ && unanswered_ == 0) {
      end = grpc::Status(grpc::StatusCode::UNAVAILABLE, "coordinator shutting down");
    }
    if (!end) return;
    finished_ = true;
    lock.unlock();
    stream->Finish(*end);
  }

  // A batch of answers on an arena of its own, reset once written: answers are copied in, so
  // they cost no allocation here and nothing is freed on another thread than allocated it.
  struct Side {
    Side() : arena(pooled_arena_options()) { renew(); }
    void renew() {
      arena.Reset();
      batch = google::protobuf::Arena::CreateMessage<pb::AnswerBatch>(&arena);
    }
    google::protobuf::Arena arena;
    pb::AnswerBatch* batch = nullptr;
  };

  std::mutex mu_;
  CallsStream* stream_;
  Side sides_[2];
  Side* waiting_ = &sides_[0];  // answers not yet written
  Side* on_wire_ = &sides_[1];  // the batch being written
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
