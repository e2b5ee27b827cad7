// The coordinator's gRPC server: its services plus grpc.health.v1.Health (SERVING while it
// runs) and server reflection, so grpcurl-style tools can list and call the services without
// the .proto files.
#pragma once

#include <memory>
#include <vector>

#include <grpcpp/grpcpp.h>

#include "host_port.h"

namespace groupwire::coordinator {

// Null when the address is taken or cannot be bound; otherwise `bound_port` is the port.
// `credentials`: the port's (server_credentials in grpc_auth.h); plaintext by default.
std::unique_ptr<grpc::Server> start_grpc_server(
    const HostPort& listen, const std::vector<grpc::Service*>& services, int& bound_port,
    std::shared_ptr<grpc::ServerCredentials> credentials = grpc::InsecureServerCredentials());

}  // namespace groupwire::coordinator
