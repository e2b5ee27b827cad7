#include "storage/sqlite_store.h"

#include <algorithm>
#include <array>
#include <filesystem>
#include <map>
#include <utility>

#include <fmt/format.h>
#include <spdlog/spdlog.h>
#include <sqlite3.h>

namespace groupwire::coordinator {

namespace {

namespace pb = v1;

// "GWR1": tells our database from any other SQLite file.
constexpr int kApplicationId = 0x47575231;

// Migration N takes the schema from version N to N+1; the version lives in PRAGMA user_version.
constexpr std::array<const char*, SqliteStore::kSchemaVersion> kMigrations = {
    R"sql(
CREATE TABLE groups (
  group_id TEXT PRIMARY KEY,
  generation_id INTEGER NOT NULL,
  protocol_type TEXT,
  protocol_name TEXT,
  leader_id TEXT,
  current_state_timestamp_ms INTEGER NOT NULL
) WITHOUT ROWID;
CREATE TABLE members (
  group_id TEXT NOT NULL,
  member_id TEXT NOT NULL,
  group_instance_id TEXT,
  client_id TEXT NOT NULL,
  client_host TEXT NOT NULL,
  session_timeout_ms INTEGER NOT NULL,
  rebalance_timeout_ms INTEGER NOT NULL,
  metadata BLOB NOT NULL,
  assignment BLOB NOT NULL,
  PRIMARY KEY (group_id, member_id)
) WITHOUT ROWID;
CREATE TABLE offsets (
  group_id TEXT NOT NULL,
  topic TEXT NOT NULL,
  partition INTEGER NOT NULL,
  committed_offset INTEGER NOT NULL,
  leader_epoch INTEGER NOT NULL,
  metadata TEXT NOT NULL,
  commit_timestamp_ms INTEGER NOT NULL,
  expire_timestamp_ms INTEGER,
  PRIMARY KEY (group_id, topic, partition)
) WITHOUT ROWID;
)sql",
    // Consumer groups (KIP-848): a value is a serialized record, opaque to the store.
    R"sql(
CREATE TABLE consumer_group_records (
  group_id TEXT NOT NULL,
  kind INTEGER NOT NULL,
  key TEXT NOT NULL,
  value BLOB NOT NULL,
  PRIMARY KEY (group_id, kind, key)
) WITHOUT ROWID;
)sql",
};

std::string message(sqlite3* db) {
  return db ? sqlite3_errmsg(db) : "out of memory";
}

// Kafka's mapping of failed appends (protocol notes §3): a full disk or a busy file is a
// transient unavailability; anything else means this coordinator cannot own the data.
pb::ErrorCode kafka_error(int rc) {
  switch (rc & 0xff) {
    case SQLITE_FULL:
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
    case SQLITE_NOMEM:
      return pb::COORDINATOR_NOT_AVAILABLE;
    default:
      return pb::NOT_COORDINATOR;
  }
}

// Bytes bound as a BLOB rather than TEXT.
struct Blob {
  const std::string& bytes;
};

class Statement {
 public:
  Statement(sqlite3* db, const char* sql) {
    if (sqlite3_prepare_v3(db, sql, -1, SQLITE_PREPARE_PERSISTENT, &stmt_, nullptr) != SQLITE_OK) {
      stmt_ = nullptr;
    }
  }
  ~Statement() { sqlite3_finalize(stmt_); }
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;

  bool ok() const { return stmt_ != nullptr; }

  Statement& bind(int i, std::int64_t v) {
    sqlite3_bind_int64(stmt_, i, v);
    return *this;
  }
  Statement& bind(int i, const std::string& v) {
    sqlite3_bind_text(stmt_, i, v.data(), static_cast<int>(v.size()), SQLITE_STATIC);
    return *this;
  }
  Statement& bind(int i, const Blob& v) {
    sqlite3_bind_blob(stmt_, i, v.bytes.data(), static_cast<int>(v.bytes.size()), SQLITE_STATIC);
    return *this;
  }
  template <class T>
  Statement& bind(int i, const std::optional<T>& v) {
    if (v) return bind(i, *v);
    sqlite3_bind_null(stmt_, i);
    return *this;
  }

  // Binds the arguments to ?1, ?2, ... and runs a statement that returns no rows; SQLITE_DONE
  // on success.
  template <class... Args>
  int exec(const Args&... args) {
    [[maybe_unused]] int i = 0;
    (bind(++i, args), ...);
    int rc = sqlite3_step(stmt_);
    sqlite3_reset(stmt_);
    sqlite3_clear_bindings(stmt_);
    return rc;
  }

  // Calls row(*this) for every row; the last step's result code.
  template <class Row>
  int each(Row row) {
    int rc;
    while ((rc = sqlite3_step(stmt_)) == SQLITE_ROW) row(*this);
    sqlite3_reset(stmt_);
    return rc;
  }

