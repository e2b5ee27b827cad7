// A minimal HTTP/1.1 server for operational endpoints (/metrics, health): serves GET on a fixed
// set of paths from its own thread, one request per connection. Not for client traffic.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <string>

#include "host_port.h"
#include "metrics/metrics.h"

namespace groupwire::http {

struct Response {
  int status = 200;
  std::string content_type = "text/plain; charset=utf-8";
  std::string body{};
};

using Handler = std::function<Response()>;

class HttpServer {
 public:
  // Binds at once, so a taken port fails start-up (throws std::runtime_error), and serves until
  // destroyed. Handlers run on the server's thread.
  HttpServer(const HostPort& listen, std::map<std::string, Handler> routes);
  ~HttpServer();
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  HostPort bound() const;

 private:
  struct State;
  std::unique_ptr<State> state_;
};

// GET /metrics answers registry.render(). Logs the address, or why it cannot listen (nullptr).
std::unique_ptr<HttpServer> serve_metrics(const HostPort& listen,
                                          const metrics::Registry& registry);

}  // namespace groupwire::http
