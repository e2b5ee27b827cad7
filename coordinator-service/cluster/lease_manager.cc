#include "cluster/lease_manager.h"

#include <algorithm>
#include <future>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <spdlog/spdlog.h>

namespace groupwire::coordinator {

LeaseManager::LeaseManager(LeaseTable& table, Partitions& partitions,
                           std::chrono::milliseconds lease, LeaseReporting reporting)
    : table_(table),
      partitions_(partitions),
      lease_(lease),
      period_(std::min(std::chrono::milliseconds(200), lease / 4)),
      reporting_(std::move(reporting)) {}

void LeaseManager::set_serving(bool serving) {
  if (serving_ == serving) return;
  serving_ = serving;
  if (reporting_.on_serving) reporting_.on_serving(serving);
}

void LeaseManager::count_owned() {
  if (reporting_.metrics) {
    reporting_.metrics->partitions_owned.set(static_cast<double>(owned().size()));
  }
}

LeaseManager::~LeaseManager() {
  stop();
}

void LeaseManager::start() {
  thread_ = std::thread([this] { run(); });
}

std::map<std::int32_t, std::int64_t> LeaseManager::owned() const {
  std::lock_guard lock(mutex_);
  return owned_;
}

void LeaseManager::run() {
  for (;;) {
    step();
    std::unique_lock lock(mutex_);
    if (wake_.wait_for(lock, period_, [this] { return stopping_; })) break;
  }
  std::vector<std::int32_t> held;
  for (const auto& [p, epoch] : owned()) held.push_back(p);
  for (std::int32_t p : held) hand_off(p);
  table_.leave();
  if (!held.empty()) spdlog::info("handed off partitions {}", fmt::join(held, ","));
}

void LeaseManager::stop() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_one();
  if (thread_.joinable()) thread_.join();
}

void LeaseManager::lose(std::int32_t partition) {
  partitions_.release(static_cast<std::size_t>(partition));
  {
    std::lock_guard lock(mutex_);
    owned_.erase(partition);
  }
  count_owned();
  if (reporting_.metrics) reporting_.metrics->leases_lost.inc();
}

void LeaseManager::drop_all(const char* why) {
  std::vector<std::int32_t> dropped;
  for (const auto& [p, epoch] : owned()) {
    lose(p);
    dropped.push_back(p);
  }
  set_serving(false);
  if (!dropped.empty()) {
    spdlog::warn("stopped serving partitions {}: {}", fmt::join(dropped, ","), why);
  }
}

void LeaseManager::step() {
  auto sent = std::chrono::steady_clock::now();
  if (!owned().empty() && sent > serve_until_) {
    // Paused, or renewals failed, past the point where the leases are safely ours.
    drop_all("the leases were not renewed in time");
  }
  std::string error;
  auto held = table_.renew(error);
  if (reporting_.metrics) {
    (held ? reporting_.metrics->renewals_ok : reporting_.metrics->renewals_failed).inc();
    reporting_.metrics->renewal_seconds.observe(
        std::chrono::duration<double>(std::chrono::steady_clock::now() - sent).count());
  }
  if (!held) {
    spdlog::warn("renewing the leases failed: {}", error);
    if (std::chrono::steady_clock::now() > serve_until_) set_serving(false);
    return;
  }
  // The database's expiry starts after `sent`: serving until 2/3 of a lease from it stays well
  // inside the lease whatever the clocks say.
  serve_until_ = sent + lease_ * 2 / 3;
  partitions_.serve_until(serve_until_);
  set_serving(true);
  std::map<std::int32_t, std::int64_t> in_db;
  for (const auto& l : *held) in_db[l.partition] = l.epoch;
  for (const auto& [p, epoch] : owned()) {
    auto it = in_db.find(p);
    if (it != in_db.end() && it->second == epoch) continue;
    spdlog::warn("lost the lease of partition {} (epoch {}): another coordinator holds it", p,
                 epoch);
    lose(p);
  }

  auto live = table_.live(error);
  if (!live) return;
  auto me = std::find(live->begin(), live->end(), table_.id());
  if (me == live->end()) return;
  std::size_t n = live->size();
  std::size_t rank = static_cast<std::size_t>(me - live->begin());
  std::size_t total = partitions_.size();
  std::size_t target = total / n + (rank < total % n ? 1 : 0);
  auto now_owned = owned();
  if (now_owned.size() > target) {
    // The highest partitions go: a newcomer's share comes from everyone's end.
    std::vector<std::int32_t> surplus;
    for (auto it = now_owned.rbegin();
         it != now_owned.rend() && surplus.size() < now_owned.size() - target; ++it) {
      surplus.push_back(it->first);
    }
    for (std::int32_t p : surplus) hand_off(p);
    spdlog::info("handed off partitions {} ({} coordinators live)", fmt::join(surplus, ","), n);
    return;
  }
  if (now_owned.size() == target) return;
  auto all = table_.partitions(error);
  if (!all) return;
  std::vector<std::int32_t> taken;
  for (const auto& p : *all) {
    if (now_owned.size() + taken.size() >= target) break;
    if (now_owned.count(p.partition)) continue;
    if (p.owner && !p.expired && *p.owner != table_.id()) continue;
    if (take(p.partition)) taken.push_back(p.partition);
  }
  if (!taken.empty()) {
    spdlog::info("took partitions {} ({} coordinators live)", fmt::join(taken, ","), n);
  }
}

bool LeaseManager::take(std::int32_t partition) {
  std::string error;
  auto lease = table_.acquire(partition, error);
  if (!lease) {
    if (!error.empty()) spdlog::warn("taking partition {} failed: {}", partition, error);
    return false;
  }
  auto p = static_cast<std::size_t>(partition);
  partitions_.take(p, *lease);
  auto stored = table_.load(partition, error);
  if (!stored) {
    spdlog::warn("loading partition {} failed: {}", partition, error);
    partitions_.release(p);
    table_.release(*lease, error);
    return false;
  }
  partitions_.load_partition(p, std::move(*stored));
  {
    std::lock_guard lock(mutex_);
    owned_[partition] = lease->epoch;
  }
  if (reporting_.metrics) reporting_.metrics->takeovers.inc();
  count_owned();
  return true;
}

void LeaseManager::hand_off(std::int32_t partition) {
  std::int64_t epoch;
  {
    std::lock_guard lock(mutex_);
    auto it = owned_.find(partition);
    if (it == owned_.end()) return;
    epoch = it->second;
    owned_.erase(it);
  }
  count_owned();
  auto drained = std::make_shared<std::promise<void>>();
  auto done = drained->get_future();
  partitions_.release(static_cast<std::size_t>(partition), [drained] { drained->set_value(); });
  // A store that does not answer within a lease: the lease expires by itself instead.
  if (done.wait_for(lease_) != std::future_status::ready) return;
  std::string error;
  if (!table_.release({partition, epoch}, error)) {
    spdlog::warn("releasing the lease of partition {} failed: {}", partition, error);
    return;
  }
  if (reporting_.metrics) reporting_.metrics->handoffs.inc();
}

}  // namespace groupwire::coordinator
