// A connection's byte stream: a TCP socket, or TLS over one. Connections and upstream links read
// and write through it without knowing which; `visit` hands the stream to an Asio operation.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <variant>

#include <utility>  // before asio: Boost 1.74 awaitable.hpp uses std::exchange unincluded

#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/ssl/stream.hpp>

namespace groupwire::gateway {

class Transport {
 public:
  using Tls = boost::asio::ssl::stream<boost::asio::ip::tcp::socket>;

  explicit Transport(boost::asio::ip::tcp::socket socket) : stream_(std::move(socket)) {}
  // The context is kept: a reloaded certificate does not pull it from under this connection.
  Transport(boost::asio::ip::tcp::socket socket, std::shared_ptr<boost::asio::ssl::context> tls)
      : tls_context_(std::move(tls)),
        stream_(std::in_place_type<Tls>, std::move(socket), *tls_context_) {}

  bool tls() const { return std::holds_alternative<Tls>(stream_); }
  boost::asio::ip::tcp::socket& socket() {
    return tls() ? std::get<Tls>(stream_).next_layer()
                 : std::get<boost::asio::ip::tcp::socket>(stream_);
  }
  boost::asio::any_io_executor get_executor() { return socket().get_executor(); }

  // `f(stream)` for the stream in use, plain or TLS; both kinds must give the same result type.
  template <class F>
  decltype(auto) visit(F&& f) {
    return std::visit(std::forward<F>(f), stream_);
  }

  // TLS only: the handshake as a server (a client connection) or as a client of `server_name`,
  // whose certificate must name it. An empty error for a plain transport.
  boost::asio::awaitable<boost::system::error_code> accept_handshake();
  boost::asio::awaitable<boost::system::error_code> connect_handshake(
      const std::string& server_name);

  // The verified client certificate's subject common name, when the peer presented one.
  std::optional<std::string> peer_common_name();

  void close();

 private:
  std::shared_ptr<boost::asio::ssl::context> tls_context_;
  std::variant<boost::asio::ip::tcp::socket, Tls> stream_;
};

// Why a TLS handshake failed, in words an operator can act on (OpenSSL's reason when known).
std::string describe_tls_error(const boost::system::error_code& ec);

}  // namespace groupwire::gateway
