#include "handlers/group_handlers.h"

namespace groupwire::gateway {

void add_group_handlers(Dispatcher& dispatcher, CoordinatorClient& client,
                        SharedTopicCatalog catalog, GroupPlacement placement) {
  std::shared_ptr<const TopicCatalog> shared_catalog = std::move(catalog);
  add_join_group_handler(dispatcher, client);
  add_sync_group_handler(dispatcher, client);
  add_heartbeat_handler(dispatcher, client);
  add_leave_group_handler(dispatcher, client);
  add_offset_commit_handler(dispatcher, client, shared_catalog);
  add_offset_fetch_handler(dispatcher, client);
  add_describe_groups_handler(dispatcher, client);
  add_list_groups_handler(dispatcher, client, std::move(placement));
  add_delete_groups_handler(dispatcher, client);
  add_offset_delete_handler(dispatcher, client, shared_catalog);
  add_consumer_group_heartbeat_handler(dispatcher, client, shared_catalog);
  add_consumer_group_describe_handler(dispatcher, client);
}

}  // namespace groupwire::gateway
