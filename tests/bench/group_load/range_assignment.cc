#include "group_load/range_assignment.h"

#include <algorithm>
#include <numeric>

#include "kafka/codec/messages/consumer_protocol.h"

namespace groupwire::bench {

std::vector<kafka::SyncGroupRequest::Assignment> range_assignment(
    const std::vector<std::string>& member_ids, const std::string& topic, std::int32_t partitions) {
  std::vector<std::size_t> order(member_ids.size());
  std::iota(order.begin(), order.end(), 0);
  std::sort(order.begin(), order.end(),
            [&](std::size_t a, std::size_t b) { return member_ids[a] < member_ids[b]; });
  const auto n = static_cast<std::int32_t>(member_ids.size());
  std::vector<kafka::SyncGroupRequest::Assignment> out(member_ids.size());
  std::int32_t next = 0;
  for (std::int32_t rank = 0; rank < n; ++rank) {
    std::int32_t count = partitions / n + (rank < partitions % n ? 1 : 0);
    kafka::ConsumerProtocolAssignment assignment;
    if (count > 0) {
      auto& range = assignment.assigned_partitions.emplace_back();
      range.topic = topic;
      range.partitions.resize(static_cast<std::size_t>(count));
      std::iota(range.partitions.begin(), range.partitions.end(), next);
      next += count;
    }
    auto i = order[static_cast<std::size_t>(rank)];
    out[i] = {member_ids[i], kafka::Bytes{kafka::encode_consumer_protocol(assignment, 0)}};
  }
  return out;
}

std::vector<std::int32_t> assigned_partitions(const kafka::Bytes& assignment,
                                              const std::string& topic) {
  kafka::ConsumerProtocolAssignment decoded;
  std::vector<std::int32_t> out;
  if (!kafka::decode_consumer_protocol(assignment.data, decoded)) return out;
  for (const auto& t : decoded.assigned_partitions) {
    if (t.topic == topic) out.insert(out.end(), t.partitions.begin(), t.partitions.end());
  }
  std::sort(out.begin(), out.end());
  return out;
}

}  // namespace groupwire::bench
