#include "handlers/fetch.h"

#include <algorithm>
#include <memory>

#include <boost/asio/steady_timer.hpp>

#include "kafka/error_code.h"

namespace groupwire::gateway {

using kafka::FetchRequest;
using kafka::FetchResponse;

FetchResponse::Partition fetch_error(std::int32_t partition, kafka::ErrorCode error) {
  FetchResponse::Partition out;
  out.partition_index = partition;
  out.error_code = kafka::to_wire(error);
  // Kafka's error partition: no high watermark; last stable and log start offsets keep -1.
  out.high_watermark = -1;
  // Empty but not null records: some clients treat null records as a malformed response.
  out.records = kafka::Bytes{};
  return out;
}

namespace {

// Fills the answer for one requested partition; returns false for an unknown one.
bool answer(const std::optional<std::string>& topic, std::int32_t partition,
            kafka::ApiVersion version, const TopicCatalog& catalog, FetchResponse::Partition& out) {
  auto count = topic ? catalog.partitions(*topic) : std::nullopt;
  if (!count || partition < 0 || partition >= *count) {
    out =
        fetch_error(partition, topic || version < 13 ? kafka::ErrorCode::UNKNOWN_TOPIC_OR_PARTITION
                                                     : kafka::ErrorCode::UNKNOWN_TOPIC_ID);
    return false;
  }
  out.partition_index = partition;
  out.records = kafka::Bytes{};
  out.high_watermark = 0;
  out.last_stable_offset = 0;
  out.log_start_offset = 0;
  return true;
}

}  // namespace

void add_fetch_handler(Dispatcher& dispatcher, SharedTopicCatalog catalog,
                       boost::asio::any_io_executor executor,
                       std::chrono::milliseconds max_wait_cap) {
  dispatcher.add<FetchRequest, FetchResponse>(
      [catalog = std::move(catalog), executor = std::move(executor), max_wait_cap](
          const RequestContext& ctx, FetchRequest req, Respond<FetchResponse> respond) {
        kafka::ApiVersion version = ctx.header.api_version;
        FetchResponse resp;
        // Sessions (v7+) are not supported: session id 0 is Kafka's "no session created"
        // answer, after which clients keep sending full fetch requests.
        resp.session_id = 0;
        bool any_partition = false;
        bool any_error = false;
        for (const auto& t : req.topics) {
          FetchResponse::Topic& out = resp.responses.emplace_back();
          out.topic = t.topic;
          out.topic_id = t.topic_id;
          // v13+ names topics by id only.
          auto name = version >= 13 ? catalog->name(t.topic_id) : t.topic;
          for (const auto& p : t.partitions) {
            any_partition = true;
            if (!answer(name, p.partition, version, *catalog, out.partitions.emplace_back())) {
              any_error = true;
            }
          }
        }
        // Kafka answers at once when the request cannot wait (no wait, no minimum, nothing to
        // fetch) or a partition failed; otherwise it waits for min_bytes, which never arrive.
        bool wait = req.max_wait_ms > 0 && req.min_bytes > 0 && any_partition && !any_error;
        if (!wait) {
          respond(std::move(resp));
          return;
        }
        auto delay = std::min(std::chrono::milliseconds(req.max_wait_ms), max_wait_cap);
        // A timer rather than a blocked thread: the connection's later answers wait behind
        // this one anyway (response order), but other connections are unaffected.
        auto timer = std::make_shared<boost::asio::steady_timer>(
            ctx.session ? ctx.session->executor() : executor, delay);
        timer->async_wait([timer, respond = std::move(respond),
                           resp = std::move(resp)](const boost::system::error_code&) mutable {
          respond(std::move(resp));
        });
      });
}

}  // namespace groupwire::gateway
