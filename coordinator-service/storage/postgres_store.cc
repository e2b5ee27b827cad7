#include "storage/postgres_store.h"

#include <libpq-fe.h>

#include <algorithm>
#include <array>
#include <charconv>
#include <cstdint>
#include <map>
#include <string_view>
#include <tuple>
#include <utility>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "kafka/group_hash.h"
#include "storage/postgres_wire.h"

namespace groupwire::coordinator {

namespace {

namespace pb = v1;
using namespace pg;

// Every string a client sent is stored as bytes (BYTEA): Kafka strings need not be valid UTF-8,
// and a text column would refuse such a write and with it every batch of its group commit.
// Migration N takes the schema from version N to N+1; the version lives in groupwire_meta.
constexpr std::array<const char*, PostgresStore::kSchemaVersion> kMigrations = {
    R"sql(
CREATE TABLE groupwire_groups (
  group_id BYTEA PRIMARY KEY,
  group_partition INTEGER NOT NULL,
  generation_id INTEGER NOT NULL,
  protocol_type BYTEA,
  protocol_name BYTEA,
  leader_id BYTEA,
  current_state_timestamp_ms BIGINT NOT NULL
);
CREATE INDEX groupwire_groups_by_partition ON groupwire_groups (group_partition);
CREATE TABLE groupwire_members (
  group_id BYTEA NOT NULL,
  member_id BYTEA NOT NULL,
  group_instance_id BYTEA,
  client_id BYTEA NOT NULL,
  client_host BYTEA NOT NULL,
  session_timeout_ms INTEGER NOT NULL,
  rebalance_timeout_ms INTEGER NOT NULL,
  metadata BYTEA NOT NULL,
  assignment BYTEA NOT NULL,
  PRIMARY KEY (group_id, member_id)
);
CREATE TABLE groupwire_offsets (
  group_id BYTEA NOT NULL,
  topic BYTEA NOT NULL,
  partition INTEGER NOT NULL,
  group_partition INTEGER NOT NULL,
  committed_offset BIGINT NOT NULL,
  leader_epoch INTEGER NOT NULL,
  metadata BYTEA NOT NULL,
  commit_timestamp_ms BIGINT NOT NULL,
  expire_timestamp_ms BIGINT,
  PRIMARY KEY (group_id, topic, partition)
);
CREATE INDEX groupwire_offsets_by_partition ON groupwire_offsets (group_partition);
CREATE TABLE groupwire_leases (
  group_partition INTEGER PRIMARY KEY,
  owner TEXT,
  epoch BIGINT NOT NULL DEFAULT 0,
  expires_at TIMESTAMPTZ
);
CREATE TABLE groupwire_coordinators (
  id TEXT PRIMARY KEY,  -- the address it advertises to gateways: HOST:PORT
  expires_at TIMESTAMPTZ NOT NULL
);
)sql",
    // Consumer groups (KIP-848): a value is a serialized record, opaque to the store.
    R"sql(
CREATE TABLE groupwire_consumer_group_records (
  group_id BYTEA NOT NULL,
  kind INTEGER NOT NULL,
  key BYTEA NOT NULL,
  group_partition INTEGER NOT NULL,
  value BYTEA NOT NULL,
  PRIMARY KEY (group_id, kind, key)
);
CREATE INDEX groupwire_consumer_group_records_by_partition
  ON groupwire_consumer_group_records (group_partition);
)sql",
};

const Sql kUpsertGroup{
    "gw_upsert_group",
    "INSERT INTO groupwire_groups (group_id, group_partition, generation_id, protocol_type, "
    "protocol_name, leader_id, current_state_timestamp_ms) VALUES ($1, $2, $3, $4, $5, $6, $7) "
    "ON CONFLICT (group_id) DO UPDATE SET group_partition = EXCLUDED.group_partition, "
    "generation_id = EXCLUDED.generation_id, protocol_type = EXCLUDED.protocol_type, "
    "protocol_name = EXCLUDED.protocol_name, leader_id = EXCLUDED.leader_id, "
    "current_state_timestamp_ms = EXCLUDED.current_state_timestamp_ms",
    {kBytea, kInt4, kInt4, kBytea, kBytea, kBytea, kInt8}};