  std::int64_t integer(int col) const { return sqlite3_column_int64(stmt_, col); }
  std::string text(int col) const {
    const void* p = sqlite3_column_blob(stmt_, col);
    return p ? std::string(static_cast<const char*>(p),
                           static_cast<std::size_t>(sqlite3_column_bytes(stmt_, col)))
             : std::string();
  }
  std::optional<std::int64_t> optional_integer(int col) const {
    if (sqlite3_column_type(stmt_, col) == SQLITE_NULL) return std::nullopt;
    return integer(col);
  }
  std::optional<std::string> optional_text(int col) const {
    if (sqlite3_column_type(stmt_, col) == SQLITE_NULL) return std::nullopt;
    return text(col);
  }

 private:
  sqlite3_stmt* stmt_ = nullptr;
};

int exec_sql(sqlite3* db, const char* sql) {
  return sqlite3_exec(db, sql, nullptr, nullptr, nullptr);
}

std::optional<std::int64_t> pragma_int(sqlite3* db, const char* sql, std::string& error) {
  Statement s(db, sql);
  std::optional<std::int64_t> value;
  if (!s.ok() || s.each([&](Statement& row) { value = row.integer(0); }) != SQLITE_DONE) {
    error = message(db);
    return std::nullopt;
  }
  return value.value_or(0);
}

}  // namespace

class SqliteStore::Statements {
 public:
  explicit Statements(sqlite3* db)
      : begin(db, "BEGIN IMMEDIATE"),
        commit(db, "COMMIT"),
        rollback(db, "ROLLBACK"),
        upsert_group(db,
                     "INSERT OR REPLACE INTO groups (group_id, generation_id, protocol_type, "
                     "protocol_name, leader_id, current_state_timestamp_ms) VALUES (?,?,?,?,?,?)"),
        insert_member(db,
                      "INSERT INTO members (group_id, member_id, group_instance_id, client_id, "
                      "client_host, session_timeout_ms, rebalance_timeout_ms, metadata, "
                      "assignment) VALUES (?,?,?,?,?,?,?,?,?)"),
        delete_members(db, "DELETE FROM members WHERE group_id = ?"),
        delete_group(db, "DELETE FROM groups WHERE group_id = ?"),
        upsert_offset(db,
                      "INSERT OR REPLACE INTO offsets (group_id, topic, partition, "
                      "committed_offset, leader_epoch, metadata, commit_timestamp_ms, "
                      "expire_timestamp_ms) VALUES (?,?,?,?,?,?,?,?)"),
        delete_offset(db, "DELETE FROM offsets WHERE group_id = ? AND topic = ? AND partition = ?"),
        delete_group_offsets(db, "DELETE FROM offsets WHERE group_id = ?"),
        upsert_consumer_group_record(db,
                                     "INSERT OR REPLACE INTO consumer_group_records (group_id, "
                                     "kind, key, value) VALUES (?,?,?,?)"),
        delete_consumer_group_record(
            db, "DELETE FROM consumer_group_records WHERE group_id = ? AND kind = ? AND key = ?"),
        delete_group_consumer_group_records(
            db, "DELETE FROM consumer_group_records WHERE group_id = ?") {}

  bool ok() const {
    for (const Statement* s :
         {&begin, &commit, &rollback, &upsert_group, &insert_member, &delete_members, &delete_group,
          &upsert_offset, &delete_offset, &delete_group_offsets, &upsert_consumer_group_record,
          &delete_consumer_group_record, &delete_group_consumer_group_records}) {
      if (!s->ok()) return false;
    }
    return true;
  }

  // The first failing step's result code, or SQLITE_DONE.
  int apply(const WriteBatch& b) {
    for (const auto& g : b.groups) {
      if (int rc = write_group(g); rc != SQLITE_DONE) return rc;
    }
    for (const auto& o : b.offsets) {
      int rc = upsert_offset.exec(o.key.group_id, o.key.topic, o.key.partition, o.committed_offset,
                                  o.leader_epoch, o.metadata, o.commit_timestamp_ms,
                                  o.expire_timestamp_ms);
      if (rc != SQLITE_DONE) return rc;
    }
    for (const auto& k : b.deleted_offsets) {
      int rc = delete_offset.exec(k.group_id, k.topic, k.partition);
      if (rc != SQLITE_DONE) return rc;
    }
    for (const auto& r : b.consumer_group_records) {
      if (int rc = write_consumer_group_record(r); rc != SQLITE_DONE) return rc;
    }
    for (const auto& id : b.deleted_groups) {
      for (Statement* s : {&delete_group, &delete_members, &delete_group_offsets,
                           &delete_group_consumer_group_records}) {
        if (int rc = s->exec(id); rc != SQLITE_DONE) return rc;
      }
    }
    return SQLITE_DONE;
  }

