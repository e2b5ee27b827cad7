// The one thread that runs every gRPC operation of a gateway's coordinator client: the Calls
// streams' reads and writes and the routing-table fetches complete on its queue, and the answers'
// callbacks run on it. One thread only: gRPC polls every socket of the process from whichever
// thread waits on any queue, so a second waiting thread would pick up events meant for the
// first and hand them over, one thread wake-up each.
#pragma once

#include <thread>

#include <grpcpp/grpcpp.h>

namespace groupwire::gateway {

class CompletionThread {
 public:
  // A tag for the queue: run() gets the operation's outcome, on the thread. A step may delete
  // itself, as the last thing it does.
  class Step {
   public:
    virtual ~Step() = default;
    virtual void run(bool ok) = 0;
  };

  // A step that calls a member function of its owner.
  template <class Owner>
  class Member final : public Step {
   public:
    Member(Owner* owner, void (Owner::*member)(bool)) : owner_(owner), member_(member) {}
    void run(bool ok) override { (owner_->*member_)(ok); }

   private:
    Owner* owner_;
    void (Owner::*member_)(bool);
  };

  CompletionThread();
  // Once no operation is pending any more (their owners wait for that before they go).
  ~CompletionThread();
  CompletionThread(const CompletionThread&) = delete;
  CompletionThread& operator=(const CompletionThread&) = delete;

  grpc::CompletionQueue& queue() { return queue_; }

 private:
  grpc::CompletionQueue queue_;
  std::thread thread_;
};

}  // namespace groupwire::gateway
