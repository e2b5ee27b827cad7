#include "http/http_server.h"

#include <chrono>
#include <deque>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <thread>

#include <spdlog/spdlog.h>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

namespace groupwire::http {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = beast::http;
using asio::ip::tcp;

namespace {

constexpr auto kTimeout = std::chrono::seconds(10);
// A stream whose client reads less than this behind is cut off rather than buffered without end.
constexpr std::size_t kMaxQueuedBytes = 4 << 20;

std::optional<int> hex_digit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return std::nullopt;
}

std::string percent_decode(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (std::size_t i = 0; i < s.size(); ++i) {
    auto hi = s[i] == '%' && i + 2 < s.size() ? hex_digit(s[i + 1]) : std::nullopt;
    auto lo = hi ? hex_digit(s[i + 2]) : std::nullopt;
    if (lo) {
      out += static_cast<char>(*hi * 16 + *lo);
      i += 2;
    } else {
      out += s[i] == '+' ? ' ' : s[i];
    }
  }
  return out;
}

// One connection: read a request, answer it, close; or, for a stream, keep writing what is sent
// until the client goes away.
class Exchange : public std::enable_shared_from_this<Exchange>, public EventStream {
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

  bool send(std::string chunk) override {
    std::lock_guard lock(mu_);
    if (closed_) return false;
    queued_bytes_ += chunk.size();
    if (queued_bytes_ > kMaxQueuedBytes) {
      closed_ = true;
      asio::post(stream_.get_executor(), [self = shared_from_this()] { self->close(); });
      return false;
    }
    queue_.push_back(std::move(chunk));
    if (queue_.size() == 1 && head_written_) {
      asio::post(stream_.get_executor(), [self = shared_from_this()] { self->write_next(); });
    }
    return true;
  }

 private:
  void answer() {
    Response r;
    Request request =
        parse_target(std::string_view(request_.target().data(), request_.target().size()));
    auto route = routes_.find(request.path);
    if (request_.method() != bhttp::verb::get && request_.method() != bhttp::verb::head) {
      r = {405, "text/plain; charset=utf-8", "only GET\n"};
    } else if (route == routes_.end()) {
      r = {404, "text/plain; charset=utf-8", "not found\n"};
    } else {
      r = route->second(request);
    }
    response_.result(static_cast<unsigned>(r.status));
    response_.version(request_.version());
    response_.set(bhttp::field::content_type, r.content_type);
    for (const auto& [name, value] : r.headers) response_.set(name, value);
    response_.keep_alive(false);
    if (r.stream && request_.method() == bhttp::verb::get) return stream(std::move(r.stream));
    if (request_.method() != bhttp::verb::head) response_.body() = std::move(r.body);
    response_.prepare_payload();
    bhttp::async_write(
        stream_, response_,
        [self = shared_from_this()](beast::error_code, std::size_t) { self->shut_down(); });
  }

  // The head, then whatever is sent; the body ends when the connection does.
  void stream(std::function<void(std::shared_ptr<EventStream>)> start) {
    stream_.expires_never();
    head_ = std::make_unique<bhttp::response_serializer<bhttp::string_body>>(response_);
    bhttp::async_write_header(stream_, *head_,
                              [self = shared_from_this()](beast::error_code ec, std::size_t) {
                                if (ec) return self->close();
                                {
                                  std::lock_guard lock(self->mu_);
                                  self->head_written_ = true;
                                }
                                self->write_next();
                                self->await_close();
                              });
    start(shared_from_this());
  }

  // The client sends nothing more on a stream: a completed read means it closed.
  void await_close() {
    stream_.socket().async_read_some(
        asio::buffer(discard_), [self = shared_from_this()](beast::error_code ec, std::size_t) {
          if (ec) return self->close();
          self->await_close();
        });
  }

  void write_next() {
    std::lock_guard lock(mu_);
    if (writing_ || queue_.empty() || closed_) return;
    writing_ = true;
    asio::async_write(stream_.socket(), asio::buffer(queue_.front()),
                      [self = shared_from_this()](beast::error_code ec, std::size_t) {
                        {
                          std::lock_guard written(self->mu_);
                          self->writing_ = false;
                          self->queued_bytes_ -= self->queue_.front().size();
                          self->queue_.pop_front();
                        }
                        if (ec) return self->close();
                        self->write_next();
                      });
  }

  void close() {
    {
      std::lock_guard lock(mu_);
      closed_ = true;
    }
    beast::error_code ignored;
    stream_.socket().close(ignored);
  }

  void shut_down() {
    beast::error_code ignored;
    stream_.socket().shutdown(tcp::socket::shutdown_send, ignored);
  }

  beast::tcp_stream stream_;
  const std::map<std::string, Handler>& routes_;
  beast::flat_buffer buffer_;
  bhttp::request<bhttp::string_body> request_;
  bhttp::response<bhttp::string_body> response_;
  std::unique_ptr<bhttp::response_serializer<bhttp::string_body>> head_;
  std::array<char, 256> discard_{};
  std::mutex mu_;  // the stream's queue: send() comes from any thread
  std::deque<std::string> queue_;
  std::size_t queued_bytes_ = 0;
  bool head_written_ = false;
  bool writing_ = false;
  bool closed_ = false;
};

}  // namespace

Request parse_target(std::string_view target) {
  Request r;
  auto q = target.find('?');
  r.path = std::string(target.substr(0, q));
  if (q == std::string_view::npos) return r;
  std::string_view query = target.substr(q + 1);
  while (!query.empty()) {
    auto amp = query.find('&');
    std::string_view pair = query.substr(0, amp);
    query = amp == std::string_view::npos ? std::string_view{} : query.substr(amp + 1);
    if (pair.empty()) continue;
    auto eq = pair.find('=');
    std::string name = percent_decode(pair.substr(0, eq));
    r.query[name] = eq == std::string_view::npos ? "" : percent_decode(pair.substr(eq + 1));
  }
  return r;
}

struct HttpServer::State {
  asio::io_context io;
  tcp::acceptor acceptor{io};
  std::map<std::string, Handler> routes;
  std::vector<std::thread> threads;

  void accept() {
    // Each connection on a strand of its own: handlers of one connection never run at once.
    acceptor.async_accept(asio::make_strand(io), [this](beast::error_code ec, tcp::socket socket) {
      if (ec == asio::error::operation_aborted) return;
      if (!ec) std::make_shared<Exchange>(std::move(socket), routes)->start();
      accept();
    });
  }
};

HttpServer::HttpServer(const HostPort& listen, std::map<std::string, Handler> routes,
                       std::size_t threads)
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
  for (std::size_t i = 0; i < std::max<std::size_t>(threads, 1); ++i) {
    state_->threads.emplace_back([s = state_.get()] { s->io.run(); });
  }
}

HttpServer::~HttpServer() {
  state_->io.stop();
  for (auto& t : state_->threads) t.join();
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
                    {"/metrics", [&registry](const Request&) {
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
