// Metadata without an upstream: this gateway is the only broker and leads every partition of
// the configured topic catalog. Every topic is listed with the catalog's topic id.
#pragma once

#include "handlers/broker_identity.h"
#include "handlers/topic_catalog.h"
#include "server/dispatcher.h"

namespace groupwire::gateway {

void add_metadata_handler(Dispatcher& dispatcher, const BrokerIdentity& identity,
                          SharedTopicCatalog catalog);

// v10+ may ask for topics by id alone: names those the catalog knows, so that the request can be
// answered (or asked of an upstream) by name.
void name_topics_by_id(kafka::MetadataRequest& req, const TopicCatalog& catalog);

// KafkaApis shows a principal only the topics it may describe: asked for every topic, the others
// are left out; asked by name, they answer TOPIC_AUTHORIZATION_FAILED.
void hide_unauthorized_topics(kafka::MetadataResponse& resp, bool every_topic,
                              const Authorization& authorization);

}  // namespace groupwire::gateway
