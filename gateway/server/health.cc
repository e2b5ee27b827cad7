#include "server/health.h"

#include <chrono>
#include <future>
#include <memory>

#include <boost/asio/post.hpp>

namespace groupwire::gateway {

namespace {

// The HTTP server has its own thread: liveness asks the I/O threads themselves.
constexpr std::chrono::seconds kIoAnswer{2};

http::Response text(int status, std::string body) {
  http::Response r;
  r.status = status;
  r.body = std::move(body);
  return r;
}

}  // namespace

std::map<std::string, http::Handler> health_routes(boost::asio::io_context& io,
                                                   const std::atomic<bool>& draining,
                                                   CoordinatorClient& coordinator) {
  return {
      {"/healthz",
       [&io](const http::Request&) {
         auto ran = std::make_shared<std::promise<void>>();
         auto done = ran->get_future();
         boost::asio::post(io, [ran] { ran->set_value(); });
         if (done.wait_for(kIoAnswer) != std::future_status::ready) {
           return text(503, "the I/O threads do not answer\n");
         }
         return text(200, "ok\n");
       }},
      {"/readyz",
       [&draining, &coordinator](const http::Request&) {
         if (draining.load()) return text(503, "draining: shutting down\n");
         if (auto why = coordinator.not_ready()) return text(503, *why + "\n");
         return text(200, "ready\n");
       }},
  };
}

}  // namespace groupwire::gateway