const Sql kInsertMember{
    "gw_insert_member",
    "INSERT INTO groupwire_members (group_id, member_id, group_instance_id, client_id, "
    "client_host, session_timeout_ms, rebalance_timeout_ms, metadata, assignment) "
    "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
    {kBytea, kBytea, kBytea, kBytea, kBytea, kInt4, kInt4, kBytea, kBytea}};
const Sql kDeleteMembers{
    "gw_delete_members", "DELETE FROM groupwire_members WHERE group_id = $1", {kBytea}};
const Sql kDeleteGroup{
    "gw_delete_group", "DELETE FROM groupwire_groups WHERE group_id = $1", {kBytea}};
// Every offset of a group commit in one statement, as arrays (binary, one element per offset): a
// statement per offset cost the server more than the commit itself.
const Sql kUpsertOffsets{
    "gw_upsert_offsets",
    "INSERT INTO groupwire_offsets (group_id, topic, partition, group_partition, "
    "committed_offset, leader_epoch, metadata, commit_timestamp_ms, expire_timestamp_ms) "
    "SELECT * FROM unnest($1::bytea[], $2::bytea[], $3::int4[], $4::int4[], $5::int8[], "
    "$6::int4[], $7::bytea[], $8::int8[], $9::int8[]) ON CONFLICT (group_id, topic, partition) DO "
    "UPDATE SET group_partition = EXCLUDED.group_partition, "
    "committed_offset = EXCLUDED.committed_offset, leader_epoch = EXCLUDED.leader_epoch, "
    "metadata = EXCLUDED.metadata, commit_timestamp_ms = EXCLUDED.commit_timestamp_ms, "
    "expire_timestamp_ms = EXCLUDED.expire_timestamp_ms",
    {kByteaArray, kByteaArray, kInt4Array, kInt4Array, kInt8Array, kInt4Array, kByteaArray,
     kInt8Array, kInt8Array}};
const Sql kDeleteOffset{
    "gw_delete_offset",
    "DELETE FROM groupwire_offsets WHERE group_id = $1 AND topic = $2 AND partition = $3",
    {kBytea, kBytea, kInt4}};
const Sql kDeleteGroupOffsets{
    "gw_delete_group_offsets", "DELETE FROM groupwire_offsets WHERE group_id = $1", {kBytea}};
// Consumer group records, like offsets, as arrays: a heartbeat may write a record per member.
const Sql kUpsertConsumerGroupRecords{
    "gw_upsert_consumer_group_records",
    "INSERT INTO groupwire_consumer_group_records (group_id, kind, key, group_partition, value) "
    "SELECT * FROM unnest($1::bytea[], $2::int4[], $3::bytea[], $4::int4[], $5::bytea[]) "
    "ON CONFLICT (group_id, kind, key) DO UPDATE SET group_partition = EXCLUDED.group_partition, "
    "value = EXCLUDED.value",
    {kByteaArray, kInt4Array, kByteaArray, kInt4Array, kByteaArray}};
const Sql kDeleteConsumerGroupRecords{
    "gw_delete_consumer_group_records",
    "DELETE FROM groupwire_consumer_group_records r USING unnest($1::bytea[], $2::int4[], "
    "$3::bytea[]) AS d(group_id, kind, key) WHERE r.group_id = d.group_id AND r.kind = d.kind "
    "AND r.key = d.key",
    {kByteaArray, kInt4Array, kByteaArray}};
const Sql kDeleteGroupConsumerGroupRecords{
    "gw_delete_group_consumer_group_records",
    "DELETE FROM groupwire_consumer_group_records WHERE group_id = $1",
    {kBytea}};

