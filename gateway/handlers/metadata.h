// Metadata without an upstream: this gateway is the only broker and leads every partition of
// the configured topic catalog.
#pragma once

#include "handlers/broker_identity.h"
#include "handlers/topic_catalog.h"
#include "server/dispatcher.h"

namespace groupwire::gateway {

void add_metadata_handler(Dispatcher& dispatcher, const BrokerIdentity& identity,
                          SharedTopicCatalog catalog);

}  // namespace groupwire::gateway
