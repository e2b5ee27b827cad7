// Data APIs in versions newer than the upstream broker serves. A client that speaks only newer
// versions (e.g. @platformatic/kafka: Fetch 12+, ListOffsets 5+) would find no version in common
// with an older upstream, so the gateway speaks those versions itself: it decodes the client's
// request, asks the upstream in the newest version the upstream serves, and answers in the
// client's version, under the client's correlation id and in the connection's order. Versions
// the upstream serves still pass through unchanged (relay.h). Records stay opaque bytes.
//
// Translated: Fetch up to v13 (flexible encoding; v13 names topics by id, resolved through the
// topic catalog, an unknown id answered UNKNOWN_TOPIC_ID) and ListOffsets up to v5.
#pragma once

#include <optional>
#include <string_view>

#include "handlers/topic_catalog.h"
#include "server/dispatcher.h"

namespace groupwire::gateway {

// The versions clients may use of an API the upstream serves in `served`: `served` extended up
// to the newest version the gateway translates; nullopt when it translates none beyond `served`.
std::optional<kafka::Versions> translated_versions(std::int16_t api_key, kafka::Versions served);

// Answers a request whose version is above `upstream_version` (the newest the upstream serves)
// and within translated_versions(). Closes the client's connection when the request does not
// decode or the upstream fails.
void translate_upstream(RequestContext&& ctx, std::string_view frame, FrameCallback done,
                        kafka::ApiVersion upstream_version, SharedTopicCatalog catalog);

}  // namespace groupwire::gateway
