// ApiVersions: the versions this listener serves, as registered in the dispatcher.
#pragma once

#include "server/dispatcher.h"

namespace groupwire::gateway {

void add_api_versions_handler(Dispatcher& dispatcher);

// KIP-511: client software names and versions must match [a-zA-Z0-9](?:[a-zA-Z0-9\-.]*[a-zA-Z0-9])?
bool valid_client_software_field(std::string_view s);

}  // namespace groupwire::gateway
