// The operational HTTP server over a real loopback socket: routes answer GET, anything else is
// 404 or 405, queries are decoded, a streamed answer writes what is sent until the client goes,
// and a taken port fails construction.
#include "http/http_server.h"

#include <future>

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

TEST(HttpServer, QueriesArePercentDecoded) {
  auto r = parse_target("/api/group?id=a%3Cb%3E%20c+d&x&id2=%zz%4");
  EXPECT_EQ(r.path, "/api/group");
  EXPECT_EQ(r.query.at("id"), "a<b> c d");
  EXPECT_EQ(r.query.at("x"), "");
  EXPECT_EQ(r.query.at("id2"), "%zz%4");  // not an escape: kept as it is
  EXPECT_TRUE(parse_target("/").query.empty());
}

TEST(HttpServer, HandlersSeeThePathAndQuery) {
  HttpServer server({"127.0.0.1", 0}, {{"/echo", [](const Request& r) {
                                          return Response{200, "text/plain", r.query.at("q")};
                                        }}});
  auto ok = request(server.bound(), bhttp::verb::get, "/echo?q=%2Fx%26y");
  EXPECT_EQ(ok.body(), "/x&y");
}

TEST(HttpServer, AStreamWritesWhatIsSentUntilTheClientGoes) {
  std::promise<std::shared_ptr<EventStream>> handed;
  HttpServer server({"127.0.0.1", 0}, {{"/events", [&](const Request&) {
                                          Response r{200, "text/event-stream"};
                                          r.stream = [&](std::shared_ptr<EventStream> s) {
                                            s->send("one\n");
                                            handed.set_value(std::move(s));
                                          };
                                          return r;
                                        }}});
  auto at = server.bound();
  boost::asio::io_context io;
  boost::asio::ip::tcp::socket socket(io);
  boost::asio::ip::tcp::resolver resolver(io);
  boost::asio::connect(socket, resolver.resolve(at.host, std::to_string(at.port)));
  bhttp::request<bhttp::string_body> req(bhttp::verb::get, "/events", 11);
  bhttp::write(socket, req);
  boost::beast::flat_buffer buffer;
  bhttp::response_parser<bhttp::buffer_body> head;
  bhttp::read_header(socket, buffer, head);
  EXPECT_EQ(head.get().result_int(), 200);
  EXPECT_EQ(head.get()[bhttp::field::content_type], "text/event-stream");
  auto stream = handed.get_future().get();
  EXPECT_TRUE(stream->send("two\n"));
  std::string body(static_cast<const char*>(buffer.data().data()), buffer.size());
  while (body.size() < 8) {
    char chunk[64];
    body.append(chunk, socket.read_some(boost::asio::buffer(chunk)));
  }
  EXPECT_EQ(body, "one\ntwo\n");
  socket.close();
  // The server notices the close on its own thread; sends fail from then on.
  for (int i = 0; i < 1000 && stream->send("more\n"); ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  EXPECT_FALSE(stream->send("after\n"));
}

TEST(HttpServer, ATakenPortFailsConstruction) {
  HttpServer first({"127.0.0.1", 0}, {});
  EXPECT_THROW(HttpServer({"127.0.0.1", first.bound().port}, {}), std::runtime_error);
}

}  // namespace
}  // namespace groupwire::http
