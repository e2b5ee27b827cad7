// Who may call what on the coordinator's gRPC port. With --grpc-client-ca, the Coordinator
// service (gateways) serves only callers with a verified client certificate; the Admin service
// (operators, other coordinators) serves those and callers presenting the admin token
// ("authorization: Bearer TOKEN"). Health checking and reflection stay open to every caller.
// Without a client CA and a token everything is open, as a plaintext port is.
//
// The check runs in gRPC's AuthMetadataProcessor, before any service sees the call, so the
// services' handlers know nothing of it. gRPC runs that processor only on TLS ports, which is
// why a token needs TLS (the configuration insists).
#pragma once

#include <memory>
#include <optional>
#include <string_view>

#include <grpcpp/security/auth_metadata_processor.h>
#include <grpcpp/security/credentials.h>
#include <grpcpp/security/server_credentials.h>

#include "secrets/token_source.h"
#include "server/config.h"

namespace groupwire::coordinator {

struct CallPolicy {
  bool client_ca = false;  // client certificates are verified: a presented one identifies
  std::shared_ptr<const TokenSource> admin_token{};  // null: no token is accepted
};

// OK, or UNAUTHENTICATED saying what the call lacks. `method`: the call's path
// (/package.Service/Method); `verified_certificate`: the caller presented a certificate that
// chains to the client CA; `authorization`: its authorization metadata, if any.
grpc::Status authorize(const CallPolicy& policy, std::string_view method, bool verified_certificate,
                       std::optional<std::string_view> authorization);

// The port's credentials: plaintext without `tls`, else TLS asking for client certificates when
// a client CA is configured and checking each call against `policy`.
std::shared_ptr<grpc::ServerCredentials> server_credentials(const std::optional<GrpcTls>& tls,
                                                            CallPolicy policy);

// How this coordinator calls another (an admin call passed to its group's owner): with its own
// certificate as client certificate, trusting the client CA (one CA signs the cluster's
// certificates), and with the admin token when it has one.
std::shared_ptr<grpc::ChannelCredentials> peer_credentials(
    const std::optional<GrpcTls>& tls, std::shared_ptr<const TokenSource> admin_token);

// One line for the start-up log: what the port asks of whom. Never the token.
std::string describe(const std::optional<GrpcTls>& tls, const CallPolicy& policy);

}  // namespace groupwire::coordinator
