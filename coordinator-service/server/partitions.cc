#include "server/partitions.h"

#include <algorithm>
#include <utility>

#include <spdlog/spdlog.h>
#include <boost/asio/bind_executor.hpp>
#include <boost/asio/post.hpp>

namespace groupwire::coordinator {

Partitions::Partitions(const GroupConfig& config, std::size_t partitions, std::size_t threads,
                       GroupLog& store, PartitionState initial)
    : config_(config) {
  std::size_t workers = std::max<std::size_t>(1, std::min(threads, partitions));
  for (std::size_t w = 0; w < workers; ++w) workers_.push_back(std::make_unique<Worker>());
  for (std::size_t p = 0; p < partitions; ++p) {
    partitions_.push_back(std::make_unique<Partition>(workers_[worker_of(p)]->io.get_executor(),
                                                      timers_.io.get_executor(), config_, store,
                                                      initial));
    partitions_.back()->clustered = initial == PartitionState::kNotOwned;
    arm_expiry(*partitions_.back());
  }
  // Everything above happens before the threads start, so they see fully built partitions.
  for (auto& w : workers_) w->thread = std::thread([io = &w->io] { io->run(); });
  timers_.thread = std::thread([this] { timers_.io.run(); });
}

Partitions::~Partitions() {
  stop();
}

void Partitions::arm_expiry(Partition& p) {
  p.expiry.expires_after(config_.offsets_retention_check_interval);
  p.expiry.async_wait(boost::asio::bind_executor(
      p.executor, [this, part = &p](const boost::system::error_code& ec) {
        if (ec || !part->group) return;  // cancelled by stop()
        part->group->expire_offsets();
        arm_expiry(*part);
      }));
}

void Partitions::Log::append(WriteBatch batch, Done done) {
  Partition* part = &partition_;
  ++part->writes_in_flight;
  auto finish = [part, done = std::move(done)](v1::ErrorCode e) mutable {
    boost::asio::post(part->executor, [part, done = std::move(done), e] {
      if (!part->group) return;
      done(e);
      if (--part->writes_in_flight == 0) {
        for (auto& fn : std::exchange(part->when_drained, {})) fn();
      }
    });
  };
  if (part->clustered && !part->lease) return finish(v1::NOT_COORDINATOR);
  batch.lease = part->lease;
  store_.append(std::move(batch), std::move(finish));
}

void Partitions::after_drain(Partition& p, std::function<void()> fn) {
  if (p.writes_in_flight == 0) return fn();
  p.when_drained.push_back(std::move(fn));
}

void Partitions::take(std::size_t p, PartitionLease lease) {
  Partition* part = partitions_.at(p).get();
  boost::asio::post(part->executor, [this, part, lease] {
    if (!part->group) return;
    after_drain(*part, [this, part, lease] {
      // A fresh state machine: nothing of an earlier ownership survives but what is stored.
      part->scheduler.cancel_all();
      part->group = std::make_unique<GroupPartition>(config_, part->scheduler, part->log,
                                                     PartitionState::kLoading);
      part->group->set_event_sink(sink_);
      part->lease = lease;
    });
  });
}

void Partitions::load_partition(std::size_t p, StoredGroups stored) {
  Partition* part = partitions_.at(p).get();
  auto share = std::make_shared<StoredGroups>(std::move(stored));
  boost::asio::post(part->executor, [this, part, share] {
    if (!part->group) return;
    // After take(), which may itself wait for the previous ownership's writes.
    after_drain(*part, [part, share] {
      if (part->group->state() == PartitionState::kLoading) part->group->load(std::move(*share));
    });
  });
}

void Partitions::release(std::size_t p, std::function<void()> drained) {
  Partition* part = partitions_.at(p).get();
  boost::asio::post(part->executor, [this, part, drained = std::move(drained)] {
    if (!part->group) return;
    unload(*part);
    // After any take() queued before it: the last of them decides.
    after_drain(*part, [this, part, drained] {
      part->lease.reset();
      part->group = std::make_unique<GroupPartition>(config_, part->scheduler, part->log,
                                                     PartitionState::kNotOwned);
      if (drained) drained();
    });
  });
}

void Partitions::load(StoredGroups stored) {
  std::vector<StoredGroups> shares(partitions_.size());
  for (auto& g : stored.groups) shares[partition_for(g.group_id)].groups.push_back(std::move(g));
  for (auto& r : stored.consumer_group_records) {
    shares[partition_for(r.group_id)].consumer_group_records.push_back(std::move(r));
  }
  for (auto& o : stored.offsets) {
    shares[partition_for(o.key.group_id)].offsets.push_back(std::move(o));
  }
  for (std::size_t p = 0; p < shares.size(); ++p) {
    post(p, [share = std::make_shared<StoredGroups>(std::move(shares[p]))](GroupPartition& g) {
      g.load(std::move(*share));
    });
  }
}

void Partitions::unload(Partition& p) {
  p.lease.reset();
  p.group->unload();
  p.scheduler.cancel_all();
}

void Partitions::serve_until(std::chrono::steady_clock::time_point deadline) {
  serve_until_.store(deadline.time_since_epoch().count());
}

void Partitions::post(std::size_t partition, std::function<void(GroupPartition&)> fn) {
  boost::asio::post(executor(partition), [this, partition, fn = std::move(fn)] {
    if (GroupPartition* g = serving(partition)) fn(*g);
  });
}

void Partitions::post_to_worker(std::size_t worker, std::function<void()> fn) {
  boost::asio::post(workers_.at(worker)->io, std::move(fn));
}

GroupPartition* Partitions::serving(std::size_t partition) {
  Partition* part = partitions_[partition].get();
  if (!part->group) return nullptr;
  if (part->lease &&
      std::chrono::steady_clock::now().time_since_epoch().count() > serve_until_.load()) {
    spdlog::warn("partition {}: its lease was not renewed in time, not serving it",
                 part->lease->partition);
    unload(*part);
  }
  return part->group.get();
}

boost::asio::any_io_executor Partitions::executor(std::size_t partition) const {
  return partitions_.at(partition)->executor;
}

void Partitions::set_event_sink(GroupEventSink* sink) {
  sink_ = sink;
  for (std::size_t p = 0; p < size(); ++p) {
    post(p, [sink](GroupPartition& g) { g.set_event_sink(sink); });
  }
}

void Partitions::stop() {
  if (stopped_) return;
  stopped_ = true;
  // State machines are torn down on their own thread: their destructors may touch timers.
  for (auto& p : partitions_) {
    boost::asio::post(p->executor, [part = p.get()] {
      part->expiry.cancel();
      part->group.reset();
      part->scheduler.cancel_all();
    });
  }
  // Without the guard, run() returns once the teardown and the cancelled waits have run.
  for (auto& w : workers_) w->work.reset();
  for (auto& w : workers_) {
    if (w->thread.joinable()) w->thread.join();
  }
  // Every wait is cancelled by now; what the cancellations post to the workers is never run.
  timers_.work.reset();
  if (timers_.thread.joinable()) timers_.thread.join();
}

}  // namespace groupwire::coordinator
