// The coordinator's Prometheus metrics. Counters follow the group events as the state machine
// reports them; gauges of groups and members are counted on the partitions' threads at scrape
// time. The storage layer reports through StorageMetrics.
#pragma once

#include <chrono>

#include "group/group_events.h"
#include "metrics/metrics.h"
#include "server/partitions.h"

namespace groupwire::coordinator {

// What the storage layer reports: observe each write's duration (seconds) and how many records
// it carried. Lock-free, callable from any thread.
struct StorageMetrics {
  metrics::Histogram& write_seconds;  // groupwire_storage_write_seconds
  metrics::Histogram& batch_size;     // groupwire_storage_batch_size
  metrics::Counter& fenced_batches;   // groupwire_storage_fenced_batches_total
  metrics::Counter& write_failures;   // groupwire_storage_write_failures_total
};

// Registers the storage histograms; the storage layer keeps the result (it is created before
// the partitions, so before CoordinatorMetrics).
StorageMetrics register_storage_metrics(metrics::Registry& registry);

class CoordinatorMetrics final : public GroupEventSink {
 public:
  // Registers every metric; the gauges are refreshed from `partitions` before each scrape,
  // waiting at most `scrape_timeout` for the partitions to answer.
  CoordinatorMetrics(metrics::Registry& registry, Partitions& partitions,
                     std::chrono::milliseconds scrape_timeout = std::chrono::milliseconds(1000));

  void on_event(const GroupEvent& event) override;

 private:
  void refresh_gauges();

  Partitions& partitions_;
  std::chrono::milliseconds scrape_timeout_;
  metrics::Family<metrics::Gauge>& groups_;
  metrics::Family<metrics::Gauge>& consumer_groups_;
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
};

}  // namespace groupwire::coordinator
