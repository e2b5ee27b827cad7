// The gateway's Prometheus metrics: requests by API, version and top-level error code, their
// latency, client connections, and failed calls to the coordinator.
#pragma once

#include <functional>
#include <vector>

#include <grpcpp/support/status.h>

#include "metrics/metrics.h"
#include "server/dispatcher.h"
#include "server/listener.h"

namespace groupwire::gateway {

class GatewayMetrics final : public RequestObserver {
 public:
  explicit GatewayMetrics(metrics::Registry& registry);

  void on_response(std::int16_t api_key, kafka::ApiVersion version,
                   std::optional<std::int16_t> error,
                   std::chrono::steady_clock::duration elapsed) override;

  // For CoordinatorClientOptions::on_failure.
  void on_coordinator_failure(const char* rpc, grpc::StatusCode code);
  // For CoordinatorClientOptions::on_reroute.
  void on_coordinator_reroute() { reroutes_.inc(); }

  // Connection counts are read from the listeners at scrape time; they must outlive the
  // registry's scrapes.
  void count_connections(std::vector<const Listener*> listeners);

 private:
  metrics::Registry& registry_;
  metrics::Family<metrics::Counter>& requests_;
  metrics::Family<metrics::Histogram>& latency_;
  metrics::Family<metrics::Counter>& coordinator_errors_;
  metrics::Counter& reroutes_;
  metrics::Gauge& open_;
  metrics::Counter& accepted_;
  metrics::Counter& refused_;
};

}  // namespace groupwire::gateway
