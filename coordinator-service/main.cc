// groupwire-coordinator: the gRPC service that makes every consumer-group decision.
#include <chrono>
#include <csignal>
#include <cstdio>
#include <memory>

#include <grpcpp/grpcpp.h>
#include <spdlog/spdlog.h>
#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>

#include "logging.h"
#include "server/config.h"
#include "server/coordinator_service.h"
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
  init_logging("groupwire-coordinator", config.log_level);

  Partitions partitions(config.group, config.group_partitions, config.threads);
  CoordinatorService service(partitions);

  // Installed before the port is announced, so a SIGTERM right after "listening on" stops cleanly.
  boost::asio::io_context signals_io;
  boost::asio::signal_set signals(signals_io, SIGINT, SIGTERM);
  signals.async_wait([](const boost::system::error_code& ec, int sig) {
    if (!ec) spdlog::info("signal {}: stopping", sig);
  });

  grpc::ServerBuilder builder;
  int bound_port = 0;
  builder.AddListeningPort(config.listen.to_string(), grpc::InsecureServerCredentials(),
                           &bound_port);
  // gRPC sets SO_REUSEPORT by default, which would let a second coordinator bind a port that is
  // already taken instead of failing.
  builder.AddChannelArgument(GRPC_ARG_ALLOW_REUSEPORT, 0);
  // Requests mirror Kafka requests, which may be up to socket.request.max.bytes (100 MiB).
  builder.SetMaxReceiveMessageSize(100 * 1024 * 1024);
  builder.RegisterService(&service);
  std::unique_ptr<grpc::Server> server = builder.BuildAndStart();
  if (!server || bound_port == 0) {
    spdlog::critical("cannot listen on {}: the address is taken or cannot be bound",
                     config.listen.to_string());
    return 1;
  }
  HostPort bound{config.listen.host, static_cast<std::uint16_t>(bound_port)};
  spdlog::info("listening on {}", bound.to_string());

  signals_io.run();

  // Calls still parked after the deadline are cancelled, which finishes them on their partition
  // threads; so the partitions stop only after the server.
  server->Shutdown(std::chrono::system_clock::now() + std::chrono::seconds(2));
  partitions.stop();
  spdlog::info("stopped");
  return 0;
}
