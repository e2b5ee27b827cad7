// AsioScheduler: callbacks run on the executor's thread, a replaced or cancelled timer never
// runs, and nothing is left behind once timers fire or are cancelled.
#include "server/asio_scheduler.h"

#include <future>
#include <optional>
#include <thread>

#include <gtest/gtest.h>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>

namespace groupwire::coordinator {
namespace {

using std::chrono::milliseconds;

// An io_context run by one thread of its own, like a partition's worker.
class Worker {
 public:
  Worker() : thread_([this] { io_.run(); }) {}
  ~Worker() {
    work_.reset();
    thread_.join();
  }
  boost::asio::any_io_executor executor() { return io_.get_executor(); }
  std::thread::id id() const { return thread_.get_id(); }

  // Runs fn on the worker and waits for its result.
  template <class F>
  auto run(F fn) -> decltype(fn()) {
    auto task = std::make_shared<std::packaged_task<decltype(fn())()>>(std::move(fn));
    auto result = task->get_future();
    boost::asio::post(io_, [task] { (*task)(); });
    return result.get();
  }

 private:
  boost::asio::io_context io_{1};
  boost::asio::executor_work_guard<boost::asio::io_context::executor_type> work_{
      io_.get_executor()};
  std::thread thread_;
};

// Schedules a timer from `worker`'s thread; the thread its callback ran on, once it has.
std::thread::id fire_one(AsioScheduler& scheduler, Worker& worker) {
  std::promise<std::thread::id> fired;
  worker.run([&] {
    scheduler.schedule("k", milliseconds(1), [&] { fired.set_value(std::this_thread::get_id()); });
    return 0;
  });
  return fired.get_future().get();
}

TEST(AsioScheduler, CallbackRunsOnTheExecutorThreadAndIsErased) {
  Worker worker;
  AsioScheduler scheduler(worker.executor(), worker.executor());
  EXPECT_EQ(fire_one(scheduler, worker), worker.id());
  EXPECT_EQ(worker.run([&] { return scheduler.pending(); }), 0u);
}

// A partition's timers wait on a context of their own; their callbacks still run on the
// partition's worker.
TEST(AsioScheduler, TimersWaitElsewhereAndCallBackOnTheCallbacksThread) {
  Worker timers;
  Worker worker;
  AsioScheduler scheduler(timers.executor(), worker.executor());
  EXPECT_EQ(fire_one(scheduler, worker), worker.id());
  EXPECT_EQ(worker.run([&] { return scheduler.pending(); }), 0u);
  worker.run([&] {
    scheduler.schedule("long", milliseconds(3600 * 1000), [] {});
    scheduler.cancel_all();  // the timers' context is left with nothing to wait for
    return 0;
  });
}

TEST(AsioScheduler, ClocksAdvance) {
  Worker worker;
  AsioScheduler scheduler(worker.executor(), worker.executor());
  auto before = std::chrono::system_clock::now();
  auto ms = scheduler.wall_clock_ms();
  EXPECT_GE(ms, std::chrono::duration_cast<milliseconds>(before.time_since_epoch()).count());
  auto t = scheduler.now();
  EXPECT_GE(scheduler.now(), t);
}

TEST(AsioScheduler, ReplacingAKeyRunsOnlyTheNewCallback) {
  Worker worker;
  AsioScheduler scheduler(worker.executor(), worker.executor());
  bool old_ran = false;
  std::promise<void> fired;
  worker.run([&] {
    scheduler.schedule("k", milliseconds(0), [&] { old_ran = true; });
    scheduler.schedule("k", milliseconds(0), [&] { fired.set_value(); });
    EXPECT_EQ(scheduler.pending(), 1u);
    return 0;
  });
  fired.get_future().get();
  EXPECT_EQ(worker.run([&] { return scheduler.pending(); }), 0u);
  EXPECT_FALSE(worker.run([&] { return old_ran; }));
}

TEST(AsioScheduler, CancelledCallbackNeverRuns) {
  Worker worker;
  AsioScheduler scheduler(worker.executor(), worker.executor());
  bool cancelled_ran = false;
  std::promise<void> fired;
  worker.run([&] {
    scheduler.schedule("gone", milliseconds(0), [&] { cancelled_ran = true; });
    scheduler.schedule("kept", milliseconds(0), [&] { fired.set_value(); });
    scheduler.cancel("gone");
    scheduler.cancel("never-scheduled");
    return 0;
  });
  fired.get_future().get();
  EXPECT_FALSE(worker.run([&] { return cancelled_ran; }));
  EXPECT_EQ(worker.run([&] { return scheduler.pending(); }), 0u);
}

// The io_context is run on this thread, so the order is known: the expired timer's completion is
// already queued behind `replace` when `replace` swaps the timer out. Only the id check can stop
// it.
TEST(AsioScheduler, TimerThatAlreadyExpiredDoesNotRunOnceReplacedOrCancelled) {
  boost::asio::io_context io{1};
  AsioScheduler scheduler(io.get_executor(), io.get_executor());
  int old_replaced = 0, old_cancelled = 0, fresh = 0;
  scheduler.schedule("replaced", milliseconds(0), [&] { ++old_replaced; });
  scheduler.schedule("cancelled", milliseconds(0), [&] { ++old_cancelled; });
  boost::asio::post(io, [&] {
    scheduler.schedule("replaced", milliseconds(0), [&] { ++fresh; });
    scheduler.cancel("cancelled");
  });
  io.run();
  EXPECT_EQ(old_replaced, 0);
  EXPECT_EQ(old_cancelled, 0);
  EXPECT_EQ(fresh, 1);
  EXPECT_EQ(scheduler.pending(), 0u);
}

TEST(AsioScheduler, CallbackMayRescheduleItsOwnKey) {
  Worker worker;
  AsioScheduler scheduler(worker.executor(), worker.executor());
  int runs = 0;
  std::promise<void> done;
  std::function<void()> tick = [&] {
    if (++runs == 3) {
      done.set_value();
      return;
    }
    scheduler.schedule("tick", milliseconds(0), tick);
  };
  worker.run([&] {
    scheduler.schedule("tick", milliseconds(0), tick);
    return 0;
  });
  done.get_future().get();
  EXPECT_EQ(worker.run([&] { return runs; }), 3);
  EXPECT_EQ(worker.run([&] { return scheduler.pending(); }), 0u);
}

TEST(AsioScheduler, CallbackMayCancelAnotherKey) {
  Worker worker;
  AsioScheduler scheduler(worker.executor(), worker.executor());
  bool victim_ran = false;
  std::promise<void> done;
  worker.run([&] {
    scheduler.schedule("victim", milliseconds(3600 * 1000), [&] { victim_ran = true; });
    scheduler.schedule("killer", milliseconds(0), [&] {
      scheduler.cancel("victim");
      done.set_value();
    });
    return 0;
  });
  done.get_future().get();
  EXPECT_FALSE(worker.run([&] { return victim_ran; }));
  EXPECT_EQ(worker.run([&] { return scheduler.pending(); }), 0u);
}

TEST(AsioScheduler, DestroyingTheSchedulerDropsQueuedCallbacks) {
  boost::asio::io_context io{1};
  std::optional<AsioScheduler> scheduler(std::in_place, io.get_executor(), io.get_executor());
  bool ran = false;
  scheduler->schedule("k", milliseconds(0), [&] { ran = true; });
  scheduler->schedule("long", milliseconds(3600 * 1000), [&] { ran = true; });
  boost::asio::post(io, [&] { scheduler.reset(); });
  io.run();  // returns: destroying the scheduler cancelled the long wait too
  EXPECT_FALSE(ran);
}

}  // namespace
}  // namespace groupwire::coordinator
