#include "coordinator_client/call_stream.h"

#include <utility>

#include "batching/coalesce.h"

namespace groupwire::gateway {

namespace {

// Calls queued beyond this start a new batch: the coordinator takes messages up to 100 MiB, and
// a few large OffsetCommits must not add up to more.
constexpr std::size_t kMaxBatchBytes = 4 * 1024 * 1024;

}  // namespace

void OpenStreams::opened() {
  std::lock_guard lock(mu_);
  ++open_;
}

void OpenStreams::closed() {
  std::lock_guard lock(mu_);
  if (--open_ == 0) none_.notify_all();
}

void OpenStreams::wait_none() {
  std::unique_lock lock(mu_);
  none_.wait(lock, [this] { return open_ == 0; });
}

// One gRPC stream, on the coordinator client's completion queue (whose thread runs every step
// below). It owns itself from opening until it is done: its read side has died, gRPC has told
// its status, and no write is in flight or wanted. The CallStream's reference keeps its context
// valid for a late cancel().
class CallStream::Link {
 public:
  static std::shared_ptr<Link> open(CallStream& owner) {
    auto link = std::shared_ptr<Link>(new Link(owner));
    link->self_ = link;
    owner.open_.opened();
    link->stream_ = owner.stub_.PrepareAsyncCalls(&link->ctx_, &owner.completions_.queue());
    return link;
  }

  void start() { stream_->StartCall(&started_step_); }
  void cancel() { ctx_.TryCancel(); }

  // With the owner's mutex held. Returns whether the caller must write() (after unlocking).
  bool queue_locked(pb::Call call) {
    if (queued_.empty() || queued_bytes_ >= kMaxBatchBytes) {
      queued_.emplace_back();
      queued_bytes_ = 0;
    }
    queued_bytes_ += call.ByteSizeLong();
    *queued_.back().add_calls() = std::move(call);
    if (writing_) return false;
    writing_ = true;
    return true;
  }

  // Writes what is queued by now: the calls of one Coalesce scope (one socket read) go together.
  // Called by whoever set writing_; before the stream has started, its start writes instead.
  void write() {
    {
      std::lock_guard lock(owner_.mu_);
      // Before the start, the start writes; with a batch on the wire, its completion does.
      if (!started_ || on_wire_busy_) return;
    }
    write_next(true);
  }

 private:
  explicit Link(CallStream& owner) : owner_(owner) {
    // Fail fast when the coordinator is unreachable: the Kafka client retries on its own.
    ctx_.set_wait_for_ready(false);
  }

  void on_started(bool ok) {
    bool write = false;
    {
      std::lock_guard lock(owner_.mu_);
      started_ = true;
      if (!ok) writing_ = false;  // nothing was written, nothing will be
      write = writing_;
    }
    if (!ok) return read_side_died();  // never started: Finish tells why
    stream_->Read(&in_, &read_step_);
    if (write) this->write();
  }

  void on_read(bool ok) {
    if (!ok) return read_side_died();
    std::vector<std::pair<std::unique_ptr<PendingCall>, pb::Answer*>> answered;
    {
      std::lock_guard lock(owner_.mu_);
      for (auto& answer : *in_.mutable_answers()) {
        if (auto call = owner_.take_locked(answer.id()))
          answered.emplace_back(std::move(call), &answer);
      }
    }
    {
      Coalesce batch;  // the answers reach each connection's thread together
      for (auto& [call, answer] : answered) call->complete(grpc::Status::OK, answer);
    }
    in_.Clear();
    stream_->Read(&in_, &read_step_);
  }

  void on_written(bool ok) {
    {
      std::lock_guard lock(owner_.mu_);
      on_wire_busy_ = false;
      on_wire_.Clear();
    }
    // After a failed write the read side dies too; its calls fail then.
    write_next(ok);
  }

  void on_finished(bool) {
    grpc::Status why = status_.ok() ? grpc::Status(grpc::StatusCode::UNAVAILABLE,
                                                   "the coordinator ended the stream")
                                    : status_;
    for (auto& call : failed_) call->complete(why, nullptr);
    failed_.clear();
    {
      std::lock_guard lock(owner_.mu_);
      finished_ = true;
    }
    done_if_idle();
  }

