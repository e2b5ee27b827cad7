#include "admin/offset_reset.h"

#include <algorithm>

#include <fmt/format.h>

namespace groupwire::coordinator::admin {

namespace {

grpc::Status invalid(std::string message) {
  return {grpc::StatusCode::INVALID_ARGUMENT, std::move(message)};
}

std::string name(const TopicPartition& tp) {
  return fmt::format("{}-{}", tp.first, tp.second);
}

}  // namespace

grpc::Status plan_reset(const Offsets* committed, const apb::ResetOffsetsRequest& req,
                        std::vector<apb::OffsetChange>& changes) {
  using Target = apb::ResetOffsetsRequest::TargetCase;
  if (req.target_case() == Target::TARGET_NOT_SET) {
    return invalid("say where to: to_offset, to_earliest, to_latest or shift_by");
  }
  if (req.target_case() == Target::kToOffset && req.to_offset() < 0) {
    return invalid(fmt::format("to_offset {} is negative", req.to_offset()));
  }
  auto partitions = select_partitions(committed, req.partitions());
  if (partitions.empty()) {
    return invalid(fmt::format("no partitions to reset: group {} has no committed offsets{}",
                               req.group_id(),
                               req.partitions().empty() ? "; name the partitions" : " there"));
  }
  auto earliest = by_partition(req.earliest_offsets());
  auto latest = by_partition(req.latest_offsets());
  auto known = [](const auto& map, const TopicPartition& tp) -> const std::int64_t* {
    auto it = map.find(tp);
    return it == map.end() ? nullptr : &it->second;
  };
  for (const auto& tp : partitions) {
    std::int64_t previous = -1;
    if (committed != nullptr) {
      if (auto it = committed->find(tp); it != committed->end()) previous = it->second.offset;
    }
    const std::int64_t* low = known(earliest, tp);
    const std::int64_t* high = known(latest, tp);
    std::int64_t target = 0;
    switch (req.target_case()) {
      case Target::kToOffset:
        target = req.to_offset();
        break;
      case Target::kToEarliest:
        if (low == nullptr) return invalid("no earliest offset supplied for " + name(tp));
        target = *low;
        break;
      case Target::kToLatest:
        if (high == nullptr) return invalid("no latest offset supplied for " + name(tp));
        target = *high;
        break;
      case Target::kShiftBy:
        if (previous < 0) return invalid(name(tp) + " has no committed offset to shift");
        target = previous + req.shift_by();
        break;
      case Target::TARGET_NOT_SET:
        break;
    }
    if (low != nullptr) target = std::max(target, *low);
    if (high != nullptr) target = std::min(target, *high);
    apb::OffsetChange change;
    change.set_topic(tp.first);
    change.set_partition(tp.second);
    change.set_previous_offset(previous);
    change.set_new_offset(std::max<std::int64_t>(0, target));
    changes.push_back(std::move(change));
  }
  return grpc::Status::OK;
}

}  // namespace groupwire::coordinator::admin