  Statement begin, commit, rollback;

 private:
  // A group record replaces the group's previous record, members included.
  int write_group(const GroupMetadataRecord& g) {
    if (int rc = delete_members.exec(g.group_id); rc != SQLITE_DONE) return rc;
    int rc = upsert_group.exec(g.group_id, g.generation_id, g.protocol_type, g.protocol_name,
                               g.leader_id, g.current_state_timestamp_ms);
    if (rc != SQLITE_DONE) return rc;
    for (const auto& m : g.members) {
      rc = insert_member.exec(g.group_id, m.member_id, m.group_instance_id, m.client_id,
                              m.client_host, m.session_timeout_ms, m.rebalance_timeout_ms,
                              Blob{m.metadata}, Blob{m.assignment});
      if (rc != SQLITE_DONE) return rc;
    }
    return SQLITE_DONE;
  }

  // An upsert replaces the record of its key; a tombstone deletes it.
  int write_consumer_group_record(const ConsumerGroupRecord& r) {
    auto kind = static_cast<std::int64_t>(r.kind);
    if (!r.value) return delete_consumer_group_record.exec(r.group_id, kind, r.key);
    return upsert_consumer_group_record.exec(r.group_id, kind, r.key, Blob{*r.value});
  }

  Statement upsert_group, insert_member, delete_members, delete_group, upsert_offset, delete_offset,
      delete_group_offsets, upsert_consumer_group_record, delete_consumer_group_record,
      delete_group_consumer_group_records;
};

std::unique_ptr<SqliteStore> SqliteStore::open(const Options& options, std::string& error) {
  const std::string& path = options.path;
  auto fail = [&](sqlite3* db, const std::string& what) -> std::unique_ptr<SqliteStore> {
    error = fmt::format("database {}: {}", path, what);
    sqlite3_close_v2(db);  // _v2: closes once a statement still open here is finalized
    return nullptr;
  };
  sqlite3* db = nullptr;
  if (int rc =
          sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, nullptr);
      rc != SQLITE_OK) {
    return fail(db, fmt::format("cannot open: {}", message(db)));
  }
  sqlite3_extended_result_codes(db, 1);
  // Any read of a file that is not a database fails here, before anything is written to it.
  std::string why;
  auto app_id = pragma_int(db, "PRAGMA application_id", why);
  if (!app_id) return fail(db, fmt::format("unreadable or not a database: {}", why));
  auto version = pragma_int(db, "PRAGMA user_version", why);
  if (!version) return fail(db, fmt::format("unreadable: {}", why));
  auto tables = pragma_int(db, "SELECT count(*) FROM sqlite_schema", why);
  if (!tables) return fail(db, fmt::format("unreadable: {}", why));
  bool fresh = *tables == 0;
  if (!fresh && *app_id != kApplicationId) {
    return fail(db, "not a Groupwire database (another application's SQLite file)");
  }
  if (*version > kSchemaVersion) {
    return fail(db, fmt::format("schema version {} is newer than this coordinator's ({}); run a "
                                "newer groupwire-coordinator",
                                *version, kSchemaVersion));
  }
  {
    Statement check(db, "PRAGMA quick_check");
    std::string result;
    if (!check.ok() || check.each([&](Statement& row) {
          if (result.empty()) result = row.text(0);
        }) != SQLITE_DONE) {
      return fail(db, fmt::format("integrity check failed: {}", message(db)));
    }
    if (result != "ok") return fail(db, fmt::format("corrupt: {}", result));
  }
  if (exec_sql(db, "PRAGMA journal_mode = WAL") != SQLITE_OK ||
      exec_sql(db, options.fsync ? "PRAGMA synchronous = FULL" : "PRAGMA synchronous = OFF") !=
          SQLITE_OK) {
    return fail(db, fmt::format("cannot set WAL mode: {}", message(db)));
  }
  if (options.max_pages) {
    exec_sql(db, fmt::format("PRAGMA max_page_count = {}", *options.max_pages).c_str());
  }
  for (auto v = *version; v < kSchemaVersion; ++v) {
    std::string sql = fmt::format(
        "BEGIN; {} PRAGMA user_version = {}; PRAGMA application_id = {}; "
        "COMMIT;",
        kMigrations[static_cast<std::size_t>(v)], v + 1, kApplicationId);
    if (exec_sql(db, sql.c_str()) != SQLITE_OK) {
      std::string what = message(db);
      exec_sql(db, "ROLLBACK");
      return fail(db, fmt::format("migrating the schema to version {} failed: {}", v + 1, what));
    }
    spdlog::info("database {}: schema version {}", path, v + 1);
  }
  std::unique_ptr<SqliteStore> store(new SqliteStore(db, options));
  if (!store->statements_->ok()) {
    error = fmt::format("database {}: unexpected schema: {}", path, message(db));
    return nullptr;
  }
  return store;
}

