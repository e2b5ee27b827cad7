// SaslHandshake and SaslAuthenticate (KIP-152): handed to the connection's Authentication, which
// decides who the client is. Registered on every listener, as Kafka does: a listener without
// SASL answers ILLEGAL_SASL_STATE.
#pragma once

#include "server/dispatcher.h"

namespace groupwire::gateway {

void add_sasl_handlers(Dispatcher& dispatcher);

}  // namespace groupwire::gateway
