// What the coordinator says of consumer groups its members found Stable: ConsumerGroupDescribe
// must agree (state Stable, every member at the assignment epoch and holding its target), or
// the members' criterion (see group_tracker.h) or the coordinator is wrong.
#pragma once

#include <string>
#include <vector>

#include "group_load/config.h"
#include "group_load/discovery.h"

namespace groupwire::bench {

// One line per disagreement (empty: they agree). Runs on the calling thread.
std::vector<std::string> check_consumer_groups(const Config& config, const Discovery& found,
                                               const gateway::UpstreamSecurity& security,
                                               int members);

}  // namespace groupwire::bench
