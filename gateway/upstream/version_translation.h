// Data APIs in versions newer than the upstream broker serves. A client that speaks only newer
// versions (e.g. @platformatic/kafka: Fetch 12+, ListOffsets 5+) would find no version in common
// with an older upstream, so the gateway speaks those versions itself: it decodes the client's
// request, asks the upstream in the newest version the upstream serves, and answers in the
// client's version, under the client's correlation id and in the connection's order. Versions
// the upstream serves still pass through unchanged (relay.h). Records stay opaque bytes.
//
// Translated: Fetch up to v13 (flexible encoding; v13 names topics by id, resolved through the
// topic catalog, an unknown id answered UNKNOWN_TOPIC_ID) and ListOffsets up to v5.
//
// The same decoding serves ACLs: a principal restricted by an ACL file has its Produce, Fetch and
// ListOffsets requests read, the topics it may not write, read or describe taken out and answered
// TOPIC_AUTHORIZATION_FAILED per partition, the rest asked of the upstream.
#pragma once

#include <optional>
#include <string_view>

#include "handlers/topic_catalog.h"
#include "server/dispatcher.h"

namespace groupwire::gateway {

// The versions clients may use of Produce, Fetch or ListOffsets when the upstream serves
// `served`: Fetch and ListOffsets extended up to the newest the gateway translates; with
// `authorizing`, held to what the gateway can read. nullopt for any other API.
std::optional<kafka::Versions> decoded_versions(std::int16_t api_key, kafka::Versions served,
                                                bool authorizing);

// Answers a request the gateway decodes: one whose version is above `newest_served` (the newest
// the upstream serves), or one of a principal restricted by ACLs. Closes the client's connection
// when the request does not decode or the upstream fails.
void translate_upstream(RequestContext&& ctx, std::string_view frame, FrameCallback done,
                        kafka::ApiVersion newest_served, SharedTopicCatalog catalog);

}  // namespace groupwire::gateway
