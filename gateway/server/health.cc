#include "server/health.h"

namespace groupwire::gateway {

http::Routes health_routes(const std::atomic<bool>& draining,
                           const CoordinatorClient& coordinator) {
  return {
      {"/healthz",
       [] {
         return http::Response{200, "ok\n"};
       }},
      {"/readyz",
       [&draining, &coordinator] {
         if (draining.load()) return http::Response{503, "draining: shutting down\n"};
         if (!coordinator.connected()) {
           return http::Response{
               503, "coordinator " + coordinator.target().to_string() + " is not connected\n"};
         }
         return http::Response{200, "ready\n"};
       }},
  };
}

}  // namespace groupwire::gateway
