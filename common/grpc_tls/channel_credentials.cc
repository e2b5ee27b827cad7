#include "grpc_tls/channel_credentials.h"

#include <utility>

namespace groupwire {

namespace {

class BearerToken final : public grpc::MetadataCredentialsPlugin {
 public:
  explicit BearerToken(std::shared_ptr<const TokenSource> token) : token_(std::move(token)) {}

  bool IsBlocking() const override { return false; }

  grpc::Status GetMetadata(grpc::string_ref, grpc::string_ref, const grpc::AuthContext&,
                           std::multimap<std::string, std::string>* metadata) override {
    metadata->emplace("authorization", "Bearer " + token_->current());
    return grpc::Status::OK;
  }

 private:
  std::shared_ptr<const TokenSource> token_;
};

}  // namespace

std::shared_ptr<grpc::ChannelCredentials> channel_credentials(
    const std::optional<ClientTls>& tls, std::shared_ptr<const TokenSource> token) {
  if (!tls) return grpc::InsecureChannelCredentials();
  grpc::SslCredentialsOptions options;
  options.pem_root_certs = tls->ca_pem;
  options.pem_cert_chain = tls->cert_pem;
  options.pem_private_key = tls->key_pem;
  auto ssl = grpc::SslCredentials(options);
  if (!token) return ssl;
  return grpc::CompositeChannelCredentials(
      ssl, grpc::MetadataCredentialsFromPlugin(std::make_unique<BearerToken>(std::move(token))));
}

}  // namespace groupwire
