#include "server/grpc_server.h"

#include <utility>

#include <grpcpp/ext/proto_server_reflection_plugin.h>

namespace groupwire::coordinator {

std::unique_ptr<grpc::Server> start_grpc_server(
    const HostPort& listen, const std::vector<grpc::Service*>& services, int& bound_port,
    std::shared_ptr<grpc::ServerCredentials> credentials) {
  grpc::EnableDefaultHealthCheckService(true);
  grpc::reflection::InitProtoReflectionServerBuilderPlugin();
  grpc::ServerBuilder builder;
  bound_port = 0;
  builder.AddListeningPort(listen.to_string(), std::move(credentials), &bound_port);
  // gRPC sets SO_REUSEPORT by default, which would let a second coordinator bind a port that is
  // already taken instead of failing.
  builder.AddChannelArgument(GRPC_ARG_ALLOW_REUSEPORT, 0);
  // Gateways keep one Calls stream open per channel and ping it every 30 s to notice a vanished
  // coordinator, also while it carries no calls: gRPC's default (one ping per 5 min without
  // data) would answer that with GOAWAY.
  builder.AddChannelArgument(GRPC_ARG_HTTP2_MIN_RECV_PING_INTERVAL_WITHOUT_DATA_MS, 10000);
  // Requests mirror Kafka requests, which may be up to socket.request.max.bytes (100 MiB).
  builder.SetMaxReceiveMessageSize(100 * 1024 * 1024);
  for (auto* s : services) builder.RegisterService(s);
  auto server = builder.BuildAndStart();
  if (bound_port == 0) return nullptr;
  return server;
}

}  // namespace groupwire::coordinator
