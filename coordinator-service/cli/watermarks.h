// End offsets read from a Kafka cluster (a gateway, or any Kafka bootstrap) with librdkafka:
// what lag and --to-earliest / --to-latest need, and what the coordinator cannot know.
#pragma once

#include <chrono>
#include <map>
#include <optional>
#include <set>
#include <string>

#include "group/committed_offset.h"

namespace groupwire::cli {

using coordinator::TopicPartition;

struct Watermarks {
  std::map<TopicPartition, std::int64_t> earliest;  // log start offsets
  std::map<TopicPartition, std::int64_t> latest;    // high watermarks
};

// nullopt (with `error` set) when any partition cannot be read in time.
std::optional<Watermarks> read_watermarks(const std::string& bootstrap,
                                          const std::set<TopicPartition>& partitions,
                                          std::chrono::milliseconds timeout, std::string& error);

}  // namespace groupwire::cli
