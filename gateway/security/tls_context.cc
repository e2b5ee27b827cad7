#include "security/tls_context.h"

#include <openssl/ssl.h>

namespace groupwire::gateway {

namespace ssl = boost::asio::ssl;

namespace {

bool failed(const boost::system::error_code& ec, const char* what, std::string& error) {
  if (!ec) return false;
  error = std::string(what) + ": " + ec.message();
  return true;
}

std::shared_ptr<ssl::context> tls12_or_later(ssl::context::method method) {
  auto context = std::make_shared<ssl::context>(method);
  context->set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 |
                       ssl::context::no_sslv3 | ssl::context::no_tlsv1 | ssl::context::no_tlsv1_1);
  return context;
}

}  // namespace

std::shared_ptr<ssl::context> make_server_tls_context(const ServerTlsPem& pem, std::string& error) {
  auto context = tls12_or_later(ssl::context::tls_server);
  boost::system::error_code ec;
  context->use_certificate_chain(boost::asio::buffer(pem.certificate_chain), ec);
  if (failed(ec, "certificate", error)) return nullptr;
  context->use_private_key(boost::asio::buffer(pem.private_key), ssl::context::pem, ec);
  if (failed(ec, "private key", error)) return nullptr;
  if (SSL_CTX_check_private_key(context->native_handle()) != 1) {
    error = "the private key does not match the certificate";
    return nullptr;
  }
  if (pem.client_ca) {
    context->add_certificate_authority(boost::asio::buffer(*pem.client_ca), ec);
    if (failed(ec, "client CA", error)) return nullptr;
    context->set_verify_mode(ssl::verify_peer | ssl::verify_fail_if_no_peer_cert, ec);
    if (failed(ec, "client CA", error)) return nullptr;
  }
  return context;
}

std::shared_ptr<ssl::context> make_client_tls_context(const std::optional<std::string>& ca_pem,
                                                      std::string& error) {
  auto context = tls12_or_later(ssl::context::tls_client);
  boost::system::error_code ec;
  if (ca_pem) {
    context->add_certificate_authority(boost::asio::buffer(*ca_pem), ec);
  } else {
    context->set_default_verify_paths(ec);
  }
  if (failed(ec, "upstream CA", error)) return nullptr;
  context->set_verify_mode(ssl::verify_peer, ec);
  if (failed(ec, "upstream CA", error)) return nullptr;
  return context;
}

}  // namespace groupwire::gateway
