// The lag of the groups this coordinator serves, sampled every interval: their committed offsets
// (read on each partition's thread) against the end offsets a Kafka bootstrap reports. It feeds
// the admin API's group summaries (so the CLI and the console list it) and the
// groupwire_group_lag gauge. In a cluster each coordinator samples only its own groups, so a
// group's lag is reported once.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

#include "lag/partition_lag.h"
#include "lag/watermarks.h"
#include "metrics/metrics.h"
#include "server/partitions.h"

namespace groupwire::coordinator::lag {

class LagSampler {
 public:
  // Samples from start() until destroyed, the first time at once.
  LagSampler(Partitions& partitions, std::unique_ptr<WatermarkReader> reader,
             std::chrono::milliseconds interval, metrics::Registry& registry);
  ~LagSampler();
  LagSampler(const LagSampler&) = delete;
  LagSampler& operator=(const LagSampler&) = delete;

  void start();
  // The group's lag at the last sample (the sum over its committed partitions); none when the
  // group had no committed offsets or their end offsets could not be read.
  std::optional<std::int64_t> lag_of(const std::string& group_id) const;

 private:
  using Committed = std::map<std::string, std::map<TopicPartition, std::int64_t>>;
  Committed committed_offsets();
  void sample();

  Partitions& partitions_;
  std::unique_ptr<WatermarkReader> reader_;
  std::chrono::milliseconds interval_;
  metrics::Family<metrics::Gauge>& gauge_;
  mutable std::mutex mu_;
  std::condition_variable wake_;
  bool stopping_ = false;
  std::map<std::string, std::int64_t> lags_;
  bool failing_ = false;  // the sampler's thread only
  std::thread thread_;
};

}  // namespace groupwire::coordinator::lag
