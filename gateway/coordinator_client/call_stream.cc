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

// One gRPC stream. Writes start from send() as well as from reactions, so the stream holds a
// hold (gRPC's term) from the start until its read side has died and no write is in flight:
// only then may gRPC call OnDone. It owns itself until OnDone; the CallStream's reference keeps
// its context valid for a late cancel().
class CallStream::Link final : public grpc::ClientBidiReactor<pb::CallBatch, pb::AnswerBatch> {
 public:
  static std::shared_ptr<Link> open(CallStream& owner) {
    auto link = std::shared_ptr<Link>(new Link(owner));
    link->self_ = link;
    owner.open_.opened();
    owner.stub_.async()->Calls(&link->ctx_, link.get());
    link->AddHold();
    link->StartRead(&link->in_);
    return link;
  }

  void start() { StartCall(); }
  void cancel() { ctx_.TryCancel(); }

  // Writes what is queued by now: the calls of one Coalesce scope (one socket read) go together.
  void write() {
    bool write = false;
    {
      std::lock_guard lock(owner_.mu_);
      write = !read_dead_ && !queued_.empty();
      if (write) {
        next_batch_locked();
      } else {
        writing_ = false;
      }
    }
    if (write) return StartWrite(&on_wire_);
    release_hold_if_idle();
  }

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

  void OnReadDone(bool ok) override {
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
    StartRead(&in_);
  }

  void OnWriteDone(bool ok) override {
    bool again = false;
    {
      std::lock_guard lock(owner_.mu_);
      on_wire_.Clear();
      // After a failed write the read side dies too; its calls fail then.
      again = ok && !read_dead_ && !queued_.empty();
      if (again) {
        next_batch_locked();
      } else {
        writing_ = false;
      }
    }
    if (again) return StartWrite(&on_wire_);
    release_hold_if_idle();
  }

  void OnDone(const grpc::Status& status) override {
    grpc::Status why = status.ok() ? grpc::Status(grpc::StatusCode::UNAVAILABLE,
                                                  "the coordinator ended the stream")
                                   : status;
    for (auto& call : failed_) call->complete(why, nullptr);
    failed_.clear();
    OpenStreams& open = owner_.open_;
    self_.reset();  // may delete this
    open.closed();
  }

 private:
  explicit Link(CallStream& owner) : owner_(owner) {
    // Fail fast when the coordinator is unreachable: the Kafka client retries on its own.
    ctx_.set_wait_for_ready(false);
  }

  void next_batch_locked() {
    on_wire_ = std::move(queued_.front());
    queued_.pop_front();
  }

  // The coordinator is gone or ended the stream: every call on it fails (in OnDone, with the
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
    release_hold_if_idle();
  }

  void release_hold_if_idle() {
    {
      std::lock_guard lock(owner_.mu_);
      if (!read_dead_ || writing_ || hold_released_) return;
      hold_released_ = true;
    }
    RemoveHold();
  }

  CallStream& owner_;
  std::shared_ptr<Link> self_;
  grpc::ClientContext ctx_;
  pb::AnswerBatch in_;
  pb::CallBatch on_wire_;
  std::vector<std::unique_ptr<PendingCall>> failed_;  // taken when the read side died
  // Guarded by the owner's mutex:
  std::deque<pb::CallBatch> queued_;
  std::size_t queued_bytes_ = 0;  // of queued_.back()
  bool writing_ = false;
  bool read_dead_ = false;
  bool hold_released_ = false;
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
