#include "admin/cluster_view.h"

namespace groupwire::coordinator::admin {

std::optional<apb::ClusterStatusResponse> SoloClusterView::status(std::string&) {
  apb::ClusterStatusResponse out;
  out.set_group_partitions(static_cast<std::int32_t>(partitions_));
  auto* me = out.add_coordinators();
  {
    std::lock_guard lock(mutex_);
    me->set_advertise(advertise_);
  }
  for (std::size_t p = 0; p < partitions_; ++p) {
    auto* owned = me->add_partitions();
    owned->set_partition(static_cast<std::int32_t>(p));
    owned->set_epoch(0);
  }
  return out;
}

void SoloClusterView::set_advertise(std::string advertise) {
  std::lock_guard lock(mutex_);
  advertise_ = std::move(advertise);
}

}  // namespace groupwire::coordinator::admin
