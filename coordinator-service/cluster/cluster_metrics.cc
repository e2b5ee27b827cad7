#include "cluster/cluster_metrics.h"

namespace groupwire::coordinator {

ClusterMetrics register_cluster_metrics(metrics::Registry& registry) {
  auto& renewals =
      registry.counter("groupwire_cluster_lease_renewals_total",
                       "Renewals of this coordinator's leases, by result: ok, failed.", {"result"});
  return {
      registry
          .gauge("groupwire_cluster_partitions_owned",
                 "Group partitions this coordinator holds the lease of and serves.")
          .with({}),
      renewals.with({"ok"}),
      renewals.with({"failed"}),
      registry
          .histogram("groupwire_cluster_lease_renewal_seconds",
                     "Duration of one renewal of this coordinator's leases.", {},
                     metrics::latency_buckets())
          .with({}),
      registry
          .counter("groupwire_cluster_takeovers_total",
                   "Group partitions taken: lease acquired and partition loaded.")
          .with({}),
      registry
          .counter("groupwire_cluster_handoffs_total",
                   "Group partitions handed off: unloaded, writes drained, lease released.")
          .with({}),
      registry
          .counter("groupwire_cluster_leases_lost_total",
                   "Group partitions this coordinator stopped serving because its lease was "
                   "taken by another or not renewed in time.")
          .with({}),
  };
}

}  // namespace groupwire::coordinator
