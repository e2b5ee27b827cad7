// The group partitions and the worker threads they live on. Kafka spreads groups over the
// partitions of __consumer_offsets; here a partition is a GroupPartition pinned to one thread,
// so every group's state is touched by exactly one thread and needs no lock.
#pragma once

#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string_view>
#include <thread>
#include <vector>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>

#include "group/group_config.h"
#include "group/group_partition.h"
#include "kafka/group_hash.h"
#include "server/asio_scheduler.h"
#include "storage/group_log.h"

namespace groupwire::coordinator {

using kafka::java_string_hash;
using kafka::partition_for;

class Partitions {
 public:
  // Starts `threads` workers (at most one per partition); partition p runs on worker p % threads.
  // Partitions write to `store`. Alone (`initial` loading) every partition answers
  // COORDINATOR_LOAD_IN_PROGRESS until load(); in a cluster (`initial` not owned) each answers
  // NOT_COORDINATOR until this coordinator takes it.
  Partitions(const GroupConfig& config, std::size_t partitions, std::size_t threads,
             GroupLog& store, PartitionState initial = PartitionState::kLoading);
  ~Partitions();  // stop()
  Partitions(const Partitions&) = delete;
  Partitions& operator=(const Partitions&) = delete;

  std::size_t size() const { return partitions_.size(); }
  std::size_t threads() const { return workers_.size(); }
  const GroupConfig& config() const { return config_; }
  std::size_t partition_for(std::string_view group_id) const {
    return kafka::partition_for(group_id, size());
  }

  // Hands each partition its share of what the store holds.
  void load(StoredGroups stored);

  // ---- Ownership in a cluster: each call runs on the partition's thread ---------------------

  // This coordinator owns partition p under `lease` from now: it answers
  // COORDINATOR_LOAD_IN_PROGRESS until load_partition(). Waits for a previous ownership's writes
  // to finish first.
  void take(std::size_t p, PartitionLease lease);
  void load_partition(std::size_t p, StoredGroups stored);
  // Stops serving p (handed off, or its lease is lost): it answers NOT_COORDINATOR at once, and
  // `drained` runs (on p's thread) once the writes in flight under the lease have finished.
  void release(std::size_t p, std::function<void()> drained = {});
  // Until when the leases held are safely this coordinator's: a call that comes later finds its
  // partition unloaded (NOT_COORDINATOR) rather than served by an owner that may be replaced.
  void serve_until(std::chrono::steady_clock::time_point deadline);

  // Runs fn with the partition's state machine on the partition's thread. Dropped once the
  // partitions are stopped, so stop only after nothing (the gRPC server) posts any more.
  void post(std::size_t partition, std::function<void(GroupPartition&)> fn);
  boost::asio::any_io_executor executor(std::size_t partition) const;

  // For work on several partitions at once: one post per worker instead of one per partition.
  // Partition p lives on worker_of(p); fn runs on that worker's thread, and there serving(p)
  // gives the state machine of each of the worker's partitions (what post() hands its fn).
  std::size_t worker_of(std::size_t partition) const { return partition % workers_.size(); }
  void post_to_worker(std::size_t worker, std::function<void()> fn);
  // On the partition's thread only: its state machine, or null once the partitions are stopped.
  GroupPartition* serving(std::size_t partition);

  // Every partition reports its group events to `sink` (not owned; must outlive the
  // partitions), from the moment each partition's thread gets to it.
  void set_event_sink(GroupEventSink* sink);

  // Destroys every partition's state on its own thread, then joins the workers. Idempotent.
  void stop();

 private:
  struct Worker {
    boost::asio::io_context io{1};
    boost::asio::executor_work_guard<boost::asio::io_context::executor_type> work{
        io.get_executor()};
    std::thread thread;
  };
  struct Partition;
  // The partition's view of the store: batches carry the partition's lease, outcomes come back
  // on the partition's thread (not at all once the partition is gone), and the writes in flight
  // are counted. Without the lease of a cluster's partition, writes fail NOT_COORDINATOR.
  class Log final : public GroupLog {
   public:
    Log(GroupLog& store, Partition& partition) : store_(store), partition_(partition) {}
    void append(WriteBatch batch, Done done) override;

   private:
    GroupLog& store_;
    Partition& partition_;
  };
  struct Partition {
    Partition(const boost::asio::any_io_executor& worker,
              const boost::asio::any_io_executor& timers, const GroupConfig& config,
              GroupLog& store, PartitionState initial)
        : executor(worker),
          scheduler(timers, worker),
          log(store, *this),
          group(std::make_unique<GroupPartition>(config, scheduler, log, initial)),
          expiry(timers) {}
    boost::asio::any_io_executor executor;  // the worker's
    AsioScheduler scheduler;  // before group: the state machine holds references to it and log
    Log log;
    std::unique_ptr<GroupPartition> group;
    boost::asio::steady_timer expiry;     // the periodic expire_offsets()
    bool clustered = false;               // owned under leases: writes need one
    std::optional<PartitionLease> lease;  // while this coordinator serves the partition
    std::size_t writes_in_flight = 0;
    std::vector<std::function<void()>> when_drained;  // run once writes_in_flight is 0
  };

  void arm_expiry(Partition& p);
  // Runs fn on p's thread once no write is in flight there.
  void after_drain(Partition& p, std::function<void()> fn);
  void unload(Partition& p);

  GroupConfig config_;
  GroupEventSink* sink_ = nullptr;  // for the state machines made on takeovers
  std::atomic<std::chrono::steady_clock::rep> serve_until_{0};
  // Workers before partitions: timers must be destroyed before their io_context.
  std::vector<std::unique_ptr<Worker>> workers_;
  // The partitions' timers wait here and hand their callbacks to the partition's worker: a
  // worker's context then has no reactor, so an idle worker sleeps on a condition variable that
  // a post signals after unlocking, instead of in epoll_wait, woken under the poster's lock only
  // to block on that lock.
  Worker timers_;
  std::vector<std::unique_ptr<Partition>> partitions_;
  bool stopped_ = false;
};

}  // namespace groupwire::coordinator
