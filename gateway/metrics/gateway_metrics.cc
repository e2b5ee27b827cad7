#include "metrics/gateway_metrics.h"

#include <string>

#include "kafka/codec/api_key.h"
#include "kafka/error_code.h"

namespace groupwire::gateway {

namespace {

std::string api_name(std::int16_t key) {
  using kafka::ApiKey;
  switch (static_cast<ApiKey>(key)) {
    case ApiKey::Produce:
      return "Produce";
    case ApiKey::Fetch:
      return "Fetch";
    case ApiKey::ListOffsets:
      return "ListOffsets";
    case ApiKey::Metadata:
      return "Metadata";
    case ApiKey::OffsetCommit:
      return "OffsetCommit";
    case ApiKey::OffsetFetch:
      return "OffsetFetch";
    case ApiKey::FindCoordinator:
      return "FindCoordinator";
    case ApiKey::JoinGroup:
      return "JoinGroup";
    case ApiKey::Heartbeat:
      return "Heartbeat";
    case ApiKey::LeaveGroup:
      return "LeaveGroup";
    case ApiKey::SyncGroup:
      return "SyncGroup";
    case ApiKey::DescribeGroups:
      return "DescribeGroups";
    case ApiKey::ListGroups:
      return "ListGroups";
    case ApiKey::ApiVersions:
      return "ApiVersions";
    case ApiKey::SaslHandshake:
      return "SaslHandshake";
    case ApiKey::SaslAuthenticate:
      return "SaslAuthenticate";
    case ApiKey::DeleteGroups:
      return "DeleteGroups";
    case ApiKey::OffsetDelete:
      return "OffsetDelete";
    case ApiKey::ConsumerGroupHeartbeat:
      return "ConsumerGroupHeartbeat";
    case ApiKey::ConsumerGroupDescribe:
      return "ConsumerGroupDescribe";
  }
  return std::to_string(key);  // relayed to the upstream, not known here by name
}

std::string error_label(std::optional<std::int16_t> error) {
  if (!error) return "unread";
  return std::string(kafka::error_name(static_cast<kafka::ErrorCode>(*error)));
}

}  // namespace

GatewayMetrics::GatewayMetrics(metrics::Registry& registry)
    : registry_(registry),
      requests_(registry.counter("groupwire_gateway_requests_total",
                                 "Kafka requests answered, by API, version and the response's "
                                 "top-level error code (unread: relayed, or none at top level).",
                                 {"api", "version", "error"})),
      latency_(registry.histogram("groupwire_gateway_request_duration_seconds",
                                  "From a request's decoding to its response, by API.", {"api"},
                                  metrics::latency_buckets())),
      coordinator_errors_(registry.counter(
          "groupwire_gateway_coordinator_call_errors_total",
          "Failed gRPC calls to the coordinator, by RPC and gRPC status code.", {"rpc", "code"})),
      reroutes_(registry
                    .counter("groupwire_gateway_coordinator_reroutes_total",
                             "Calls refused by a coordinator that does not serve their group's "
                             "partition (now), and sent again to its owner.")
                    .with({})),
      open_(registry.gauge("groupwire_gateway_connections_open", "Client connections open.")
                .with({})),
      accepted_(registry
                    .counter("groupwire_gateway_connections_accepted_total",
                             "Client connections accepted.")
                    .with({})),
      refused_(registry
                   .counter("groupwire_gateway_connections_refused_total",
                            "Client connections refused beyond --max-connections.")
                   .with({})) {}

void GatewayMetrics::on_response(std::int16_t api_key, kafka::ApiVersion version,
                                 std::optional<std::int16_t> error,
                                 std::chrono::steady_clock::duration elapsed) {
  std::string api = api_name(api_key);
  requests_.with({api, std::to_string(version), error_label(error)}).inc();
  latency_.with({api}).observe(std::chrono::duration<double>(elapsed).count());
}

void GatewayMetrics::on_coordinator_failure(const char* rpc, grpc::StatusCode code) {
  coordinator_errors_.with({rpc, std::to_string(static_cast<int>(code))}).inc();
}

void GatewayMetrics::count_connections(std::vector<const Listener*> listeners) {
  // The listeners count; the counters catch up by the difference at each scrape.
  registry_.on_scrape([this, listeners = std::move(listeners), seen = Listener::Stats{}]() mutable {
    Listener::Stats total;
    for (const auto* l : listeners) {
      auto s = l->stats();
      total.open += s.open;
      total.accepted += s.accepted;
      total.refused += s.refused;
    }
    open_.set(static_cast<double>(total.open));
    accepted_.inc(static_cast<double>(total.accepted - seen.accepted));
    refused_.inc(static_cast<double>(total.refused - seen.refused));
    seen = total;
  });
}

}  // namespace groupwire::gateway