// Fencing: the transaction goes on only while every lease its batches were made under is still
// held with that epoch. Every acquisition takes the next epoch, whoever takes it, so an epoch
// names one ownership: no owner id is needed, only that the lease was not released since. The
// rows are locked (FOR SHARE), so a takeover waits for this transaction; when one is not held any
// more, the division by zero (SQLSTATE 22012, which nothing else here can raise) aborts the
// transaction in the same round trip.
const Sql kFence{
    "gw_fence",
    "SELECT 1 / (CASE WHEN (SELECT count(*) FROM (SELECT 1 FROM groupwire_leases l JOIN "
    "unnest($1::int4[], $2::int8[]) AS w(p, e) ON l.group_partition = w.p AND l.epoch = w.e "
    "WHERE l.owner IS NOT NULL FOR SHARE OF l) AS held) = cardinality($1::int4[]) THEN 1 ELSE 0 "
    "END)",
    {kInt4Array, kInt8Array}};
constexpr std::string_view kFenced = "22012";

const std::array<const Sql*, 11> kStatements = {&kUpsertGroup,
                                                &kInsertMember,
                                                &kDeleteMembers,
                                                &kDeleteGroup,
                                                &kUpsertOffsets,
                                                &kDeleteOffset,
                                                &kDeleteGroupOffsets,
                                                &kUpsertConsumerGroupRecords,
                                                &kDeleteConsumerGroupRecords,
                                                &kDeleteGroupConsumerGroupRecords,
                                                &kFence};

// The offsets a group commit upserts, the last one per key: one statement cannot update a row
// twice.
class OffsetUpserts {
 public:
  void add(const OffsetCommitRecord& o) {
    latest_[{o.key.group_id, o.key.topic, o.key.partition}] = &o;
  }
  bool empty() const { return latest_.empty(); }

  // The statement's parameters, the group partition of each from `partition_of`; clears.
  template <class PartitionOf>
  Params take(PartitionOf partition_of) {
    Array groups(kBytea), topics(kBytea), partitions(kInt4), group_partitions(kInt4),
        offsets(kInt8), epochs(kInt4), metadata(kBytea), committed(kInt8), expires(kInt8);
    for (const auto& [key, o] : latest_) {
      groups.push(o->key.group_id);
      topics.push(o->key.topic);
      partitions.push(o->key.partition);
      group_partitions.push(partition_of(o->key.group_id));
      offsets.push(o->committed_offset);
      epochs.push(o->leader_epoch);
      metadata.push(o->metadata);
      committed.push(o->commit_timestamp_ms);
      expires.push(o->expire_timestamp_ms);
    }
    latest_.clear();
    Params p;
    for (const Array* a : {&groups, &topics, &partitions, &group_partitions, &offsets, &epochs,
                           &metadata, &committed, &expires}) {
      p.add(*a);
    }
    return p;
  }

 private:
  std::map<std::tuple<std::string_view, std::string_view, std::int32_t>, const OffsetCommitRecord*>
      latest_;
};

// Statements sent in pipeline mode, their results read every kChunk statements so that neither
// side's socket buffer fills while the other waits (libpq's pipeline in blocking mode). The
// transaction is explicit, so a sync in the middle does not end it.
class Pipeline {
 public:
  explicit Pipeline(PGconn* pg) : pg_(pg) {}

  void send(const Sql& sql, const Params& params) {
    if (failed_) return;
    if (!params.send(pg_, sql)) return fail_connection();
    if (++queued_ == kChunk) sync();
  }
  void send(const char* sql) {
    if (failed_) return;
    if (!PQsendQueryParams(pg_, sql, 0, nullptr, nullptr, nullptr, nullptr, 0)) {
      fail_connection();
      return;
    }
    ++queued_;
  }
  // Reads the results of everything sent; the first error is kept.
  void sync() {
    if (failed_ && broken_) return;
    if (!PQpipelineSync(pg_)) return fail_connection();
    queued_ = 0;
    for (;;) {
      Result r(PQgetResult(pg_));
      if (!r) {
        if (PQstatus(pg_) == CONNECTION_BAD) return fail_connection();
        continue;  // the end of one statement's results
      }
      ExecStatusType status = PQresultStatus(r.get());
      if (status == PGRES_PIPELINE_SYNC) return;
      if ((status == PGRES_FATAL_ERROR || status == PGRES_NONFATAL_ERROR) && !failed_) {
        failed_ = true;
        state_ = sqlstate(r.get());
        message_ = trimmed(PQresultErrorMessage(r.get()));
      }
    }
  }

