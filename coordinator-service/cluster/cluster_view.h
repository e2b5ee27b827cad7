// Who serves which group partition: for operators (the admin service's ClusterStatus) and for
// gateways (the Coordinator service's routing table).
#pragma once

#include <cstddef>
#include <cstdint>
#include <mutex>
#include <optional>
#include <string>

#include <grpcpp/grpcpp.h>

#include "groupwire/admin/v1/admin.pb.h"

namespace groupwire::coordinator {

namespace apb = groupwire::admin::v1;

class ClusterView {
 public:
  explicit ClusterView(std::string self) : self_(std::move(self)) {}
  virtual ~ClusterView() = default;
  // nullopt, and why, when it cannot be known now (the database does not answer).
  virtual std::optional<apb::ClusterStatusResponse> status(std::string& error) = 0;
  // Whether coordinators share the partitions (PostgreSQL), or one serves them all.
  virtual bool clustered() const = 0;
  // status() for an RPC: UNAVAILABLE, saying why, when the database does not answer.
  grpc::Status read(apb::ClusterStatusResponse& out);
  // Who serves `partition` now by status(): its advertised address, "" for nobody.
  grpc::Status owner_of(std::int32_t partition, std::string& owner);

  // This coordinator's advertised address, its name in the cluster.
  std::string self() const;
  // Once the port bound is known (the services may be answering already).
  void set_self(std::string advertise);

 private:
  mutable std::mutex mutex_;
  std::string self_;
};

// A coordinator alone (SQLite): it serves every partition.
class SoloClusterView final : public ClusterView {
 public:
  SoloClusterView(std::string advertise, std::size_t partitions)
      : ClusterView(std::move(advertise)), partitions_(partitions) {}
  std::optional<apb::ClusterStatusResponse> status(std::string& error) override;
  bool clustered() const override { return false; }

 private:
  std::size_t partitions_;
};

}  // namespace groupwire::coordinator
