// Who this gateway says it is: the broker that Metadata lists and FindCoordinator names.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "host_port.h"
#include "server/config.h"

namespace groupwire::gateway {

// In upstream mode each listener stands for one upstream broker: same node id, the gateway's
// address, and the real broker behind it.
struct BrokerIdentity {
  std::int32_t node_id = 0;
  HostPort advertised{};
  std::string cluster_id = "groupwire";
  std::optional<HostPort> upstream{};
};

// A stable, non-negative id derived from the advertised address, so that gateways started
// without --node-id still report distinct ids.
std::int32_t derive_node_id(const HostPort& advertised);

}  // namespace groupwire::gateway
