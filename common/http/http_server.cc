#include "http/http_server.h"

#include <chrono>
#include <optional>

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/strand.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

namespace groupwire::http {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using asio::ip::tcp;

namespace {

constexpr std::chrono::seconds kClientTimeout{10};
constexpr std::uint32_t kHeaderLimit = 8 * 1024;
constexpr std::uint64_t kBodyLimit = 8 * 1024;

Response route(const Routes& routes, const bhttp::request<bhttp::string_body>& req) {
  if (req.method() != bhttp::verb::get && req.method() != bhttp::verb::head) {
    return {405, "method not allowed\n"};
  }
  std::string_view target(req.target().data(), req.target().size());
  auto path = target.substr(0, target.find('?'));
  auto it = routes.find(std::string(path));
  if (it == routes.end()) return {404, "not found\n"};
  return it->second();
}

// One client connection: read a request, answer it, repeat while the client keeps it alive.
class Session : public std::enable_shared_from_this<Session> {
 public:
  Session(tcp::socket socket, std::shared_ptr<const Routes> routes)
      : stream_(std::move(socket)), routes_(std::move(routes)) {}

  void read() {
    parser_.emplace();
    parser_->header_limit(kHeaderLimit);
    parser_->body_limit(kBodyLimit);
    stream_.expires_after(kClientTimeout);
    bhttp::async_read(stream_, buffer_, *parser_,
                      [self = shared_from_this()](beast::error_code ec, std::size_t) {
                        if (ec) return self->close();
                        self->answer(self->parser_->release());
                      });
  }

 private:
  void answer(const bhttp::request<bhttp::string_body>& req) {
    Response r = route(*routes_, req);
    response_ = {};
    response_.version(req.version());
    response_.result(r.status);
    response_.set(bhttp::field::content_type, r.content_type);
    response_.set(bhttp::field::cache_control, "no-store");
    response_.keep_alive(req.keep_alive());
    response_.body() = std::move(r.body);
    response_.prepare_payload();
    if (req.method() == bhttp::verb::head) response_.body().clear();
    stream_.expires_after(kClientTimeout);
    bhttp::async_write(stream_, response_,
                       [self = shared_from_this()](beast::error_code ec, std::size_t) {
                         if (ec || !self->response_.keep_alive()) return self->close();
                         self->read();
                       });
  }

  void close() {
    beast::error_code ec;
    stream_.socket().shutdown(tcp::socket::shutdown_both, ec);
    stream_.close();
  }

  beast::tcp_stream stream_;
  std::shared_ptr<const Routes> routes_;
  beast::flat_buffer buffer_;
  std::optional<bhttp::request_parser<bhttp::string_body>> parser_;
  bhttp::response<bhttp::string_body> response_;
};

}  // namespace

// Shared with the pending accept, so a stop() racing an accept touches nothing freed.
struct HttpServer::State : std::enable_shared_from_this<State> {
  State(asio::io_context& context, std::shared_ptr<const Routes> r)
      : io(context), acceptor(asio::make_strand(context)), routes(std::move(r)) {}

  void accept() {
    acceptor.async_accept(asio::make_strand(io),
                          [self = shared_from_this()](beast::error_code ec, tcp::socket socket) {
                            if (!self->acceptor.is_open()) return;
                            if (!ec) {
                              std::make_shared<Session>(std::move(socket), self->routes)->read();
                            }
                            self->accept();
                          });
  }

  asio::io_context& io;
  tcp::acceptor acceptor;
  std::shared_ptr<const Routes> routes;
};

HttpServer::HttpServer(asio::io_context& io, const HostPort& listen, Routes routes)
    : state_(std::make_shared<State>(io, std::make_shared<const Routes>(std::move(routes)))) {
  tcp::resolver resolver(io);
  tcp::endpoint ep = *resolver.resolve(listen.host, std::to_string(listen.port)).begin();
  auto& acceptor = state_->acceptor;
  acceptor.open(ep.protocol());
  acceptor.set_option(tcp::acceptor::reuse_address(true));
  acceptor.bind(ep);
  acceptor.listen();
}

HttpServer::~HttpServer() {
  stop();
}

HostPort HttpServer::bound() const {
  auto ep = state_->acceptor.local_endpoint();
  return {ep.address().to_string(), ep.port()};
}

void HttpServer::start() {
  asio::post(state_->acceptor.get_executor(), [state = state_] { state->accept(); });
}

void HttpServer::stop() {
  asio::post(state_->acceptor.get_executor(), [state = state_] {
    beast::error_code ec;
    state->acceptor.close(ec);
  });
}

}  // namespace groupwire::http