  bool failed() const { return failed_; }
  bool broken() const { return broken_; }
  const std::string& state() const { return state_; }
  const std::string& message() const { return message_; }

 private:
  static constexpr int kChunk = 256;

  void fail_connection() {
    if (!failed_) message_ = trimmed(PQerrorMessage(pg_));
    failed_ = broken_ = true;
  }

  PGconn* pg_;
  int queued_ = 0;
  bool failed_ = false;
  bool broken_ = false;
  std::string state_;
  std::string message_;
};

// The consumer group records a group commit writes, the last upsert or tombstone per key. Writes
// of different keys commute, so the upserts go in one statement and the tombstones in another;
// deleting a whole group does not commute with them, so it waits for a flush.
class ConsumerGroupRecordWrites {
 public:
  void add(const ConsumerGroupRecord& r) { latest_[{r.group_id, r.kind, r.key}] = &r; }

  // Sends what was added, the group partition of each upsert from `partition_of`; clears.
  template <class PartitionOf>
  void flush(Pipeline& p, PartitionOf partition_of) {
    Array groups(kBytea), kinds(kInt4), keys(kBytea), group_partitions(kInt4), values(kBytea);
    Array gone_groups(kBytea), gone_kinds(kInt4), gone_keys(kBytea);
    bool upserts = false, tombstones = false;
    for (const auto& [key, r] : latest_) {
      auto kind = static_cast<std::int32_t>(r->kind);
      if (r->value) {
        groups.push(r->group_id);
        kinds.push(kind);
        keys.push(r->key);
        group_partitions.push(partition_of(r->group_id));
        values.push(*r->value);
        upserts = true;
      } else {
        gone_groups.push(r->group_id);
        gone_kinds.push(kind);
        gone_keys.push(r->key);
        tombstones = true;
      }
    }
    latest_.clear();
    if (upserts) {
      p.send(kUpsertConsumerGroupRecords,
             Params().add(groups).add(kinds).add(keys).add(group_partitions).add(values));
    }
    if (tombstones) {
      p.send(kDeleteConsumerGroupRecords, Params().add(gone_groups).add(gone_kinds).add(gone_keys));
    }
  }

 private:
  std::map<std::tuple<std::string_view, ConsumerGroupRecordKind, std::string_view>,
           const ConsumerGroupRecord*>
      latest_;
};

// The value of a groupwire_meta key read in text format, or nullopt (and `error`).
std::optional<std::string> meta_value(PGconn* pg, const char* key, bool lock, std::string& error) {
  Result r = exec(pg, fmt::format("SELECT value FROM groupwire_meta WHERE key = '{}'{}", key,
                                  lock ? " FOR UPDATE" : "")
                          .c_str());
  if (!ok(r) || PQntuples(r.get()) != 1) {
    error = ok(r) ? fmt::format("groupwire_meta has no {}", key) : error_of(pg, r);
    return std::nullopt;
  }
  return std::string(PQgetvalue(r.get(), 0, 0));
}

std::optional<long long> to_number(const std::string& s) {
  long long v = 0;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || end != s.data() + s.size()) return std::nullopt;
  return v;
}

