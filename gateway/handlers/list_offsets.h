// ListOffsets without an upstream: every partition of the topic catalog exists and is empty, so
// its earliest and latest offsets are both 0.
#pragma once

#include "handlers/topic_catalog.h"
#include "server/dispatcher.h"

namespace groupwire::gateway {

void add_list_offsets_handler(Dispatcher& dispatcher, SharedTopicCatalog catalog);

}  // namespace groupwire::gateway
