// The credentials of a gRPC channel to a coordinator: plaintext, or TLS with an optional client
// certificate, and optionally a bearer token on every call.
#pragma once

#include <memory>
#include <optional>

#include <grpcpp/security/credentials.h>

#include "secrets/client_tls.h"
#include "secrets/token_source.h"

namespace groupwire {

// Plaintext without `tls`. With `token`, each call carries "authorization: Bearer <token>" (its
// current value); gRPC sends such call credentials only over TLS, so `token` needs `tls`.
std::shared_ptr<grpc::ChannelCredentials> channel_credentials(
    const std::optional<ClientTls>& tls, std::shared_ptr<const TokenSource> token = nullptr);

}  // namespace groupwire
