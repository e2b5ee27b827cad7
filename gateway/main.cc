// groupwire-gateway: speaks the Kafka protocol to clients. Group APIs go to the coordinator
// service; records are served by an upstream cluster (--upstream) or, without one, a topic
// catalog is served as empty topics.
#include <cstdio>
#include <memory>
#include <thread>
#include <vector>

#include <spdlog/spdlog.h>
#include <boost/asio/io_context.hpp>

#include "coordinator_client/coordinator_client.h"
#include "grpc_tls/channel_credentials.h"
#include "handlers/api_versions.h"
#include "handlers/broker_identity.h"
#include "handlers/fetch.h"
#include "handlers/find_coordinator.h"
#include "handlers/group_handlers.h"
#include "handlers/list_offsets.h"
#include "handlers/metadata.h"
#include "handlers/sasl.h"
#include "http/http_server.h"
#include "logging.h"
#include "metrics/gateway_metrics.h"
#include "security/gateway_security.h"
#include "server/config.h"
#include "server/graceful_shutdown.h"
#include "server/health.h"
#include "server/listener.h"
#include "upstream/relay.h"
#include "upstream/upstream_cluster.h"

using namespace groupwire;
using namespace groupwire::gateway;

namespace {

std::unique_ptr<Listener> make_listener(IoThreads& io, const HostPort& address,
                                        const Dispatcher& dispatcher, const GatewayConfig& config,
                                        const GatewaySecurity& security) {
  ConnectionLimits limits{config.max_frame_bytes, config.idle_timeout, config.frame_timeout,
                          config.upstream_timeout};
  try {
    return std::make_unique<Listener>(io, address, dispatcher, limits, config.max_connections,
                                      security.listener());
  } catch (const std::exception& e) {
    spdlog::critical("cannot listen on {}: {}", address.to_string(), e.what());
    return nullptr;
  }
}

// What the listeners require of clients, for the start-up line.
std::string describe(const GatewayConfig& config) {
  std::string out;
  if (config.tls) out += config.tls->client_ca ? ", TLS with client certificates" : ", TLS";
  if (!config.sasl_mechanisms.empty()) {
    out += ", SASL";
    for (const auto& m : config.sasl_mechanisms) out += " " + m;
  }
  if (config.acl_file) out += ", ACLs from " + *config.acl_file;
  return out;
}

// Waits for the upstream at start-up: in a fresh deployment it may come up after us.
std::optional<UpstreamInfo> wait_for_upstream(const GatewayConfig& config,
                                              const UpstreamSecurity& security) {
  auto give_up = std::chrono::steady_clock::now() + config.upstream_timeout;
  std::string error;
  for (;;) {
    bool refused = false;
    if (auto info = discover_upstream(config.upstream, security, std::chrono::milliseconds(2000),
                                      error, &refused)) {
      return info;
    }
    if (refused) {
      // Waiting mends an upstream that is not up yet, not a login it refuses.
      spdlog::critical("the upstream cluster refused the gateway's login: {}", error);
      return std::nullopt;
    }
    if (std::chrono::steady_clock::now() > give_up) break;
    spdlog::info("waiting for the upstream cluster: {}", error);
    std::this_thread::sleep_for(std::chrono::milliseconds(500));
  }
  spdlog::critical("upstream cluster unreachable within --upstream-timeout-ms: {}", error);
  return std::nullopt;
}

}  // namespace

