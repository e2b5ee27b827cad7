// groupwire-gateway: speaks the Kafka protocol to clients.
#include <csignal>
#include <cstdio>
#include <thread>
#include <vector>

#include <spdlog/spdlog.h>
#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>

#include "coordinator_client/coordinator_client.h"
#include "handlers/api_versions.h"
#include "handlers/broker_identity.h"
#include "handlers/fetch.h"
#include "handlers/find_coordinator.h"
#include "handlers/group_handlers.h"
#include "handlers/list_offsets.h"
#include "handlers/metadata.h"
#include "logging.h"
#include "server/config.h"
#include "server/listener.h"

using namespace groupwire;
using namespace groupwire::gateway;

int main(int argc, char** argv) {
  ParsedArgs args = parse_gateway_args(argc, argv);
  if (!args.config) {
    std::fputs(args.message.c_str(), args.exit_code == 0 ? stdout : stderr);
    return args.exit_code;
  }
  const GatewayConfig& config = *args.config;
  init_logging("groupwire-gateway", config.log_level);

  boost::asio::io_context io(static_cast<int>(config.threads));
  Dispatcher dispatcher;
  ConnectionLimits limits{config.max_frame_bytes, config.idle_timeout, config.frame_timeout};

  std::optional<Listener> listener;
  try {
    listener.emplace(io, config.listen, dispatcher, limits, config.max_connections);
  } catch (const std::exception& e) {
    spdlog::critical("cannot listen on {}: {}", config.listen.to_string(), e.what());
    return 1;
  }
  BrokerIdentity identity;
  identity.advertised = config.advertise.value_or(listener->bound());
  identity.node_id = config.node_id.value_or(derive_node_id(identity.advertised));

  // Destroyed before the io_context: its destructor completes the calls still in flight.
  CoordinatorClient coordinator({config.coordinator, config.coordinator_timeout});
  TopicCatalog catalog(config.topics);
  add_metadata_handler(dispatcher, identity, catalog);
  add_find_coordinator_handler(dispatcher, identity);
  add_group_handlers(dispatcher, coordinator, catalog);
  // No upstream cluster (the only mode so far): the catalog's topics exist and are empty, so
  // consumers in a group can list offsets and fetch without being disconnected. Parked Fetches
  // time out on the io_context that runs the connections.
  add_list_offsets_handler(dispatcher, catalog);
  add_fetch_handler(dispatcher, catalog, io.get_executor());
  add_api_versions_handler(dispatcher);

  listener->start();
  spdlog::info("listening on {} (advertised as {}, node id {}), coordinator {}",
               listener->bound().to_string(), identity.advertised.to_string(), identity.node_id,
               config.coordinator.to_string());

  boost::asio::signal_set signals(io, SIGINT, SIGTERM);
  signals.async_wait([&](const boost::system::error_code&, int sig) {
    spdlog::info("signal {}: stopping", sig);
    io.stop();
  });

  std::vector<std::thread> threads;
  for (std::size_t i = 1; i < config.threads; ++i) threads.emplace_back([&io] { io.run(); });
  io.run();
  for (auto& t : threads) t.join();
  return 0;
}
