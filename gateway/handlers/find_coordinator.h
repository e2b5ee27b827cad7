// FindCoordinator: any gateway can serve any group (group state lives in the coordinator
// service), so every group key is answered with this gateway.
#pragma once

#include "handlers/broker_identity.h"
#include "server/dispatcher.h"

namespace groupwire::gateway {

void add_find_coordinator_handler(Dispatcher& dispatcher, const BrokerIdentity& identity);

}  // namespace groupwire::gateway