int main(int argc, char** argv) {
  ParsedArgs args = parse_gateway_args(argc, argv);
  if (!args.config) {
    std::fputs(args.message.c_str(), args.exit_code == 0 ? stdout : stderr);
    return args.exit_code;
  }
  const GatewayConfig& config = *args.config;
  init_logging("groupwire-gateway", config.log_level, config.log_format);

  IoThreads threads(config.threads);
  boost::asio::io_context& io = threads.main();
  metrics::Registry registry;
  auto gateway_metrics = std::make_shared<GatewayMetrics>(registry);
  std::string security_error;
  auto security = GatewaySecurity::load(config, io.get_executor(), security_error);
  if (!security) {
    spdlog::critical("{}", security_error);
    return 1;
  }
  Dispatcher dispatcher;
  dispatcher.set_observer(gateway_metrics);
  dispatcher.set_acls(security->acls());
  auto catalog = std::make_shared<TopicCatalog>(config.topics);
  std::vector<std::unique_ptr<Listener>> listeners;
  auto bootstrap = make_listener(threads, config.listen, dispatcher, config, *security);
  if (!bootstrap) return 1;
  std::string advertised_host = config.advertise ? config.advertise->host : bootstrap->bound().host;

  BrokerIdentity identity;
  GroupPlacement placement;
  std::optional<UpstreamInfo> upstream;
  if (config.upstream.empty()) {
    identity.advertised = config.advertise.value_or(bootstrap->bound());
    identity.node_id = config.node_id.value_or(derive_node_id(identity.advertised));
  } else {
    upstream = wait_for_upstream(config, security->upstream());
    if (!upstream) return 1;
    catalog->update(upstream->topics, true);
    // One listener per upstream broker, under the broker's own node id; the bootstrap listener
    // stands for the first of them.
    auto directory = std::make_shared<BrokerDirectory>();
    std::vector<BrokerIdentity> brokers;
    for (const auto& [node_id, address] : upstream->brokers) {
      int port = config.broker_port_base == 0 ? 0 : config.broker_port_base + node_id;
      if (port > 65535) {
        spdlog::critical("broker {}: --broker-port-base {} + node id exceeds 65535", node_id,
                         config.broker_port_base);
        return 1;
      }
      auto l = make_listener(threads, {config.listen.host, static_cast<std::uint16_t>(port)},
                             dispatcher, config, *security);
      if (!l) return 1;
      BrokerIdentity broker{node_id, {advertised_host, l->bound().port}, "groupwire", address};
      l->set_identity(broker);
      (*directory)[node_id] = broker.advertised;
      brokers.push_back(broker);
      spdlog::info("upstream broker {} ({}) is reached through {}", node_id, address.to_string(),
                   broker.advertised.to_string());
      if (listeners.empty()) identity = broker;
      listeners.push_back(std::move(l));
    }
    if (listeners.empty()) {
      spdlog::critical("the upstream cluster lists no brokers");
      return 1;
    }
    add_upstream_metadata_handler(dispatcher, upstream->metadata_version, directory, catalog);
    placement = GroupPlacement(brokers);
  }
  bootstrap->set_identity(identity);

  // Destroyed before the io_context: its destructor completes the calls still in flight.
  CoordinatorClient coordinator(
      {.coordinators = config.coordinator,
       .call_timeout = config.coordinator_timeout,
       .channels = config.coordinator_channels,
       .credentials = channel_credentials(config.coordinator_tls),
       .on_failure =
           [gateway_metrics](const char* rpc, grpc::StatusCode code) {
             gateway_metrics->on_coordinator_failure(rpc, code);
           },
       .on_reroute = [gateway_metrics] { gateway_metrics->on_coordinator_reroute(); }});
  if (!upstream) add_metadata_handler(dispatcher, identity, catalog);
  add_find_coordinator_handler(dispatcher, identity, placement);
  add_group_handlers(dispatcher, coordinator, catalog, placement);
  add_api_versions_handler(dispatcher);
  add_sasl_handlers(dispatcher);
  std::unique_ptr<UpstreamRefresher> refresher;
  if (upstream) {
    add_upstream_relay(dispatcher, *upstream, catalog, config.acl_file.has_value());
    refresher = std::make_unique<UpstreamRefresher>(config.upstream, security->upstream(),
                                                    config.upstream_refresh,
                                                    std::chrono::milliseconds(5000), catalog);
  } else {
    // The catalog's topics exist and are empty, so consumers in a group can list offsets and
    // fetch without being disconnected. Parked Fetches time out on their connections' threads.
    add_list_offsets_handler(dispatcher, catalog);
    add_fetch_handler(dispatcher, catalog, io.get_executor());
  }

  std::vector<const Listener*> all_listeners{bootstrap.get()};
  for (const auto& l : listeners) all_listeners.push_back(l.get());
  gateway_metrics->count_connections(std::move(all_listeners));
  std::unique_ptr<http::HttpServer> metrics_server;
  if (config.metrics_listen) {
    metrics_server = http::serve_metrics(*config.metrics_listen, registry);
    if (!metrics_server) return 1;
  }

  // Installed before the port is announced, so a SIGTERM right after "listening on" drains.
  std::vector<Listener*> drained_listeners{bootstrap.get()};
  for (auto& l : listeners) drained_listeners.push_back(l.get());
  GracefulShutdown shutdown(io, drained_listeners, config.shutdown_timeout);

  std::unique_ptr<http::HttpServer> health;
  if (config.health_listen) {
    try {
      health = std::make_unique<http::HttpServer>(
          *config.health_listen, health_routes(io, shutdown.draining(), coordinator));
    } catch (const std::exception& e) {
      spdlog::critical("--health-listen: {}", e.what());
      return 1;
    }
    spdlog::info("health endpoint on http://{}/healthz and /readyz", health->bound().to_string());
  }

  bootstrap->start();
  for (auto& l : listeners) l->start();
  spdlog::info("listening on {} (advertised as {}, node id {}), coordinator {}{}{}",
               bootstrap->bound().to_string(), identity.advertised.to_string(), identity.node_id,
               to_string(config.coordinator), upstream ? ", upstream mode" : "", describe(config));

  threads.run();
  spdlog::info("stopped");
  return 0;
}
