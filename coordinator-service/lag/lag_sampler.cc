#include "lag/lag_sampler.h"

#include <set>
#include <utility>
#include <vector>

#include <spdlog/spdlog.h>

#include "group/group_partition.h"
#include "server/read_partitions.h"

namespace groupwire::coordinator::lag {

namespace {

// How long one sample may wait for the partitions and for the end offsets.
constexpr std::chrono::seconds kReadTimeout{5};

}  // namespace

LagSampler::LagSampler(Partitions& partitions, std::unique_ptr<WatermarkReader> reader,
                       std::chrono::milliseconds interval, metrics::Registry& registry)
    : partitions_(partitions),
      reader_(std::move(reader)),
      interval_(interval),
      gauge_(registry.gauge("groupwire_group_lag",
                            "Records a group has not committed yet: the sum over its committed "
                            "partitions of end offset - committed offset (with --lag-bootstrap).",
                            {"group"})) {}

LagSampler::~LagSampler() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void LagSampler::start() {
  thread_ = std::thread([this] {
    std::unique_lock lock(mu_);
    while (!stopping_) {
      lock.unlock();
      sample();
      lock.lock();
      wake_.wait_for(lock, interval_, [this] { return stopping_; });
    }
  });
}

std::optional<std::int64_t> LagSampler::lag_of(const std::string& group_id) const {
  std::lock_guard lock(mu_);
  auto it = lags_.find(group_id);
  if (it == lags_.end()) return std::nullopt;
  return it->second;
}

LagSampler::Committed LagSampler::committed_offsets() {
  auto read = read_partitions(
      partitions_,
      [](GroupPartition& g) {
        Committed out;
        auto take = [&](const auto& groups) {
          for (const auto& [id, group] : groups) {
            const auto* committed = g.committed_offsets(id);
            if (committed == nullptr) continue;
            auto& offsets = out[id];
            for (const auto& [tp, c] : *committed) offsets[tp] = c.offset;
          }
        };
        take(g.groups());
        take(g.consumer_groups());
        return out;
      },
      kReadTimeout);
  Committed all;
  if (read) {
    for (auto& partition : *read) all.merge(partition);
  }
  return all;
}

void LagSampler::sample() {
  Committed committed = committed_offsets();
  std::set<TopicPartition> partitions;
  for (const auto& [group, offsets] : committed) {
    for (const auto& [tp, offset] : offsets) partitions.insert(tp);
  }
  std::string error;
  auto ends = reader_->read(partitions, kReadTimeout, error);
  // Said once when sampling starts failing and once when it works again, not every interval.
  if (!ends) {
    if (!failing_) spdlog::warn("group lag not sampled (kept from the last sample): {}", error);
    failing_ = true;
    return;
  }
  if (std::exchange(failing_, false)) spdlog::info("group lag sampled again");
  std::map<std::string, std::int64_t> lags;
  for (const auto& [group, offsets] : committed) {
    std::optional<std::int64_t> sum;
    for (const auto& [tp, offset] : offsets) {
      auto end = ends->latest.find(tp);
      if (end == ends->latest.end()) continue;  // the partition is gone
      if (auto lag = partition_lag(end->second, offset)) sum = sum.value_or(0) + *lag;
    }
    if (sum) lags[group] = *sum;
  }
  for (const auto& [group, lag] : lags) gauge_.with({group}).set(static_cast<double>(lag));
  gauge_.erase_unless([&lags](const metrics::LabelValues& v) { return lags.count(v.at(0)) > 0; });
  std::lock_guard lock(mu_);
  lags_ = std::move(lags);
}

}  // namespace groupwire::coordinator::lag
