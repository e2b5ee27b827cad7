#include "cluster/cluster_view.h"

namespace groupwire::coordinator {

grpc::Status ClusterView::read(apb::ClusterStatusResponse& out) {
  std::string error;
  auto current = status(error);
  if (!current) {
    return grpc::Status(grpc::StatusCode::UNAVAILABLE,
                        "the cluster's database does not answer: " + error);
  }
  out = std::move(*current);
  return grpc::Status::OK;
}

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

}  // namespace groupwire::coordinator
