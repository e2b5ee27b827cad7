// The coordinator's Prometheus metrics. Counters follow the group events as the state machine
// reports them; gauges of groups and members are counted on the partitions' threads at scrape
// time. The storage histograms are for the storage layer to observe (see StorageMetrics).
#pragma once

#include <chrono>

#include "group/group_events.h"
#include "metrics/metrics.h"
#include "server/partitions.h"

namespace groupwire::coordinator {

// What the storage layer reports: observe each write's duration (seconds) and how many records
// it carried. Lock-free, callable from any thread.
struct StorageMetrics {
  metrics::Histogram& write_seconds;
  metrics::Histogram& batch_size;
};

class CoordinatorMetrics final : public GroupEventSink {
 public:
  // Registers every metric; the gauges are refreshed from `partitions` before each scrape,
  // waiting at most `scrape_timeout` for the partitions to answer.
  CoordinatorMetrics(metrics::Registry& registry, Partitions& partitions,
                     std::chrono::milliseconds scrape_timeout = std::chrono::milliseconds(1000));

  void on_event(const GroupEvent& event) override;

  StorageMetrics storage() const { return storage_; }

 private:
  void refresh_gauges();

  Partitions& partitions_;
  std::chrono::milliseconds scrape_timeout_;
  metrics::Family<metrics::Gauge>& groups_;
  metrics::Gauge& members_;
  metrics::Counter& rebalances_started_;
  metrics::Counter& rebalances_completed_;
  metrics::Histogram& rebalance_seconds_;
  metrics::Counter& members_joined_;
  metrics::Family<metrics::Counter>& members_removed_;
  metrics::Counter& session_expirations_;
  metrics::Counter& offset_commits_;
  metrics::Counter& offset_commit_partitions_;
  metrics::Counter& groups_deleted_;
  StorageMetrics storage_;
};

}  // namespace groupwire::coordinator
