// The admin service's view of a cluster on PostgreSQL: the live coordinators and the current
// leases, read from the database on each call (a connection of its own, one call at a time).
#pragma once

#include <memory>
#include <mutex>

#include "cluster/cluster_view.h"
#include "storage/lease_table.h"

namespace groupwire::coordinator {

class LeaseClusterView final : public ClusterView {
 public:
  LeaseClusterView(std::string self, std::unique_ptr<LeaseTable> table, std::size_t partitions)
      : ClusterView(std::move(self)), table_(std::move(table)), partitions_(partitions) {}
  std::optional<apb::ClusterStatusResponse> status(std::string& error) override;
  bool clustered() const override { return true; }

 private:
  std::mutex mutex_;
  std::unique_ptr<LeaseTable> table_;
  std::size_t partitions_;
};

}  // namespace groupwire::coordinator
