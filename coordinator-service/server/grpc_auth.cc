#include "server/grpc_auth.h"

#include <string>
#include <utility>

#include "grpc_tls/channel_credentials.h"

namespace groupwire::coordinator {

namespace {

constexpr std::string_view kCoordinatorService = "/groupwire.coordinator.v1.Coordinator/";
constexpr std::string_view kAdminService = "/groupwire.admin.v1.Admin/";
constexpr std::string_view kBearer = "Bearer ";

grpc::Status unauthenticated(std::string message) {
  return {grpc::StatusCode::UNAUTHENTICATED, std::move(message)};
}

grpc::Status authorize_admin(const CallPolicy& policy, bool verified_certificate,
                             std::optional<std::string_view> authorization) {
  if (!policy.client_ca && !policy.admin_token) return grpc::Status::OK;
  if (verified_certificate) return grpc::Status::OK;
  if (!policy.admin_token) {
    return unauthenticated(
        "the Admin service needs a client certificate signed by the coordinator's client CA");
  }
  const std::string_view alternative =
      policy.client_ca ? " or a client certificate signed by the coordinator's client CA" : "";
  if (!authorization) {
    return unauthenticated(std::string("the Admin service needs the admin token (metadata "
                                       "'authorization: Bearer TOKEN')") +
                           std::string(alternative));
  }
  if (!authorization->starts_with(kBearer) ||
      !policy.admin_token->matches(authorization->substr(kBearer.size()))) {
    return unauthenticated("the bearer token is not the coordinator's admin token");
  }
  return grpc::Status::OK;
}

// A client certificate reaches the auth context only once it is verified: the port asks for
// certificates with GRPC_SSL_REQUEST_CLIENT_CERTIFICATE_AND_VERIFY, so one that does not chain
// to the client CA fails the handshake.
bool has_verified_certificate(const grpc::AuthContext& context) {
  return context.IsPeerAuthenticated() || !context.FindPropertyValues("x509_pem_cert").empty();
}

class CallAuthenticator final : public grpc::AuthMetadataProcessor {
 public:
  explicit CallAuthenticator(CallPolicy policy) : policy_(std::move(policy)) {}

  // Only compares in memory (the token file is re-read on its own thread).
  bool IsBlocking() const override { return false; }

  grpc::Status Process(const InputMetadata& metadata, grpc::AuthContext* context, OutputMetadata*,
                       OutputMetadata*) override {
    auto path = metadata.find(":path");
    if (path == metadata.end()) return unauthenticated("the call names no method");
    std::optional<std::string_view> authorization;
    if (auto a = metadata.find("authorization"); a != metadata.end()) {
      authorization = std::string_view(a->second.data(), a->second.size());
    }
    return authorize(policy_, std::string_view(path->second.data(), path->second.size()),
                     policy_.client_ca && has_verified_certificate(*context), authorization);
  }

 private:
  CallPolicy policy_;
};

}  // namespace

grpc::Status authorize(const CallPolicy& policy, std::string_view method, bool verified_certificate,
                       std::optional<std::string_view> authorization) {
  if (method.starts_with(kCoordinatorService)) {
    if (!policy.client_ca || verified_certificate) return grpc::Status::OK;
    return unauthenticated(
        "the Coordinator service needs a client certificate signed by the coordinator's client "
        "CA (the gateway's --coordinator-tls-cert and --coordinator-tls-key)");
  }
  if (method.starts_with(kAdminService)) {
    return authorize_admin(policy, verified_certificate, authorization);
  }
  return grpc::Status::OK;  // health checking and reflection
}

std::shared_ptr<grpc::ServerCredentials> server_credentials(const std::optional<GrpcTls>& tls,
                                                            CallPolicy policy) {
  if (!tls) return grpc::InsecureServerCredentials();
  grpc::SslServerCredentialsOptions options(tls->client_ca_pem
                                                ? GRPC_SSL_REQUEST_CLIENT_CERTIFICATE_AND_VERIFY
                                                : GRPC_SSL_DONT_REQUEST_CLIENT_CERTIFICATE);
  options.pem_root_certs = tls->client_ca_pem.value_or("");
  options.pem_key_cert_pairs.push_back({tls->key_pem, tls->cert_pem});
  auto credentials = grpc::SslServerCredentials(options);
  credentials->SetAuthMetadataProcessor(std::make_shared<CallAuthenticator>(std::move(policy)));
  return credentials;
}

std::shared_ptr<grpc::ChannelCredentials> peer_credentials(
    const std::optional<GrpcTls>& tls, std::shared_ptr<const TokenSource> admin_token) {
  if (!tls) return grpc::InsecureChannelCredentials();
  return channel_credentials(
      ClientTls{tls->client_ca_pem.value_or(""), tls->cert_pem, tls->key_pem},
      std::move(admin_token));
}

std::string describe(const std::optional<GrpcTls>& tls, const CallPolicy& policy) {
  if (!tls) return "gRPC in plaintext; every caller may use every service";
  std::string line = "gRPC over TLS; ";
  line += policy.client_ca
              ? "the Coordinator service needs a client certificate signed by --grpc-client-ca"
              : "the Coordinator service is open to every caller";
  if (policy.client_ca && policy.admin_token) {
    line += ", the Admin service one or the admin token";
  } else if (policy.client_ca) {
    line += ", the Admin service one too";
  } else if (policy.admin_token) {
    line += ", the Admin service needs the admin token";
  } else {
    line += ", the Admin service too";
  }
  return line;
}

}  // namespace groupwire::coordinator
