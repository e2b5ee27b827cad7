// What the gateway learns from the upstream Kafka-compatible cluster: the APIs and versions it
// serves, its brokers and its topics. Asked on blocking sockets at start-up and by a background
// refresher, never on a client's request path.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "handlers/topic_catalog.h"
#include "host_port.h"
#include "kafka/codec/messages/api_versions.h"
#include "upstream/upstream_login.h"

namespace groupwire::gateway {

struct UpstreamInfo {
  // The APIs and versions the upstream serves, less versions it answers malformed.
  std::vector<kafka::ApiVersionsResponse::ApiVersion> apis;
  kafka::ApiVersion metadata_version = 0;  // the newest Metadata both sides speak
  std::map<std::int32_t, HostPort> brokers;
  TopicCatalog::Topics topics;

  std::optional<kafka::Versions> versions(std::int16_t api_key) const;
};

// Asks each address in turn until one answers ApiVersions and Metadata; empty on failure, with
// the last error in `error` and `refused`, when given, set if the upstream refused the
// gateway's login.
std::optional<UpstreamInfo> discover_upstream(const std::vector<HostPort>& addresses,
                                              const UpstreamSecurity& security,
                                              std::chrono::milliseconds timeout, std::string& error,
                                              bool* refused = nullptr);

// Keeps a TopicCatalog in step with the upstream's topics, from its own thread.
class UpstreamRefresher {
 public:
  UpstreamRefresher(std::vector<HostPort> addresses, UpstreamSecurity security,
                    std::chrono::milliseconds interval, std::chrono::milliseconds timeout,
                    SharedTopicCatalog catalog);
  ~UpstreamRefresher();

 private:
  void run();

  std::vector<HostPort> addresses_;
  UpstreamSecurity security_;
  std::chrono::milliseconds interval_;
  std::chrono::milliseconds timeout_;
  SharedTopicCatalog catalog_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool stop_ = false;
  std::thread thread_;
};

}  // namespace groupwire::gateway
