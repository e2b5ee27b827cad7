// Where the admin service learns who serves which group partition.
#pragma once

#include <cstddef>
#include <mutex>
#include <optional>
#include <string>

#include "groupwire/admin/v1/admin.pb.h"

namespace groupwire::coordinator::admin {

namespace apb = groupwire::admin::v1;

class ClusterView {
 public:
  virtual ~ClusterView() = default;
  // nullopt, and why, when it cannot be known now (the database does not answer).
  virtual std::optional<apb::ClusterStatusResponse> status(std::string& error) = 0;
};

// A coordinator alone (SQLite): it serves every partition.
class SoloClusterView final : public ClusterView {
 public:
  SoloClusterView(std::string advertise, std::size_t partitions)
      : advertise_(std::move(advertise)), partitions_(partitions) {}
  std::optional<apb::ClusterStatusResponse> status(std::string& error) override;
  // Once the port bound is known (the service may be answering already).
  void set_advertise(std::string advertise);

 private:
  std::mutex mutex_;
  std::string advertise_;
  std::size_t partitions_;
};

}  // namespace groupwire::coordinator::admin
