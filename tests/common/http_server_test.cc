// The operational HTTP server over a real loopback socket: routes answer GET, anything else is
// 404 or 405, and a taken port fails construction.
#include "http/http_server.h"

#include <gtest/gtest.h>
#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

namespace groupwire::http {
namespace {

namespace bhttp = boost::beast::http;

bhttp::response<bhttp::string_body> request(const HostPort& at, bhttp::verb verb,
                                            const std::string& target) {
  boost::asio::io_context io;
  boost::asio::ip::tcp::socket socket(io);
  boost::asio::ip::tcp::resolver resolver(io);
  boost::asio::connect(socket, resolver.resolve(at.host, std::to_string(at.port)));
  bhttp::request<bhttp::string_body> req(verb, target, 11);
  req.set(bhttp::field::host, at.host);
  bhttp::write(socket, req);
  boost::beast::flat_buffer buffer;
  bhttp::response<bhttp::string_body> resp;
  bhttp::read(socket, buffer, resp);
  return resp;
}

TEST(HttpServer, ServesItsRoutesOnly) {
  int calls = 0;
  HttpServer server({"127.0.0.1", 0},
                    {{"/metrics", [&](const Request&) {
                        ++calls;
                        return Response{200, "text/plain; version=0.0.4", "x 1\n"};
                      }}});
  auto at = server.bound();
  ASSERT_NE(at.port, 0);
  auto ok = request(at, bhttp::verb::get, "/metrics");
  EXPECT_EQ(ok.result_int(), 200);
  EXPECT_EQ(ok.body(), "x 1\n");
  EXPECT_EQ(ok[bhttp::field::content_type], "text/plain; version=0.0.4");
  EXPECT_EQ(request(at, bhttp::verb::get, "/other").result_int(), 404);
  EXPECT_EQ(request(at, bhttp::verb::post, "/metrics").result_int(), 405);
  EXPECT_EQ(calls, 1);
}

TEST(HttpServer, ATakenPortFailsConstruction) {
  HttpServer first({"127.0.0.1", 0}, {});
  EXPECT_THROW(HttpServer({"127.0.0.1", first.bound().port}, {}), std::runtime_error);
}

}  // namespace
}  // namespace groupwire::http
