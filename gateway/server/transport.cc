#include "server/transport.h"

#include <openssl/ssl.h>
#include <openssl/x509.h>

#include <boost/asio/redirect_error.hpp>
#include <boost/asio/ssl/error.hpp>
#include <boost/asio/ssl/host_name_verification.hpp>
#include <boost/asio/use_awaitable.hpp>

namespace groupwire::gateway {

namespace asio = boost::asio;
using asio::use_awaitable;

asio::awaitable<boost::system::error_code> Transport::accept_handshake() {
  boost::system::error_code ec;
  if (tls()) {
    co_await std::get<Tls>(stream_).async_handshake(asio::ssl::stream_base::server,
                                                    asio::redirect_error(use_awaitable, ec));
  }
  co_return ec;
}

asio::awaitable<boost::system::error_code> Transport::connect_handshake(
    const std::string& server_name) {
  boost::system::error_code ec;
  if (!tls()) co_return ec;
  Tls& s = std::get<Tls>(stream_);
  // SNI, for upstreams behind a TLS proxy that routes by name.
  SSL_set_tlsext_host_name(s.native_handle(), server_name.c_str());
  s.set_verify_callback(asio::ssl::host_name_verification(server_name));
  co_await s.async_handshake(asio::ssl::stream_base::client,
                             asio::redirect_error(use_awaitable, ec));
  co_return ec;
}

std::optional<std::string> Transport::peer_common_name() {
  if (!tls()) return std::nullopt;
  X509* cert = SSL_get0_peer_certificate(std::get<Tls>(stream_).native_handle());
  if (cert == nullptr) return std::nullopt;
  X509_NAME* subject = X509_get_subject_name(cert);
  int index = X509_NAME_get_index_by_NID(subject, NID_commonName, -1);
  if (index < 0) return std::string();
  ASN1_STRING* data = X509_NAME_ENTRY_get_data(X509_NAME_get_entry(subject, index));
  unsigned char* utf8 = nullptr;
  int length = ASN1_STRING_to_UTF8(&utf8, data);
  if (length < 0) return std::string();
  std::string cn(reinterpret_cast<char*>(utf8), static_cast<std::size_t>(length));
  OPENSSL_free(utf8);
  return cn;
}

void Transport::close() {
  boost::system::error_code ec;
  socket().shutdown(asio::ip::tcp::socket::shutdown_both, ec);
  socket().close(ec);
}

std::string describe_tls_error(const boost::system::error_code& ec) {
  if (ec.category() == asio::error::get_ssl_category()) {
    const char* reason = ERR_reason_error_string(static_cast<unsigned long>(ec.value()));
    if (reason != nullptr) return std::string("TLS handshake failed: ") + reason;
  }
  if (ec == asio::ssl::error::stream_truncated || ec == asio::error::eof) {
    return "TLS handshake failed: the peer closed the connection";
  }
  return "TLS handshake failed: " + ec.message();
}

}  // namespace groupwire::gateway
