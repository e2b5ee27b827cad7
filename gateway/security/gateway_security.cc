#include "security/gateway_security.h"

#include <spdlog/spdlog.h>
#include <boost/asio/signal_set.hpp>

#include "secrets/pem_file.h"
#include "security/file_watcher.h"
#include "security/sasl_credentials.h"
#include "security/tls_context.h"
#include "security/watched_file.h"

namespace groupwire::gateway {

namespace {

// The listeners' TLS context, built from the certificate, key and client CA read together.
struct ServerTls {
  std::shared_ptr<boost::asio::ssl::context> context;
};

template <class T>
void watch(security::FileWatcher& watcher, const std::shared_ptr<security::WatchedFile<T>>& file) {
  watcher.add([file] {
    if (file->reload_if_changed()) spdlog::info("reloaded {}", file->path());
  });
}

}  // namespace

struct GatewaySecurity::Watched {
  Watched(boost::asio::any_io_executor executor, std::chrono::milliseconds period)
      : watcher(executor, period), hangup(executor, SIGHUP) {}

  security::FileWatcher watcher;
  boost::asio::signal_set hangup;

  void reload_on_hangup() {
    hangup.async_wait([this](const boost::system::error_code& ec, int) {
      if (ec) return;
      spdlog::info("SIGHUP: checking certificate, credential and ACL files");
      watcher.reload_all();
      reload_on_hangup();
    });
  }
};

GatewaySecurity::~GatewaySecurity() = default;

std::unique_ptr<GatewaySecurity> GatewaySecurity::load(const GatewayConfig& config,
                                                       boost::asio::any_io_executor executor,
                                                       std::string& error) {
  std::unique_ptr<GatewaySecurity> s(new GatewaySecurity());
  s->watched_ = std::make_unique<Watched>(executor, config.reload_interval);
  auto& watcher = s->watched_->watcher;

  if (config.tls) {
    std::vector<std::string> paths{config.tls->certificate, config.tls->key};
    if (config.tls->client_ca) paths.push_back(*config.tls->client_ca);
    auto tls = security::WatchedFile<ServerTls>::open_all(
        paths,
        [](const std::vector<std::string>& texts,
           std::string& parse_error) -> std::optional<ServerTls> {
          ServerTlsPem pem{texts[0], texts[1], std::nullopt};
          if (texts.size() > 2) pem.client_ca = texts[2];
          auto context = make_server_tls_context(pem, parse_error);
          if (!context) return std::nullopt;
          return ServerTls{std::move(context)};
        },
        error);
    if (!tls) {
      error = "--tls-cert/--tls-key/--tls-client-ca: " + error;
      return nullptr;
    }
    watch(watcher, tls);
    s->listener_.tls = [tls] { return tls->current()->context; };
  }

  if (!config.sasl_mechanisms.empty()) {
    auto users = security::WatchedFile<security::SaslCredentials>::open(
        *config.sasl_users, &security::SaslCredentials::parse, error);
    if (!users) {
      error = "--sasl-users: " + error;
      return nullptr;
    }
    watch(watcher, users);
    auto sasl = std::make_shared<SaslSettings>();
    sasl->mechanisms = config.sasl_mechanisms;
    sasl->credentials = [users] { return users->current(); };
    sasl->session_lifetime = config.sasl_session_lifetime;
    s->listener_.sasl = std::move(sasl);
  }

  if (config.acl_file) {
    auto acls = security::WatchedFile<security::AclSet>::open(
        *config.acl_file,
        [](const std::string& text, std::string& parse_error) {
          return security::AclSet::parse(text, parse_error);
        },
        error);
    if (!acls) {
      error = "--acl-file: " + error;
      return nullptr;
    }
    watch(watcher, acls);
    s->acls_ = [acls] { return acls->current(); };
  }

  auto upstream = std::make_shared<UpstreamSecurity>();
  if (config.upstream_tls) {
    std::optional<std::string> ca;
    if (config.upstream_tls_ca) {
      ca = read_pem_file(*config.upstream_tls_ca, error);
      if (!ca) {
        error = "--upstream-tls-ca: " + error;
        return nullptr;
      }
    }
    upstream->tls = make_client_tls_context(ca, error);
    if (!upstream->tls) {
      error = "--upstream-tls-ca: " + error;
      return nullptr;
    }
  }
  if (config.upstream_sasl) {
    upstream->sasl =
        UpstreamCredentials{config.upstream_sasl->mechanism, config.upstream_sasl->user,
                            config.upstream_sasl->password};
  }
  s->listener_.upstream = std::move(upstream);

  watcher.start();
  s->watched_->reload_on_hangup();
  return s;
}

}  // namespace groupwire::gateway