// Creates or upgrades the schema and records or checks the partition count, in one transaction
// that holds the schema version's row: coordinators starting together migrate one at a time.
bool prepare_schema(PGconn* pg, std::size_t partitions, std::string& error) {
  // CREATE ... IF NOT EXISTS can still collide with a concurrent creator: then the table exists.
  for (int attempt = 0;; ++attempt) {
    Result r = exec(pg,
                    "CREATE TABLE IF NOT EXISTS groupwire_meta (key TEXT PRIMARY KEY, "
                    "value TEXT NOT NULL)");
    if (ok(r)) break;
    // Unique violation, or the table or its row type created by the other meanwhile.
    static constexpr std::array<std::string_view, 3> kRaces = {"23505", "42P07", "42710"};
    std::string state = sqlstate(r.get());
    if (attempt == 3 || std::find(kRaces.begin(), kRaces.end(), state) == kRaces.end()) {
      error = fmt::format("cannot create the schema: {}", error_of(pg, r));
      return false;
    }
  }
  auto run = [&](const std::string& sql) {
    Result r(PQexec(pg, sql.c_str()));  // the simple protocol: a migration is several statements
    if (!ok(r)) error = error_of(pg, r);
    return ok(r);
  };
  if (!run("INSERT INTO groupwire_meta (key, value) VALUES ('schema_version', '0') "
           "ON CONFLICT (key) DO NOTHING") ||
      !run("BEGIN")) {
    error = fmt::format("cannot read the schema version: {}", error);
    return false;
  }
  auto fail = [&](std::string why) {
    exec(pg, "ROLLBACK");
    error = std::move(why);
    return false;
  };
  std::string why;
  auto stored = meta_value(pg, "schema_version", /*lock=*/true, why);
  auto version = stored ? to_number(*stored) : std::nullopt;
  if (!version) return fail(fmt::format("cannot read the schema version: {}", why));
  if (*version > PostgresStore::kSchemaVersion) {
    return fail(
        fmt::format("schema version {} is newer than this coordinator's ({}); run a newer "
                    "groupwire-coordinator",
                    *version, PostgresStore::kSchemaVersion));
  }
  for (auto v = *version; v < PostgresStore::kSchemaVersion; ++v) {
    if (!run(kMigrations[static_cast<std::size_t>(v)]) ||
        !run(fmt::format("UPDATE groupwire_meta SET value = '{}' WHERE key = 'schema_version'",
                         v + 1))) {
      return fail(fmt::format("migrating the schema to version {} failed: {}", v + 1, error));
    }
    spdlog::info("postgres {}: schema version {}", describe(pg), v + 1);
  }
  if (!run(fmt::format("INSERT INTO groupwire_meta (key, value) VALUES ('group_partitions', '{}') "
                       "ON CONFLICT (key) DO NOTHING",
                       partitions))) {
    return fail(fmt::format("cannot record the group partition count: {}", error));
  }
  auto count = meta_value(pg, "group_partitions", /*lock=*/false, why);
  if (!count) return fail(fmt::format("cannot read the group partition count: {}", why));
  if (to_number(*count) != static_cast<long long>(partitions)) {
    return fail(fmt::format(
        "the database holds groups in {} group partitions and --group-partitions is {}: the "
        "count is fixed once a database is in use, start every coordinator with {}",
        *count, partitions, *count));
  }
  if (!run(fmt::format("INSERT INTO groupwire_leases (group_partition) SELECT "
                       "generate_series(0, {}) ON CONFLICT (group_partition) DO NOTHING",
                       partitions - 1))) {
    return fail(fmt::format("cannot make the partitions' leases: {}", error));
  }
  if (!run("COMMIT")) return fail(fmt::format("cannot commit the schema: {}", error));
  return true;
}

}  // namespace

struct PostgresStore::Connection {
  PGconn* pg = nullptr;
  bool synchronous_commit = true;
  bool prepared = false;  // the session is set up: statements prepared, settings made
  bool broken = false;    // reconnect before the next write

  ~Connection() { PQfinish(pg); }

  static std::unique_ptr<Connection> open(const std::string& conninfo) {
    auto c = std::make_unique<Connection>();
    c->pg = pg::connect(conninfo);
    return c;
  }

  // Connected, with the session set up for the writer; false and why if not.
  bool ready(std::string& why) {
    if (broken || PQstatus(pg) != CONNECTION_OK) {
      PQreset(pg);
      prepared = false;
      broken = PQstatus(pg) != CONNECTION_OK;
      if (broken) {
        why = fmt::format("cannot reconnect: {}", trimmed(PQerrorMessage(pg)));
        return false;
      }
      spdlog::info("postgres {}: reconnected", describe(pg));
    }
    if (prepared) return true;
    if (!synchronous_commit) {
      if (Result r = exec(pg, "SET synchronous_commit = off"); !ok(r)) {
        why = fmt::format("cannot turn synchronous_commit off: {}", error_of(pg, r));
        broken = true;
        return false;
      }
    }
    for (const Sql* s : kStatements) {
      Result r(PQprepare(pg, s->name, s->text, static_cast<int>(s->types.size()), s->types.data()));
      if (!ok(r)) {
        why = fmt::format("unexpected schema: cannot prepare {}: {}", s->name, error_of(pg, r));
        broken = true;
        return false;
      }
    }
    prepared = true;
    return true;
  }
};

