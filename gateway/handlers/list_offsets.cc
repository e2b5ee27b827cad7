#include "handlers/list_offsets.h"

#include "kafka/error_code.h"

namespace groupwire::gateway {

using kafka::ListOffsetsRequest;
using kafka::ListOffsetsResponse;

namespace {

constexpr std::int64_t kLatest = -1;
constexpr std::int64_t kEarliest = -2;

ListOffsetsResponse::Partition answer(const TopicCatalog& catalog, const std::string& topic,
                                      const ListOffsetsRequest::Partition& p,
                                      kafka::ApiVersion version) {
  ListOffsetsResponse::Partition out;
  out.partition_index = p.partition_index;
  auto count = catalog.partitions(topic);
  if (!count || p.partition_index < 0 || p.partition_index >= *count) {
    out.error_code = kafka::to_wire(kafka::ErrorCode::UNKNOWN_TOPIC_OR_PARTITION);
    return out;  // timestamp, offset and leader_epoch keep their defaults: -1
  }
  if (version == 0) {
    // v0 lists segment offsets: an empty log has one segment, based at 0.
    if (p.max_num_offsets > 0) out.old_style_offsets = {0};
    return out;
  }
  if (p.timestamp == kLatest || p.timestamp == kEarliest) {
    // Log end and log start of an empty log are both 0, in the leader's first epoch (0, as
    // Metadata reports).
    out.offset = 0;
    out.leader_epoch = 0;
  }
  // A time query finds no record at or after that time: Kafka answers NONE with offset and
  // timestamp -1, which are already the defaults.
  return out;
}

}  // namespace

void add_list_offsets_handler(Dispatcher& dispatcher, SharedTopicCatalog catalog) {
  dispatcher.add<ListOffsetsRequest, ListOffsetsResponse>(
      [catalog = std::move(catalog)](const RequestContext& ctx, ListOffsetsRequest req,
                                     Respond<ListOffsetsResponse> respond) {
        ListOffsetsResponse resp;
        for (const auto& t : req.topics) {
          ListOffsetsResponse::Topic& out = resp.topics.emplace_back();
          out.name = t.name;
          for (const auto& p : t.partitions) {
            out.partitions.push_back(answer(*catalog, t.name, p, ctx.header.api_version));
          }
        }
        respond(std::move(resp));
      });
}

}  // namespace groupwire::gateway
