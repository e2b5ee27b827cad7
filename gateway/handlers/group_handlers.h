// The consumer-group APIs: the gateway checks what Kafka's KafkaApis checks before its group
// coordinator, forwards the rest to the coordinator service and encodes the reply for the
// request's version. One .cc file per API.
#pragma once

#include <memory>

#include "coordinator_client/coordinator_client.h"
#include "handlers/group_placement.h"
#include "handlers/topic_catalog.h"
#include "server/dispatcher.h"

namespace groupwire::gateway {

// Registers all of the below. `client` must outlive the dispatcher's use.
void add_group_handlers(Dispatcher& dispatcher, CoordinatorClient& client,
                        SharedTopicCatalog catalog, GroupPlacement placement = {});

void add_join_group_handler(Dispatcher& dispatcher, CoordinatorClient& client);
void add_sync_group_handler(Dispatcher& dispatcher, CoordinatorClient& client);
void add_heartbeat_handler(Dispatcher& dispatcher, CoordinatorClient& client);
void add_leave_group_handler(Dispatcher& dispatcher, CoordinatorClient& client);
void add_offset_commit_handler(Dispatcher& dispatcher, CoordinatorClient& client,
                               std::shared_ptr<const TopicCatalog> catalog);
void add_offset_fetch_handler(Dispatcher& dispatcher, CoordinatorClient& client);
void add_describe_groups_handler(Dispatcher& dispatcher, CoordinatorClient& client);
void add_list_groups_handler(Dispatcher& dispatcher, CoordinatorClient& client,
                             GroupPlacement placement);
void add_delete_groups_handler(Dispatcher& dispatcher, CoordinatorClient& client);
void add_offset_delete_handler(Dispatcher& dispatcher, CoordinatorClient& client,
                               std::shared_ptr<const TopicCatalog> catalog);
// The consumer group protocol's APIs, offered while the coordinators serve it.
void add_consumer_group_heartbeat_handler(Dispatcher& dispatcher, CoordinatorClient& client,
                                          std::shared_ptr<const TopicCatalog> catalog);
void add_consumer_group_describe_handler(Dispatcher& dispatcher, CoordinatorClient& client);

}  // namespace groupwire::gateway
