// Before the members start: which API versions to speak (ApiVersions, the highest both sides
// serve), the topic's id and partitions (Metadata) and where each group's coordinator is
// (FindCoordinator), as a Kafka client finds out.
#pragma once

#include <string>
#include <vector>

#include "group_load/config.h"
#include "group_load/consumer_membership.h"
#include "group_load/kafka_socket.h"
#include "group_load/run_state.h"

namespace groupwire::bench {

struct Discovery {
  ApiVersions versions;
  BenchTopic topic;                  // partitions 0 unless looked up
  std::vector<Broker> coordinators;  // per group (Groups mode)
  Broker bootstrap;
  std::string error;  // non-empty: the run cannot start
};

// Runs on the calling thread.
Discovery discover(const Config& config, const gateway::UpstreamSecurity& security);

std::string group_id(const Config& config, int group);

}  // namespace groupwire::bench
