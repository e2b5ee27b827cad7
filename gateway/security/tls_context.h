// TLS contexts from PEM files: the Kafka listeners' (a server certificate, and client
// certificates checked against --tls-client-ca) and the upstream links' (the upstream's CA).
#pragma once

#include <memory>
#include <optional>
#include <string>

#include <boost/asio/ssl/context.hpp>

namespace groupwire::gateway {

struct ServerTlsPem {
  std::string certificate_chain;
  std::string private_key;
  std::optional<std::string> client_ca;  // set: every client must present a certificate it signed
};

// Null, with `error` set, when a PEM does not load or the key does not match the certificate.
std::shared_ptr<boost::asio::ssl::context> make_server_tls_context(const ServerTlsPem& pem,
                                                                   std::string& error);

// `ca_pem` empty: the system's trusted CAs.
std::shared_ptr<boost::asio::ssl::context> make_client_tls_context(
    const std::optional<std::string>& ca_pem, std::string& error);

}  // namespace groupwire::gateway
