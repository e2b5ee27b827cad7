#include "server/open_connections.h"

#include <utility>
#include <vector>

#include "server/connection.h"

namespace groupwire::gateway {

std::size_t OpenConnections::count() const {
  std::lock_guard lock(mu_);
  return open_.size();
}

void OpenConnections::add(const std::shared_ptr<Connection>& connection) {
  std::lock_guard lock(mu_);
  open_.emplace(connection.get(), connection);
}

void OpenConnections::remove(const Connection* connection) {
  std::function<void()> drained;
  {
    std::lock_guard lock(mu_);
    if (open_.erase(connection) == 0) return;
    if (open_.empty()) drained = std::exchange(drained_, nullptr);
  }
  if (drained) drained();
}

void OpenConnections::drain(std::function<void()> drained) {
  std::vector<std::shared_ptr<Connection>> open;
  {
    std::lock_guard lock(mu_);
    if (!open_.empty()) {
      for (const auto& [key, weak] : open_) {
        if (auto c = weak.lock()) open.push_back(std::move(c));
      }
      drained_ = std::exchange(drained, nullptr);
    }
  }
  if (drained) drained();  // nothing was open
  for (const auto& c : open) c->drain();
}

}  // namespace groupwire::gateway
