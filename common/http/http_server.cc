#include "http/http_server.h"

#include <chrono>
#include <stdexcept>
#include <thread>

#include <spdlog/spdlog.h>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

namespace groupwire::http {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = beast::http;
using asio::ip::tcp;

namespace {

constexpr auto kTimeout = std::chrono::seconds(10);

// One connection: read a request, answer it, close.
class Exchange : public std::enable_shared_from_this<Exchange> {
 public:
  Exchange(tcp::socket socket, const std::map<std::string, Handler>& routes)
      : stream_(std::move(socket)), routes_(routes) {}

  void start() {
    stream_.expires_after(kTimeout);
    bhttp::async_read(stream_, buffer_, request_,
                      [self = shared_from_this()](beast::error_code ec, std::size_t) {
                        if (!ec) self->answer();
                      });
  }

 private:
  void answer() {
    Response r;
    auto route = routes_.find(std::string(request_.target()));
    if (request_.method() != bhttp::verb::get && request_.method() != bhttp::verb::head) {
      r = {405, "text/plain; charset=utf-8", "only GET\n"};
    } else if (route == routes_.end()) {
      r = {404, "text/plain; charset=utf-8", "not found\n"};
    } else {
      r = route->second();
    }
    response_.result(static_cast<unsigned>(r.status));
    response_.version(request_.version());
    response_.set(bhttp::field::content_type, r.content_type);
    response_.keep_alive(false);
    if (request_.method() != bhttp::verb::head) response_.body() = std::move(r.body);
    response_.prepare_payload();
    bhttp::async_write(stream_, response_,
                       [self = shared_from_this()](beast::error_code, std::size_t) {
                         beast::error_code ignored;
                         self->stream_.socket().shutdown(tcp::socket::shutdown_send, ignored);
                       });
  }

  beast::tcp_stream stream_;
  const std::map<std::string, Handler>& routes_;
  beast::flat_buffer buffer_;
  bhttp::request<bhttp::string_body> request_;
  bhttp::response<bhttp::string_body> response_;
};

}  // namespace

struct HttpServer::State {
  asio::io_context io{1};
  tcp::acceptor acceptor{io};
  std::map<std::string, Handler> routes;
  std::thread thread;

  void accept() {
    acceptor.async_accept([this](beast::error_code ec, tcp::socket socket) {
      if (ec == asio::error::operation_aborted) return;
      if (!ec) std::make_shared<Exchange>(std::move(socket), routes)->start();
      accept();
    });
  }
};

HttpServer::HttpServer(const HostPort& listen, std::map<std::string, Handler> routes)
    : state_(std::make_unique<State>()) {
  state_->routes = std::move(routes);
  try {
    tcp::resolver resolver(state_->io);
    tcp::endpoint ep = *resolver.resolve(listen.host, std::to_string(listen.port)).begin();
    state_->acceptor.open(ep.protocol());
    state_->acceptor.set_option(tcp::acceptor::reuse_address(true));
    state_->acceptor.bind(ep);
    state_->acceptor.listen();
  } catch (const std::exception& e) {
    throw std::runtime_error("cannot listen on " + listen.to_string() + ": " + e.what());
  }
  state_->accept();
  state_->thread = std::thread([s = state_.get()] { s->io.run(); });
}

HttpServer::~HttpServer() {
  state_->io.stop();
  state_->thread.join();
}

HostPort HttpServer::bound() const {
  auto ep = state_->acceptor.local_endpoint();
  return {ep.address().to_string(), ep.port()};
}

std::unique_ptr<HttpServer> serve_metrics(const HostPort& listen,
                                          const metrics::Registry& registry) {
  try {
    auto server = std::make_unique<HttpServer>(
        listen, std::map<std::string, Handler>{
                    {"/metrics", [&registry] {
                       return Response{200, metrics::kContentType, registry.render()};
                     }}});
    spdlog::info("metrics on http://{}/metrics", server->bound().to_string());
    return server;
  } catch (const std::exception& e) {
    spdlog::critical("metrics: {}", e.what());
    return nullptr;
  }
}

}  // namespace groupwire::http
