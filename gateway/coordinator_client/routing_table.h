// Which coordinator serves each group partition, and where the gateway learns it: any
// coordinator named by --coordinator answers with the table of the whole cluster (a coordinator
// alone serves every partition).
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <grpcpp/grpcpp.h>

#include "coordinator_client/completion_thread.h"
#include "groupwire/coordinator/v1/coordinator.grpc.pb.h"
#include "host_port.h"

namespace groupwire::gateway {

namespace pb = groupwire::coordinator::v1;

struct RoutingTable {
  std::size_t group_partitions = 0;
  std::vector<std::optional<HostPort>> owners;  // by partition; nullopt: none now
  // The coordinators serve the consumer group protocol (KIP-848) besides the classic one; a
  // coordinator that names no protocols predates it.
  bool consumer_protocol = false;

  // The table a coordinator answered `asked` with, or nullopt and why it is unusable.
  static std::optional<RoutingTable> from(const pb::RoutingTable& answer, const HostPort& asked,
                                          std::string& error);
  // Kafka's partitionFor, as the coordinators place groups.
  std::size_t partition_of(std::string_view group_id) const;
};

class RoutingTableSource {
 public:
  using Fetched = std::function<void(std::optional<RoutingTable>, const std::string& error)>;

  // Each name is a channel balancing over the addresses it resolves to (a Kubernetes headless
  // service names every coordinator); a fetch tries the names in turn.
  // `credentials`: plaintext, or TLS (--coordinator-tls-*). Fetches complete on `completions`,
  // which must outlive this.
  RoutingTableSource(
      std::vector<HostPort> coordinators, std::chrono::milliseconds timeout,
      CompletionThread& completions,
      std::shared_ptr<grpc::ChannelCredentials> credentials = grpc::InsecureChannelCredentials());
  // Cancels the fetches in flight and waits for their callbacks.
  ~RoutingTableSource();
  RoutingTableSource(const RoutingTableSource&) = delete;
  RoutingTableSource& operator=(const RoutingTableSource&) = delete;

  // `done` runs once, on the completion thread, with the first table a coordinator gives, or with
  // why none did.
  void fetch(Fetched done);
  // "HOST:PORT,HOST:PORT" as given, for messages.
  std::string names() const;

 private:
  struct Fetch;
  void ask(std::shared_ptr<Fetch> fetch);
  void answered(std::shared_ptr<Fetch> fetch, std::size_t index, const grpc::Status& status);

  std::vector<HostPort> coordinators_;
  std::chrono::milliseconds timeout_;
  std::vector<std::unique_ptr<pb::Coordinator::Stub>> stubs_;

  std::mutex mu_;
  std::condition_variable idle_;
  std::vector<grpc::ClientContext*> in_flight_;
  std::size_t running_ = 0;  // callbacks not yet returned
  bool stopping_ = false;
  std::size_t first_ = 0;  // the name that answered last: asked first next time
  CompletionThread& completions_;
};

}  // namespace groupwire::gateway
