// What a cluster member reports about its leases, as Prometheus metrics.
#pragma once

#include "metrics/metrics.h"

namespace groupwire::coordinator {

struct ClusterMetrics {
  metrics::Gauge& partitions_owned;     // groupwire_cluster_partitions_owned
  metrics::Counter& renewals_ok;        // groupwire_cluster_lease_renewals_total{result}
  metrics::Counter& renewals_failed;    //
  metrics::Histogram& renewal_seconds;  // groupwire_cluster_lease_renewal_seconds
  metrics::Counter& takeovers;          // groupwire_cluster_takeovers_total
  metrics::Counter& handoffs;           // groupwire_cluster_handoffs_total
  metrics::Counter& leases_lost;        // groupwire_cluster_leases_lost_total
};

ClusterMetrics register_cluster_metrics(metrics::Registry& registry);

}  // namespace groupwire::coordinator
