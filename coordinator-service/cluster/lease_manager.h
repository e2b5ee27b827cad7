// A coordinator's part in a cluster: every renewal period it renews its leases, learns which
// coordinators are live, and takes or hands off group partitions until each live coordinator
// holds its even share (by rank of id: the first P % N hold one more). A partition is taken by
// acquiring its lease (the next epoch), then loading its groups; it is handed off by unloading
// it, letting its writes in flight finish, then releasing the lease so the next owner need not
// wait for it to expire. If renewals fail for 2/3 of a lease, the coordinator stops serving what
// it holds, before any lease can expire on the database's clock.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <thread>

#include "cluster/cluster_metrics.h"
#include "server/partitions.h"
#include "storage/lease_table.h"

namespace groupwire::coordinator {

struct LeaseReporting {
  ClusterMetrics* metrics = nullptr;  // not owned; none: no metrics
  // Whether this coordinator serves what it holds (its renewals are current), on every change:
  // the readiness its health service reports. Called on the manager's thread.
  std::function<void(bool)> on_serving{};
};

class LeaseManager {
 public:
  LeaseManager(LeaseTable& table, Partitions& partitions, std::chrono::milliseconds lease,
               LeaseReporting reporting = {});
  ~LeaseManager();  // stop()
  LeaseManager(const LeaseManager&) = delete;
  LeaseManager& operator=(const LeaseManager&) = delete;

  void start();
  // Hands every partition off and leaves the cluster (SIGTERM). Idempotent.
  void stop();

  // The partitions served now and their lease epochs.
  std::map<std::int32_t, std::int64_t> owned() const;

 private:
  void run();
  void step();
  // Whether the partition was taken (its lease acquired and its groups loaded).
  bool take(std::int32_t partition);
  void hand_off(std::int32_t partition);
  // Stops serving a partition whose lease may not be ours any more.
  void lose(std::int32_t partition);
  void drop_all(const char* why);
  void set_serving(bool serving);
  void count_owned();

  LeaseTable& table_;
  Partitions& partitions_;
  std::chrono::milliseconds lease_;
  std::chrono::milliseconds period_;
  std::chrono::steady_clock::time_point serve_until_{};
  LeaseReporting reporting_;
  std::optional<bool> serving_;

  mutable std::mutex mutex_;
  std::condition_variable wake_;
  bool stopping_ = false;
  std::map<std::int32_t, std::int64_t> owned_;  // written on the manager's thread only
  std::thread thread_;
};

}  // namespace groupwire::coordinator
