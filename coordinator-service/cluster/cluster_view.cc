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
  me->set_advertise(self());
  for (std::size_t p = 0; p < partitions_; ++p) {
    auto* owned = me->add_partitions();
    owned->set_partition(static_cast<std::int32_t>(p));
    owned->set_epoch(0);
  }
  return out;
}

grpc::Status ClusterView::owner_of(std::int32_t partition, std::string& owner) {
  apb::ClusterStatusResponse now;
  if (auto read_status = read(now); !read_status.ok()) return read_status;
  owner.clear();
  for (const auto& c : now.coordinators()) {
    for (const auto& p : c.partitions()) {
      if (p.partition() == partition) owner = c.advertise();
    }
  }
  return grpc::Status::OK;
}

std::string ClusterView::self() const {
  std::lock_guard lock(mutex_);
  return self_;
}

void ClusterView::set_self(std::string advertise) {
  std::lock_guard lock(mutex_);
  self_ = std::move(advertise);
}

}  // namespace groupwire::coordinator