std::unique_ptr<PostgresStore> PostgresStore::open(const Options& options, std::string& error) {
  auto conn = Connection::open(options.conninfo);
  if (!conn->pg) {
    error = "postgres: out of memory";
    return nullptr;
  }
  if (PQstatus(conn->pg) != CONNECTION_OK) {
    error = fmt::format("postgres {}: cannot connect: {}", describe(conn->pg),
                        trimmed(PQerrorMessage(conn->pg)));
    return nullptr;
  }
  std::string why;
  if (!prepare_schema(conn->pg, options.group_partitions, why)) {
    error = fmt::format("postgres {}: {}", describe(conn->pg), why);
    return nullptr;
  }
  conn->synchronous_commit = options.synchronous_commit;
  if (!conn->ready(why)) {
    error = fmt::format("postgres {}: {}", describe(conn->pg), why);
    return nullptr;
  }
  return std::unique_ptr<PostgresStore>(new PostgresStore(std::move(conn), options));
}

PostgresStore::PostgresStore(std::unique_ptr<Connection> conn, Options options)
    : GroupStore(std::move(options.on_write), std::move(options.on_failed)),
      conn_(std::move(conn)),
      server_(describe(conn_->pg)),
      group_partitions_(options.group_partitions),
      on_fenced_(std::move(options.on_fenced)) {}

PostgresStore::~PostgresStore() {
  stop();
}

std::optional<StoredGroups> PostgresStore::load(std::string& error) {
  std::string why;
  auto stored = pg::read_groups(conn_->pg, std::nullopt, why);
  if (!stored) error = fmt::format("postgres {}: reading the database failed: {}", server_, why);
  return stored;
}

// One transaction's outcome.
struct PostgresStore::Outcome {
  bool committed = false;
  bool fenced = false;  // a lease was not held any more
  bool broken = false;  // the connection failed
  std::string state;    // SQLSTATE of the first error
  std::string message;

  pb::ErrorCode error() const {
    if (fenced) return pb::NOT_COORDINATOR;
    return broken || transient(state) ? pb::COORDINATOR_NOT_AVAILABLE : pb::NOT_COORDINATOR;
  }
};

PostgresStore::Outcome PostgresStore::commit(const std::vector<const WriteBatch*>& batches) {
  PGconn* pg = conn_->pg;
  auto partition = [this](const std::string& group_id) {
    return static_cast<std::int32_t>(kafka::partition_for(group_id, group_partitions_));
  };
  PQenterPipelineMode(pg);
  Pipeline p(pg);
  OffsetUpserts upserts;
  auto flush_upserts = [&] {
    if (!upserts.empty()) p.send(kUpsertOffsets, upserts.take(partition));
  };
  ConsumerGroupRecordWrites records;
  p.send("BEGIN");
  std::map<std::int32_t, std::int64_t> leases;
  for (const WriteBatch* b : batches) {
    if (b->lease) leases[b->lease->partition] = b->lease->epoch;
  }
  if (!leases.empty()) {
    Array partitions(kInt4), epochs(kInt8);
    for (const auto& [partition_index, epoch] : leases) {
      partitions.push(partition_index);
      epochs.push(epoch);
    }
    p.send(kFence, Params().add(partitions).add(epochs));
  }
  for (const WriteBatch* b : batches) {
    for (const auto& g : b->groups) {
      // A group record replaces the group's previous record, members included.
      p.send(kDeleteMembers, Params().add(g.group_id));
      p.send(kUpsertGroup, Params()
                               .add(g.group_id)
                               .add(partition(g.group_id))
                               .add(g.generation_id)
                               .add(g.protocol_type)
                               .add(g.protocol_name)
                               .add(g.leader_id)
                               .add(g.current_state_timestamp_ms));
      for (const auto& m : g.members) {
        p.send(kInsertMember, Params()
                                  .add(g.group_id)
                                  .add(m.member_id)
                                  .add(m.group_instance_id)
                                  .add(m.client_id)
                                  .add(m.client_host)
                                  .add(m.session_timeout_ms)
                                  .add(m.rebalance_timeout_ms)
                                  .add(m.metadata)
                                  .add(m.assignment));
      }
    }
    // Upserts wait for the next statement that deletes offsets, or the end: group records do
    // not touch offsets, so only deletions must see the upserts before them.
    for (const auto& o : b->offsets) upserts.add(o);
    if (!b->deleted_offsets.empty() || !b->deleted_groups.empty()) flush_upserts();
    for (const auto& k : b->deleted_offsets) {
      p.send(kDeleteOffset, Params().add(k.group_id).add(k.topic).add(k.partition));
    }
    for (const auto& r : b->consumer_group_records) records.add(r);
    if (!b->deleted_groups.empty()) records.flush(p, partition);
    for (const auto& id : b->deleted_groups) {
      for (const Sql* s : {&kDeleteGroup, &kDeleteMembers, &kDeleteGroupOffsets,
                           &kDeleteGroupConsumerGroupRecords}) {
        p.send(*s, Params().add(id));
      }
    }
  }
  flush_upserts();
  records.flush(p, partition);
  p.send("COMMIT");
  p.sync();
  if (p.failed() && !p.broken()) {
    // The transaction is aborted but still open.
    Pipeline rollback(pg);
    rollback.send("ROLLBACK");
    rollback.sync();
  }
  if (!PQexitPipelineMode(pg)) conn_->broken = true;
  Outcome out{.committed = !p.failed(),
              .fenced = p.state() == kFenced,
              .broken = p.broken(),
              .state = p.state(),
              .message = p.message()};
  if (out.broken || out.state == "25006" || out.state.starts_with("57")) conn_->broken = true;
  return out;
}

