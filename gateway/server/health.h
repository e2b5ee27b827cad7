// The gateway's health endpoint (--health-listen), for load balancers and orchestrators:
//   GET /healthz  200 while the gateway's I/O threads run what is posted to them.
//   GET /readyz   200 while it accepts Kafka clients, knows the coordinators' routing table and
//                 is connected to a coordinator of it; 503 naming the reason otherwise (draining
//                 after SIGTERM, coordinators unreachable), so no new clients are sent to it.
#pragma once

#include <atomic>
#include <map>
#include <string>

#include <boost/asio/io_context.hpp>

#include "coordinator_client/coordinator_client.h"
#include "http/http_server.h"

namespace groupwire::gateway {

// All three must outlive the server the routes are given to.
std::map<std::string, http::Handler> health_routes(boost::asio::io_context& io,
                                                   const std::atomic<bool>& draining,
                                                   CoordinatorClient& coordinator);

}  // namespace groupwire::gateway
