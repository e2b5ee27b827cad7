// The cluster's shared state in PostgreSQL: which coordinators are live, and which holds each
// group partition's lease (owner, epoch, expiry). Every expiry is measured on the database's
// clock, never on a coordinator's. Blocking calls on a connection of its own, for the lease
// manager's thread: lease work never queues behind group commits.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "storage/postgres_wire.h"
#include "storage/records.h"

namespace groupwire::coordinator {

class LeaseTable {
 public:
  struct Partition {
    std::int32_t partition = 0;
    std::optional<std::string> owner;  // none: released, or never taken
    std::int64_t epoch = 0;
    bool expired = false;
  };
  // `id` names this coordinator in the leases: the HOST:PORT it advertises to gateways, which is
  // unique among live coordinators. `lease` is how long a renewal holds them.
  static std::unique_ptr<LeaseTable> open(const std::string& conninfo, std::string id,
                                          std::chrono::milliseconds lease, std::string& error);
  ~LeaseTable();
  LeaseTable(const LeaseTable&) = delete;
  LeaseTable& operator=(const LeaseTable&) = delete;

  const std::string& id() const { return id_; }

  // Marks this coordinator live and extends every lease it holds, in one transaction; the
  // leases it holds, as the database has them. nullopt (and why) if the database did not answer.
  std::optional<std::vector<PartitionLease>> renew(std::string& error);
  // The ids of the live coordinators, in order.
  std::optional<std::vector<std::string>> live(std::string& error);
  std::optional<std::vector<Partition>> partitions(std::string& error);
  // Takes a partition that is free, expired or already this coordinator's (a restart under the
  // same id), with the next epoch; nullopt if another holds it or the database did not answer.
  std::optional<PartitionLease> acquire(std::int32_t partition, std::string& error);
  // Gives the lease up so the next owner need not wait for it to expire.
  bool release(const PartitionLease& lease, std::string& error);
  std::optional<StoredGroups> load(std::int32_t partition, std::string& error);
  // No longer live (a clean shutdown): the others rebalance at once.
  void leave();

 private:
  LeaseTable(PGconn* pg, std::string id, std::chrono::milliseconds lease);
  // Reconnects if the connection broke; false (and why) if it cannot.
  bool connected(std::string& error);
  // One statement's result, text parameters and values; nullopt and why if it failed.
  std::optional<pg::Result> query(const char* sql, const std::vector<std::string>& params,
                                  std::string& error);

  PGconn* pg_;
  std::string id_;
  std::chrono::milliseconds lease_;
};

}  // namespace groupwire::coordinator
