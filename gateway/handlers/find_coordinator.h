// FindCoordinator: any gateway can serve any group (group state lives in the coordinator
// service), so every group key is answered with this gateway.
#pragma once

#include "handlers/broker_identity.h"
#include "handlers/group_placement.h"
#include "server/dispatcher.h"

namespace groupwire::gateway {

void add_find_coordinator_handler(Dispatcher& dispatcher, const BrokerIdentity& identity,
                                  GroupPlacement placement = {});

}  // namespace groupwire::gateway