  // Writes the next batch queued, if any and `ok`; else the writer's turn is over.
  void write_next(bool ok) {
    bool write = false;
    {
      std::lock_guard lock(owner_.mu_);
      write = ok && !read_dead_ && !queued_.empty();
      if (write) {
        on_wire_ = std::move(queued_.front());
        queued_.pop_front();
        on_wire_busy_ = true;
      } else {
        writing_ = false;
      }
    }
    if (write) return stream_->Write(on_wire_, &written_step_);
    done_if_idle();
  }

  // The coordinator is gone or ended the stream: every call on it fails (once gRPC tells the
  // stream's status), and the next call opens a new stream.
  void read_side_died() {
    {
      std::lock_guard lock(owner_.mu_);
      read_dead_ = true;
      if (owner_.live_.get() == this) owner_.live_.reset();
      for (auto& [id, call] : owner_.pending_) failed_.push_back(std::move(call));
      owner_.pending_.clear();
      queued_.clear();
    }
    stream_->Finish(&status_, &finished_step_);
  }

  void done_if_idle() {
    {
      std::lock_guard lock(owner_.mu_);
      if (!finished_ || writing_ || done_) return;
      done_ = true;
    }
    OpenStreams& open = owner_.open_;
    self_.reset();  // may delete this
    open.closed();
  }

  CallStream& owner_;
  std::shared_ptr<Link> self_;
  grpc::ClientContext ctx_;
  std::unique_ptr<grpc::ClientAsyncReaderWriter<pb::CallBatch, pb::AnswerBatch>> stream_;
  CompletionThread::Member<Link> started_step_{this, &Link::on_started};
  CompletionThread::Member<Link> read_step_{this, &Link::on_read};
  CompletionThread::Member<Link> written_step_{this, &Link::on_written};
  CompletionThread::Member<Link> finished_step_{this, &Link::on_finished};
  pb::AnswerBatch in_;
  pb::CallBatch on_wire_;
  grpc::Status status_;
  std::vector<std::unique_ptr<PendingCall>> failed_;  // taken when the read side died
  // Guarded by the owner's mutex:
  std::deque<pb::CallBatch> queued_;
  std::size_t queued_bytes_ = 0;  // of queued_.back()
  bool started_ = false;
  bool writing_ = false;       // a write is on the wire, or one is wanted (see write())
  bool on_wire_busy_ = false;  // on_wire_ is being written
  bool read_dead_ = false;
  bool finished_ = false;  // the stream's status is known
  bool done_ = false;
};

std::unique_ptr<PendingCall> CallStream::take_locked(std::uint64_t id) {
  auto it = pending_.find(id);
  if (it == pending_.end()) return nullptr;
  auto call = std::move(it->second);
  pending_.erase(it);
  return call;
}

void CallStream::send(pb::Call call, std::unique_ptr<PendingCall> pending,
                      Clock::duration timeout) {
  std::shared_ptr<Link> link;
  bool opened = false;
  bool write = false;
  {
    std::lock_guard lock(mu_);
    if (!live_) {
      live_ = Link::open(*this);
      opened = true;
    }
    link = live_;
    const std::uint64_t id = ++next_id_;
    call.set_id(id);
    pending_.emplace(id, std::move(pending));
    auto& fifo = deadlines_[timeout];
    while (!fifo.empty() && !pending_.contains(fifo.front().id)) fifo.pop_front();
    fifo.push_back({Clock::now() + timeout, id});
    write = link->queue_locked(std::move(call));
  }
  if (opened) link->start();
  if (write) Coalesce::once(link.get(), [link] { link->write(); });
}

void CallStream::expire(Clock::time_point now) {
  std::vector<std::unique_ptr<PendingCall>> expired;
  {
    std::lock_guard lock(mu_);
    for (auto& [timeout, fifo] : deadlines_) {
      while (!fifo.empty() && fifo.front().at <= now) {
        if (auto call = take_locked(fifo.front().id)) expired.push_back(std::move(call));
        fifo.pop_front();
      }
    }
  }
  const grpc::Status timed_out(grpc::StatusCode::DEADLINE_EXCEEDED, "Deadline Exceeded");
  for (auto& call : expired) call->complete(timed_out, nullptr);
}

void CallStream::cancel() {
  std::shared_ptr<Link> link;
  {
    std::lock_guard lock(mu_);
    link = live_;
  }
  if (link) link->cancel();
}

}  // namespace groupwire::gateway