std::size_t PostgresStore::write(const std::vector<WriteBatch>& batches,
                                 std::vector<pb::ErrorCode>& outcomes) {
  if (std::string why; !conn_->ready(why)) {
    spdlog::error("postgres {}: storage write of {} batches failed: {}", server_, batches.size(),
                  why);
    std::fill(outcomes.begin(), outcomes.end(), pb::COORDINATOR_NOT_AVAILABLE);
    report_failed(batches.size());
    return 0;
  }
  // The batches of each partition, in order (batches without a lease are one more share).
  std::map<std::optional<std::int32_t>, std::vector<std::size_t>> shares;
  std::vector<const WriteBatch*> all;
  for (std::size_t i = 0; i < batches.size(); ++i) {
    all.push_back(&batches[i]);
    shares[batches[i].lease ? std::optional(batches[i].lease->partition) : std::nullopt].push_back(
        i);
  }
  Outcome o = commit(all);
  if (o.committed) return 1;
  if (!o.fenced || shares.size() == 1) {
    spdlog::log(
        o.fenced ? spdlog::level::warn : spdlog::level::err,
        "postgres {}: storage write of {} batches failed: {}", server_, batches.size(),
        o.fenced ? "fenced: a partition's lease is held by another coordinator now" : o.message);
    std::fill(outcomes.begin(), outcomes.end(), o.error());
    if (!o.fenced) {
      report_failed(batches.size());
    } else if (on_fenced_) {
      on_fenced_(batches.size());
    }
    return 0;
  }
  // Which lease was lost is not known: each partition's batches on their own, so that the
  // others still commit.
  std::size_t committed = 0;
  for (const auto& [partition_index, indexes] : shares) {
    std::vector<const WriteBatch*> share;
    for (std::size_t i : indexes) share.push_back(&batches[i]);
    Outcome so = commit(share);
    if (so.committed) {
      ++committed;
      continue;
    }
    spdlog::warn("postgres {}: storage write of {} batches of partition {} failed: {}", server_,
                 indexes.size(), partition_index.value_or(-1),
                 so.fenced ? "fenced: its lease is held by another coordinator now" : so.message);
    for (std::size_t i : indexes) outcomes[i] = so.error();
    if (!so.fenced) {
      report_failed(indexes.size());
    } else if (on_fenced_) {
      on_fenced_(indexes.size());
    }
  }
  return committed;
}

}  // namespace groupwire::coordinator
