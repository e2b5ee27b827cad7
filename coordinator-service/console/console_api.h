// The console's JSON API (GET /api/groups, /api/group?id=, /api/cluster): admin API answers
// rendered as JSON, with what the console adds from the event stream it watches (rebalances in
// the last hour, a group's recent events) and, for one group, end offsets read as the CLI's
// `offsets show --bootstrap` reads them, so both show the same lag.
#pragma once

#include <memory>
#include <string>

#include "console/admin_client.h"
#include "console/event_feed.h"
#include "http/http_server.h"
#include "lag/watermarks.h"

namespace groupwire::coordinator::console {

class ConsoleApi {
 public:
  // `end_offsets`: null when no Kafka bootstrap is configured (lag is then not shown).
  ConsoleApi(AdminClient& admin, EventFeed& feed,
             std::unique_ptr<lag::WatermarkReader> end_offsets);

  http::Response groups();
  http::Response group(const std::string& group_id);
  http::Response cluster();

 private:
  AdminClient& admin_;
  EventFeed& feed_;
  std::unique_ptr<lag::WatermarkReader> end_offsets_;
};

}  // namespace groupwire::coordinator::console
