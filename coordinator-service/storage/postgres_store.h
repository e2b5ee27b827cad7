// The store shared by a cluster of coordinators: a PostgreSQL database (or one that speaks its
// protocol and SQL), reached with libpq. Each group commit is one transaction, its statements
// pipelined; the server's commit (synchronous_commit) is what makes a write durable.
#pragma once

#include <cstddef>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "storage/group_store.h"

struct pg_conn;

namespace groupwire::coordinator {

class PostgresStore final : public GroupStore {
 public:
  struct Options {
    std::string conninfo;  // a libpq connection string or postgres:// URI
    // Fixed per database: every coordinator sharing it must agree, since a group's partition is
    // stored with it.
    std::size_t group_partitions = 50;
    // false: the server acknowledges commits before they reach its disk (benchmark baseline)
    bool synchronous_commit = true;
    OnWrite on_write{};
    OnFailed on_failed{};
    // Told how many batches were refused by fencing, on the writer thread.
    std::function<void(std::size_t batches)> on_fenced{};
  };

  // Connects, brings the schema up to date and checks the partition count. On failure: nullptr
  // and a message naming the server (never its password) and the problem.
  static std::unique_ptr<PostgresStore> open(const Options& options, std::string& error);
  ~PostgresStore() override;  // stop()

  std::optional<StoredGroups> load(std::string& error) override;

  // "postgres host:port/dbname"
  std::string location() const override { return "postgres " + server_; }

  static constexpr int kSchemaVersion = 2;

 private:
  struct Connection;
  struct Outcome;

  PostgresStore(std::unique_ptr<Connection> conn, Options options);
  std::size_t write(const std::vector<WriteBatch>& batches,
                    std::vector<v1::ErrorCode>& outcomes) override;
  // One transaction of `batches`, fenced by their leases.
  Outcome commit(const std::vector<const WriteBatch*>& batches);

  std::unique_ptr<Connection> conn_;
  std::string server_;
  std::size_t group_partitions_;
  std::function<void(std::size_t)> on_fenced_;
};

}  // namespace groupwire::coordinator
