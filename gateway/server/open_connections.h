// The connections a listener has open: the count --max-connections limits, and the set a
// graceful shutdown drains. Connections run on their own strands, so this is locked.
#pragma once

#include <cstddef>
#include <functional>
#include <memory>
#include <mutex>
#include <unordered_map>

namespace groupwire::gateway {

class Connection;

class OpenConnections {
 public:
  std::size_t count() const;

  void add(const std::shared_ptr<Connection>& connection);
  void remove(const Connection* connection);  // once closed; again is harmless

  // Asks every open connection to finish what is in flight and close; `drained` runs once,
  // on whichever thread closes the last of them (at once if none is open).
  void drain(std::function<void()> drained);

 private:
  mutable std::mutex mu_;
  std::unordered_map<const Connection*, std::weak_ptr<Connection>> open_;
  std::function<void()> drained_;
};

}  // namespace groupwire::gateway