SqliteStore::SqliteStore(sqlite3* db, Options options)
    : GroupStore(std::move(options.on_write), std::move(options.on_failed)),
      db_(db),
      path_(options.path),
      statements_(std::make_unique<Statements>(db)) {}

SqliteStore::~SqliteStore() {
  stop();
  statements_.reset();
  sqlite3_close_v2(db_);
}

std::optional<StoredGroups> SqliteStore::load(std::string& error) {
  StoredGroups out;
  std::map<std::string, std::size_t> index;
  Statement groups(db_,
                   "SELECT group_id, generation_id, protocol_type, protocol_name, leader_id, "
                   "current_state_timestamp_ms FROM groups");
  Statement members(db_,
                    "SELECT group_id, member_id, group_instance_id, client_id, client_host, "
                    "session_timeout_ms, rebalance_timeout_ms, metadata, assignment FROM members");
  Statement offsets(db_,
                    "SELECT group_id, topic, partition, committed_offset, leader_epoch, metadata, "
                    "commit_timestamp_ms, expire_timestamp_ms FROM offsets");
  Statement records(db_, "SELECT group_id, kind, key, value FROM consumer_group_records");
  auto failed = [&](int rc) {
    if (rc == SQLITE_DONE) return false;
    error = fmt::format("reading the database failed: {}", message(db_));
    return true;
  };
  if (!groups.ok() || !members.ok() || !offsets.ok() || !records.ok()) {
    failed(SQLITE_ERROR);
    return std::nullopt;
  }
  int rc = groups.each([&](Statement& r) {
    index[r.text(0)] = out.groups.size();
    out.groups.push_back(GroupMetadataRecord{
        .group_id = r.text(0),
        .generation_id = static_cast<std::int32_t>(r.integer(1)),
        .protocol_type = r.optional_text(2),
        .protocol_name = r.optional_text(3),
        .leader_id = r.optional_text(4),
        .current_state_timestamp_ms = r.integer(5),
        .members = {},
    });
  });
  if (failed(rc)) return std::nullopt;
  rc = members.each([&](Statement& r) {
    auto it = index.find(r.text(0));
    if (it == index.end()) return;
    out.groups[it->second].members.push_back(StoredMember{
        .member_id = r.text(1),
        .group_instance_id = r.optional_text(2),
        .client_id = r.text(3),
        .client_host = r.text(4),
        .session_timeout_ms = static_cast<std::int32_t>(r.integer(5)),
        .rebalance_timeout_ms = static_cast<std::int32_t>(r.integer(6)),
        .metadata = r.text(7),
        .assignment = r.text(8),
    });
  });
  if (failed(rc)) return std::nullopt;
  rc = offsets.each([&](Statement& r) {
    out.offsets.push_back(OffsetCommitRecord{
        .key = {r.text(0), r.text(1), static_cast<std::int32_t>(r.integer(2))},
        .committed_offset = r.integer(3),
        .leader_epoch = static_cast<std::int32_t>(r.integer(4)),
        .metadata = r.text(5),
        .commit_timestamp_ms = r.integer(6),
        .expire_timestamp_ms = r.optional_integer(7),
    });
  });
  if (failed(rc)) return std::nullopt;
  rc = records.each([&](Statement& r) {
    out.consumer_group_records.push_back(ConsumerGroupRecord{
        .group_id = r.text(0),
        .kind = static_cast<ConsumerGroupRecordKind>(r.integer(1)),
        .key = r.text(2),
        .value = r.text(3),
    });
  });
  if (failed(rc)) return std::nullopt;
  return out;
}

std::size_t SqliteStore::write(const std::vector<WriteBatch>& batches,
                               std::vector<pb::ErrorCode>& outcomes) {
  Statements& s = *statements_;
  int rc = s.begin.exec();
  if (rc == SQLITE_DONE) {
    for (const auto& b : batches) {
      if ((rc = s.apply(b)) != SQLITE_DONE) break;
    }
    if (rc == SQLITE_DONE) rc = s.commit.exec();
  }
  if (rc == SQLITE_DONE) return 1;
  spdlog::error("storage write of {} batches failed: {}", batches.size(), message(db_));
  if (!sqlite3_get_autocommit(db_)) s.rollback.exec();
  std::fill(outcomes.begin(), outcomes.end(), kafka_error(rc));
  report_failed(batches.size());
  return 0;
}

}  // namespace groupwire::coordinator
