// Who this gateway says it is: the broker that Metadata lists and FindCoordinator names.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "host_port.h"
#include "server/config.h"

namespace groupwire::gateway {

struct BrokerIdentity {
  std::int32_t node_id = 0;
  HostPort advertised;
  std::string cluster_id = "groupwire";
};

// A stable, non-negative id derived from the advertised address, so that gateways started
// without --node-id still report distinct ids.
std::int32_t derive_node_id(const HostPort& advertised);

}  // namespace groupwire::gateway
