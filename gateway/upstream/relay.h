// Upstream mode: records are the upstream cluster's. Data and topic APIs pass through unchanged
// to the broker a listener stands for (newer versions than it serves are translated); Metadata is
// asked of that broker in a version it speaks and answered in the client's, naming gateway
// listeners instead of upstream brokers, so a client that follows Metadata keeps talking to
// gateways. Group APIs never reach the upstream.
#pragma once

#include <map>
#include <memory>
#include <string_view>

#include "handlers/topic_catalog.h"
#include "server/dispatcher.h"
#include "upstream/upstream_cluster.h"

namespace groupwire::gateway {

// Upstream broker node id -> the gateway listener address that stands for it.
using BrokerDirectory = std::map<std::int32_t, HostPort>;

void add_upstream_metadata_handler(Dispatcher& dispatcher, kafka::ApiVersion upstream_version,
                                   std::shared_ptr<const BrokerDirectory> directory,
                                   SharedTopicCatalog catalog);

// Relays every API the upstream serves that the dispatcher does not already serve, except those
// that must not pass (authentication, group and transaction-offset APIs, broker listings we do
// not rewrite); newer versions of Fetch and ListOffsets than the upstream serves are translated
// (version_translation.h), topic ids resolved through `catalog`. With `authorizing` (an ACL
// file), only the APIs the gateway authorizes pass: Produce, Fetch and ListOffsets, in the
// versions it can read, each partition of a topic the principal may not use answered
// TOPIC_AUTHORIZATION_FAILED. Register after the gateway's own handlers.
void add_upstream_relay(Dispatcher& dispatcher, const UpstreamInfo& upstream,
                        SharedTopicCatalog catalog, bool authorizing = false);

// Produce with acks=0 gets no answer from a broker, so none must be awaited.
bool produce_expects_response(std::string_view frame);

}  // namespace groupwire::gateway
