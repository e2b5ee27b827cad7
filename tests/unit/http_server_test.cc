// The operational HTTP server (common/http) on loopback, asked by Beast's own HTTP client.
#include "http/http_server.h"

#include <atomic>
#include <thread>

#include <gtest/gtest.h>
#include <boost/asio/connect.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

namespace groupwire::http {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using asio::ip::tcp;

class HttpServerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    Routes routes{
        {"/healthz",
         [] {
           return Response{200, "ok\n"};
         }},
        {"/readyz",
         [this] {
           return ready_ ? Response{200, "ready\n"} : Response{503, "draining\n"};
         }},
        {"/metrics",
         [] {
           return Response{200, "a 1\n", "text/plain; version=0.0.4"};
         }},
    };
    server_.emplace(io_, HostPort{"127.0.0.1", 0}, std::move(routes));
    port_ = server_->bound().port;
    server_->start();
    thread_ = std::thread([this] { io_.run(); });
  }

  void TearDown() override {
    server_.reset();
    io_.stop();
    thread_.join();
  }

  tcp::socket connect() {
    tcp::socket s(client_io_);
    s.connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), port_));
    return s;
  }

  bhttp::response<bhttp::string_body> ask(tcp::socket& s, bhttp::verb verb,
                                          const std::string& target, bool keep_alive = false) {
    bhttp::request<bhttp::string_body> req{verb, target, 11};
    req.set(bhttp::field::host, "localhost");
    req.keep_alive(keep_alive);
    bhttp::write(s, req);
    beast::flat_buffer buffer;
    bhttp::response_parser<bhttp::string_body> parser;
    parser.skip(verb == bhttp::verb::head);
    bhttp::read(s, buffer, parser);
    return parser.release();
  }

  bhttp::response<bhttp::string_body> get(const std::string& target) {
    auto s = connect();
    return ask(s, bhttp::verb::get, target);
  }

  asio::io_context io_;
  asio::io_context client_io_;
  std::optional<HttpServer> server_;
  std::uint16_t port_ = 0;
  std::thread thread_;
  std::atomic<bool> ready_{true};
};

TEST_F(HttpServerTest, AnswersEachRouteWithItsHandler) {
  auto health = get("/healthz");
  EXPECT_EQ(health.result_int(), 200u);
  EXPECT_EQ(health.body(), "ok\n");
  EXPECT_EQ(health[bhttp::field::content_type], "text/plain; charset=utf-8");
  auto metrics = get("/metrics");
  EXPECT_EQ(metrics.body(), "a 1\n");
  EXPECT_EQ(metrics[bhttp::field::content_type], "text/plain; version=0.0.4");
}

TEST_F(HttpServerTest, HandlersAreAskedOnEveryRequest) {
  EXPECT_EQ(get("/readyz").result_int(), 200u);
  ready_ = false;
  auto r = get("/readyz");
  EXPECT_EQ(r.result_int(), 503u);
  EXPECT_EQ(r.body(), "draining\n");
}

TEST_F(HttpServerTest, QueryStringIsIgnored) {
  EXPECT_EQ(get("/healthz?verbose=1").result_int(), 200u);
}

TEST_F(HttpServerTest, UnknownPathIs404AndOtherMethodsAre405) {
  EXPECT_EQ(get("/").result_int(), 404u);
  EXPECT_EQ(get("/healthz/x").result_int(), 404u);
  auto s = connect();
  EXPECT_EQ(ask(s, bhttp::verb::post, "/healthz").result_int(), 405u);
}

TEST_F(HttpServerTest, HeadAnswersWithoutBody) {
  auto s = connect();
  auto r = ask(s, bhttp::verb::head, "/healthz");
  EXPECT_EQ(r.result_int(), 200u);
  EXPECT_EQ(r[bhttp::field::content_length], "3");
  EXPECT_TRUE(r.body().empty());
}

TEST_F(HttpServerTest, KeepAliveServesSeveralRequestsOnOneConnection) {
  auto s = connect();
  for (int i = 0; i < 3; ++i) {
    auto r = ask(s, bhttp::verb::get, "/healthz", true);
    EXPECT_EQ(r.result_int(), 200u);
    EXPECT_TRUE(r.keep_alive());
  }
}

TEST_F(HttpServerTest, OversizedHeadersCloseTheConnection) {
  auto s = connect();
  std::string req =
      "GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: " + std::string(16 * 1024, 'a') + "\r\n\r\n";
  boost::system::error_code ec;
  asio::write(s, asio::buffer(req), ec);
  char c;
  s.read_some(asio::buffer(&c, 1), ec);
  EXPECT_TRUE(ec == asio::error::eof || ec == asio::error::connection_reset) << ec.message();
}

TEST_F(HttpServerTest, StopRefusesNewConnections) {
  server_->stop();
  // stop() runs on the server's strand: connections may still succeed (or be reset from the
  // backlog) until it has.
  auto give_up = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  boost::system::error_code ec;
  while (ec != asio::error::connection_refused && std::chrono::steady_clock::now() < give_up) {
    tcp::socket s(client_io_);
    s.connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), port_), ec);
  }
  EXPECT_EQ(ec, asio::error::connection_refused);
}

}  // namespace
}  // namespace groupwire::http
