#include "cluster/lease_cluster_view.h"

#include <map>

namespace groupwire::coordinator {

std::optional<apb::ClusterStatusResponse> LeaseClusterView::status(std::string& error) {
  std::lock_guard lock(mutex_);
  auto live = table_->live(error);
  if (!live) return std::nullopt;
  auto leases = table_->partitions(error);
  if (!leases) return std::nullopt;
  apb::ClusterStatusResponse out;
  out.set_group_partitions(static_cast<std::int32_t>(partitions_));
  // By id, which is the advertised address; an owner whose own liveness has lapsed while its
  // lease has not is still listed, with what it holds.
  std::map<std::string, apb::ClusterCoordinator> coordinators;
  for (const auto& id : *live) coordinators[id].set_advertise(id);
  for (const auto& p : *leases) {
    if (!p.owner || p.expired) {
      out.add_unowned(p.partition);
      continue;
    }
    auto& c = coordinators[*p.owner];
    c.set_advertise(*p.owner);
    auto* owned = c.add_partitions();
    owned->set_partition(p.partition);
    owned->set_epoch(p.epoch);
  }
  for (auto& [id, c] : coordinators) *out.add_coordinators() = std::move(c);
  return out;
}

}  // namespace groupwire::coordinator
