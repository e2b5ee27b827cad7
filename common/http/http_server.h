// A small HTTP/1.1 server for operational endpoints (health checks, metrics): GET (or HEAD) on
// a fixed set of paths, on the caller's io_context. Anything else is 404 or 405; a request
// line, headers or body above a few KiB, or a client silent for 10 s, closes the connection.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <string>

#include <boost/asio/io_context.hpp>

#include "host_port.h"

namespace groupwire::http {

struct Response {
  unsigned status = 200;
  std::string body;
  std::string content_type = "text/plain; charset=utf-8";
};

// Runs on one of the io_context's threads, possibly on several at once.
using Handler = std::function<Response()>;

// Path ("/healthz") to handler; a query string is ignored.
using Routes = std::map<std::string, Handler>;

class HttpServer {
 public:
  // Binds at once, so a taken port fails start-up; throws boost::system::system_error.
  HttpServer(boost::asio::io_context& io, const HostPort& listen, Routes routes);
  ~HttpServer();
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  HostPort bound() const;
  void start();
  // Accepts no more connections; requests being answered are finished.
  void stop();

 private:
  struct State;
  std::shared_ptr<State> state_;
};

}  // namespace groupwire::http
