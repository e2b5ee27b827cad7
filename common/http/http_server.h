// A small HTTP/1.1 server for operational endpoints (/metrics, health, the coordinator's
// console): serves GET on a fixed set of paths, one request per connection, on threads of its
// own. A route may answer with a stream (server-sent events) that stays open until either side
// ends it. Not for client traffic.
#pragma once

#include <cstddef>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "host_port.h"
#include "metrics/metrics.h"

namespace groupwire::http {

struct Request {
  std::string path;                          // without the query
  std::map<std::string, std::string> query;  // percent-decoded; a repeated name keeps the last
};

// Bytes written to a streamed answer as they come. Safe to use from any thread.
class EventStream {
 public:
  virtual ~EventStream() = default;
  // Queues `chunk` for the client; false once the stream is closed (the client went away, or
  // fell too far behind), after which the stream should be dropped.
  virtual bool send(std::string chunk) = 0;
};

struct Response {
  int status = 200;
  std::string content_type = "text/plain; charset=utf-8";
  std::string body{};
  std::vector<std::pair<std::string, std::string>> headers{};
  // Set: the body is a stream. After the head is written it is handed the stream, which lives
  // as long as the connection and whoever holds it.
  std::function<void(std::shared_ptr<EventStream>)> stream{};
};

using Handler = std::function<Response(const Request&)>;

class HttpServer {
 public:
  // Binds at once, so a taken port fails start-up (throws std::runtime_error), and serves until
  // destroyed. Handlers run on the server's `threads`, so may wait (one waiting handler holds
  // one thread).
  HttpServer(const HostPort& listen, std::map<std::string, Handler> routes,
             std::size_t threads = 1);
  ~HttpServer();
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  HostPort bound() const;

 private:
  struct State;
  std::unique_ptr<State> state_;
};

// Splits a request target into its path and decoded query (`+` is a space, as forms send it).
Request parse_target(std::string_view target);

// GET /metrics answers registry.render(). Logs the address, or why it cannot listen (nullptr).
std::unique_ptr<HttpServer> serve_metrics(const HostPort& listen,
                                          const metrics::Registry& registry);

}  // namespace groupwire::http
