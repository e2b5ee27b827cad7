#include "console/console_api.h"

#include <chrono>
#include <set>

#include <nlohmann/json.hpp>

#include "console/json.h"

namespace groupwire::coordinator::console {

namespace {

using nlohmann::json;

// Events of one group a page shows at most.
constexpr std::size_t kGroupEvents = 500;
constexpr auto kEndOffsetsTimeout = std::chrono::seconds(5);

http::Response json_response(int status, const json& body) {
  return {status, "application/json", body.dump(), {{"Cache-Control", "no-store"}}};
}

http::Response failed(const grpc::Status& status) {
  int code = status.error_code() == grpc::StatusCode::NOT_FOUND          ? 404
             : status.error_code() == grpc::StatusCode::INVALID_ARGUMENT ? 400
                                                                         : 503;
  return json_response(code, {{"error", status.error_message()}});
}

json parsed(const google::protobuf::Message& message) {
  return json::parse(to_json(message));
}

}  // namespace

ConsoleApi::ConsoleApi(AdminClient& admin, EventFeed& feed,
                       std::unique_ptr<lag::WatermarkReader> end_offsets)
    : admin_(admin), feed_(feed), end_offsets_(std::move(end_offsets)) {}

http::Response ConsoleApi::groups() {
  apb::ListGroupsResponse list;
  if (auto status = admin_.list_groups(list); !status.ok()) return failed(status);
  auto rebalances = feed_.rebalances_last_hour();
  json out = parsed(list);
  for (auto& g : out["groups"]) {
    auto it = rebalances.find(g["group_id"].get<std::string>());
    g["rebalances_last_hour"] = it == rebalances.end() ? 0 : it->second;
  }
  out.erase("next_page_token");
  out["lag_known"] = end_offsets_ != nullptr;
  out["events_since_ms"] = std::to_string(feed_.since_ms());
  return json_response(200, out);
}

http::Response ConsoleApi::group(const std::string& group_id) {
  if (group_id.empty()) return json_response(400, {{"error", "?id= names the group"}});
  apb::DescribeGroupResponse described;
  if (auto status = admin_.describe_group(group_id, described); !status.ok()) {
    return failed(status);
  }
  apb::GetOffsetsRequest req;
  req.set_group_id(group_id);
  apb::GetOffsetsResponse offsets;
  if (auto status = admin_.get_offsets(req, offsets); !status.ok()) return failed(status);
  json out;
  if (end_offsets_) {
    // As `groupwire offsets show --bootstrap`: the committed partitions' high watermarks go
    // with a second call, and the admin API works out the lag.
    std::set<TopicPartition> partitions;
    for (const auto& o : offsets.offsets()) partitions.insert({o.topic(), o.partition()});
    std::string error;
    if (auto ends = end_offsets_->read(partitions, kEndOffsetsTimeout, error)) {
      for (const auto& [tp, end] : ends->latest) {
        auto* e = req.add_end_offsets();
        e->set_topic(tp.first);
        e->set_partition(tp.second);
        e->set_offset(end);
      }
      apb::GetOffsetsResponse with_lag;
      if (auto status = admin_.get_offsets(req, with_lag); !status.ok()) return failed(status);
      offsets = std::move(with_lag);
    } else {
      out["offsets_error"] = error;
    }
  }
  out["group"] = parsed(described);
  out["offsets"] = parsed(offsets);
  json events = json::array();
  for (const auto& e : feed_.recent(group_id, kGroupEvents)) events.push_back(parsed(e));
  out["events"] = std::move(events);
  out["now_ms"] = std::to_string(std::chrono::duration_cast<std::chrono::milliseconds>(
                                     std::chrono::system_clock::now().time_since_epoch())
                                     .count());
  return json_response(200, out);
}

http::Response ConsoleApi::cluster() {
  apb::ClusterStatusResponse status_out;
  if (auto status = admin_.cluster_status(status_out); !status.ok()) return failed(status);
  return json_response(200, parsed(status_out));
}

}  // namespace groupwire::coordinator::console
