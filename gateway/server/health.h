// The gateway's health endpoint (--health-listen), for load balancers and orchestrators:
//   GET /healthz  200 while the process serves: its I/O threads answer.
//   GET /readyz   200 while it accepts Kafka clients and its channels to the coordinator are
//                 connected; 503 naming the reason otherwise (draining after SIGTERM,
//                 coordinator unreachable), so no new clients are sent to it.
#pragma once

#include <atomic>

#include "coordinator_client/coordinator_client.h"
#include "http/http_server.h"

namespace groupwire::gateway {

// Both must outlive the server the routes are given to.
http::Routes health_routes(const std::atomic<bool>& draining, const CoordinatorClient& coordinator);

}  // namespace groupwire::gateway
