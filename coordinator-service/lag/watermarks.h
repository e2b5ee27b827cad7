// End offsets read from a Kafka cluster (a gateway, or any Kafka bootstrap) with librdkafka:
// what lag and --to-earliest / --to-latest need, and what the coordinator's groups alone cannot
// tell. The CLI and the coordinator's lag sampler read them the same way, so they agree.
#pragma once

#include <chrono>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>

#include "group/committed_offset.h"

namespace groupwire::coordinator::lag {

struct Watermarks {
  std::map<TopicPartition, std::int64_t> earliest;  // log start offsets
  std::map<TopicPartition, std::int64_t> latest;    // high watermarks
};

// One client of the Kafka cluster, kept between reads (its connections stay open).
class WatermarkReader {
 public:
  // nullptr (with `error` set) when the configuration is refused; the cluster is reached lazily.
  static std::unique_ptr<WatermarkReader> open(const std::string& bootstrap,
                                               const std::string& client_id, std::string& error);
  ~WatermarkReader();
  WatermarkReader(const WatermarkReader&) = delete;
  WatermarkReader& operator=(const WatermarkReader&) = delete;

  // The watermarks of the partitions that exist; a partition the cluster does not have (its
  // topic deleted, or fewer partitions now) is left out, as it has no end. nullopt (with `error`
  // set) when the cluster cannot answer in time.
  std::optional<Watermarks> read(const std::set<TopicPartition>& partitions,
                                 std::chrono::milliseconds timeout, std::string& error);

 private:
  struct Client;
  WatermarkReader(std::unique_ptr<Client> client, std::string bootstrap);
  std::unique_ptr<Client> client_;
  std::string bootstrap_;
};

}  // namespace groupwire::coordinator::lag
