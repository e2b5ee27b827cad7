#include "storage/lease_table.h"

#include <fmt/format.h>

#include "storage/postgres_wire.h"

namespace groupwire::coordinator {

using namespace pg;

namespace {

// Runs one statement with text parameters (ids and numbers), results in text.
Result run(PGconn* pg, const char* sql, const std::vector<std::string>& params) {
  std::vector<const char*> values;
  for (const auto& p : params) values.push_back(p.c_str());
  return Result(PQexecParams(pg, sql, static_cast<int>(values.size()), nullptr, values.data(),
                             nullptr, nullptr, 0));
}

std::int64_t number(const PGresult* r, int row, int col) {
  return std::stoll(PQgetvalue(r, row, col));
}

}  // namespace

std::unique_ptr<LeaseTable> LeaseTable::open(const std::string& conninfo, std::string id,
                                             std::chrono::milliseconds lease, std::string& error) {
  PGconn* pg = connect(conninfo);
  if (!pg || PQstatus(pg) != CONNECTION_OK) {
    error = fmt::format("postgres {}: cannot connect: {}", pg ? describe(pg) : "?",
                        pg ? trimmed(PQerrorMessage(pg)) : "out of memory");
    PQfinish(pg);
    return nullptr;
  }
  return std::unique_ptr<LeaseTable>(new LeaseTable(pg, std::move(id), lease));
}

LeaseTable::LeaseTable(PGconn* pg, std::string id, std::chrono::milliseconds lease)
    : pg_(pg), id_(std::move(id)), lease_(lease) {}

LeaseTable::~LeaseTable() {
  PQfinish(pg_);
}

std::optional<Result> LeaseTable::query(const char* sql, const std::vector<std::string>& params,
                                        std::string& error) {
  if (!connected(error)) return std::nullopt;
  Result r = run(pg_, sql, params);
  if (!ok(r)) {
    error = error_of(pg_, r);
    return std::nullopt;
  }
  return r;
}

bool LeaseTable::connected(std::string& error) {
  if (PQstatus(pg_) == CONNECTION_OK) return true;
  PQreset(pg_);
  if (PQstatus(pg_) == CONNECTION_OK) return true;
  error = fmt::format("cannot reconnect: {}", trimmed(PQerrorMessage(pg_)));
  return false;
}

std::optional<std::vector<PartitionLease>> LeaseTable::renew(std::string& error) {
  std::string ms = std::to_string(lease_.count());
  // One statement, one round trip: the coordinator's own row and its leases together.
  auto r = query(
      "WITH me AS (INSERT INTO groupwire_coordinators (id, expires_at) "
      "VALUES ($1, clock_timestamp() + $2 * interval '1 millisecond') "
      "ON CONFLICT (id) DO UPDATE SET expires_at = EXCLUDED.expires_at RETURNING 1) "
      "UPDATE groupwire_leases SET expires_at = clock_timestamp() + $2 * interval "
      "'1 millisecond' WHERE owner = $1 AND EXISTS (SELECT 1 FROM me) "
      "RETURNING group_partition, epoch",
      {id_, ms}, error);
  if (!r) return std::nullopt;
  std::vector<PartitionLease> held;
  for (int i = 0; i < PQntuples(r->get()); ++i) {
    held.push_back({static_cast<std::int32_t>(number(r->get(), i, 0)), number(r->get(), i, 1)});
  }
  return held;
}

std::optional<std::vector<std::string>> LeaseTable::live(std::string& error) {
  auto r = query(
      "SELECT id FROM groupwire_coordinators WHERE expires_at > clock_timestamp() ORDER BY id", {},
      error);
  if (!r) return std::nullopt;
  std::vector<std::string> out;
  for (int i = 0; i < PQntuples(r->get()); ++i) out.emplace_back(PQgetvalue(r->get(), i, 0));
  return out;
}

std::optional<std::vector<LeaseTable::Partition>> LeaseTable::partitions(std::string& error) {
  auto r = query(
      "SELECT group_partition, owner, epoch, expires_at IS NULL OR expires_at <= "
      "clock_timestamp() FROM groupwire_leases ORDER BY group_partition",
      {}, error);
  if (!r) return std::nullopt;
  std::vector<Partition> out;
  for (int i = 0; i < PQntuples(r->get()); ++i) {
    Partition p{.partition = static_cast<std::int32_t>(number(r->get(), i, 0)),
                .owner = std::nullopt,
                .epoch = number(r->get(), i, 2),
                .expired = std::string(PQgetvalue(r->get(), i, 3)) == "t"};
    if (!PQgetisnull(r->get(), i, 1)) p.owner = PQgetvalue(r->get(), i, 1);
    out.push_back(std::move(p));
  }
  return out;
}

std::optional<PartitionLease> LeaseTable::acquire(std::int32_t partition, std::string& error) {
  auto r = query(
      "UPDATE groupwire_leases SET owner = $1, epoch = epoch + 1, expires_at = "
      "clock_timestamp() + $3 * interval '1 millisecond' WHERE group_partition = $2 "
      "AND (owner IS NULL OR owner = $1 OR expires_at <= clock_timestamp()) RETURNING epoch",
      {id_, std::to_string(partition), std::to_string(lease_.count())}, error);
  if (!r || PQntuples(r->get()) != 1) return std::nullopt;
  return PartitionLease{partition, number(r->get(), 0, 0)};
}

bool LeaseTable::release(const PartitionLease& lease, std::string& error) {
  return query(
             "UPDATE groupwire_leases SET owner = NULL, expires_at = NULL WHERE "
             "group_partition = $2 AND owner = $1 AND epoch = $3",
             {id_, std::to_string(lease.partition), std::to_string(lease.epoch)}, error)
      .has_value();
}

std::optional<StoredGroups> LeaseTable::load(std::int32_t partition, std::string& error) {
  if (!connected(error)) return std::nullopt;
  return read_groups(pg_, partition, error);
}

void LeaseTable::leave() {
  std::string ignored;
  if (connected(ignored)) run(pg_, "DELETE FROM groupwire_coordinators WHERE id = $1", {id_});
}

}  // namespace groupwire::coordinator
