// groupwire-coordinator: the gRPC service that makes every consumer-group decision.
#include <chrono>
#include <csignal>
#include <cstdio>
#include <memory>

#include <grpcpp/grpcpp.h>
#include <spdlog/spdlog.h>
#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>

#include "admin/admin_service.h"
#include "admin/event_hub.h"
#include "http/http_server.h"
#include "logging.h"
#include "metrics/coordinator_metrics.h"
#include "server/config.h"
#include "server/coordinator_service.h"
#include "server/grpc_server.h"
#include "server/partitions.h"

using namespace groupwire;
using namespace groupwire::coordinator;

int main(int argc, char** argv) {
  ParsedArgs args = parse_coordinator_args(argc, argv);
  if (!args.config) {
    std::fputs(args.message.c_str(), args.exit_code == 0 ? stdout : stderr);
    return args.exit_code;
  }
  const CoordinatorConfig& config = *args.config;
  init_logging("groupwire-coordinator", config.log_level, config.log_format);

  // Before the partitions: they report to these until they stop.
  metrics::Registry registry;
  // The storage layer's hook: it observes its writes here.
  [[maybe_unused]] StorageMetrics storage_metrics = register_storage_metrics(registry);
  coordinator::admin::EventHub watchers;
  Partitions partitions(config.group, config.group_partitions, config.threads);
  CoordinatorMetrics coordinator_metrics(registry, partitions);
  GroupEventSinks event_sinks({&coordinator_metrics, &watchers});
  partitions.set_event_sink(&event_sinks);
  CoordinatorService service(partitions);
  coordinator::admin::AdminService admin_service(partitions, watchers);

  // Installed before the port is announced, so a SIGTERM right after "listening on" stops cleanly.
  boost::asio::io_context signals_io;
  boost::asio::signal_set signals(signals_io, SIGINT, SIGTERM);
  signals.async_wait([](const boost::system::error_code& ec, int sig) {
    if (!ec) spdlog::info("signal {}: stopping", sig);
  });

  int bound_port = 0;
  std::unique_ptr<grpc::Server> server =
      start_grpc_server(config.listen, {&service, &admin_service}, bound_port);
  if (!server) {
    spdlog::critical("cannot listen on {}: the address is taken or cannot be bound",
                     config.listen.to_string());
    return 1;
  }
  HostPort bound{config.listen.host, static_cast<std::uint16_t>(bound_port)};
  std::unique_ptr<http::HttpServer> metrics_server;
  if (config.metrics_listen) {
    metrics_server = http::serve_metrics(*config.metrics_listen, registry);
    if (!metrics_server) return 1;
  }
  spdlog::info("listening on {}", bound.to_string());

  signals_io.run();

  // Calls still parked after the deadline are cancelled, which finishes them on their partition
  // threads; so the partitions stop only after the server.
  watchers.close_all();
  server->Shutdown(std::chrono::system_clock::now() + std::chrono::seconds(2));
  partitions.stop();
  spdlog::info("stopped");
  return 0;
}
