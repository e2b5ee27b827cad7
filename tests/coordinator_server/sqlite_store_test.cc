// The SQLite store on real files, what only it has: a full disk fails writes retriably, and a
// file that cannot be trusted is refused with a message rather than used. What every store
// promises is in store_test.cc.
#include <sqlite3.h>

#include <atomic>
#include <fstream>

#include <gtest/gtest.h>

#include "store_backends.h"
#include "store_records.h"

namespace groupwire::coordinator::testing {
namespace {

namespace fs = std::filesystem;

class SqliteStoreTest : public ::testing::Test {
 protected:
  std::string path() const { return backend_.path(); }

  std::unique_ptr<SqliteStore> open(std::optional<std::int64_t> max_pages = std::nullopt,
                                    GroupStore::OnFailed on_failed = {}) {
    return backend_.open_sqlite(max_pages, std::move(on_failed));
  }

  std::string open_error() {
    std::string error;
    EXPECT_EQ(SqliteStore::open({.path = path(), .fsync = true, .max_pages = std::nullopt}, error),
              nullptr);
    return error;
  }

  void raw_sql(const char* sql) {
    sqlite3* db = nullptr;
    ASSERT_EQ(sqlite3_open(path().c_str(), &db), SQLITE_OK);
    ASSERT_EQ(sqlite3_exec(db, sql, nullptr, nullptr, nullptr), SQLITE_OK) << sqlite3_errmsg(db);
    sqlite3_close(db);
  }

  // The first column of a query's first row, as text ("" if none).
  std::string first_value(const char* sql) {
    sqlite3* db = nullptr;
    EXPECT_EQ(sqlite3_open(path().c_str(), &db), SQLITE_OK);
    sqlite3_stmt* stmt = nullptr;
    std::string value;
    EXPECT_EQ(sqlite3_prepare_v2(db, sql, -1, &stmt, nullptr), SQLITE_OK) << sqlite3_errmsg(db);
    if (stmt && sqlite3_step(stmt) == SQLITE_ROW) {
      value = reinterpret_cast<const char*>(sqlite3_column_text(stmt, 0));
    }
    sqlite3_finalize(stmt);
    sqlite3_close(db);
    return value;
  }

  SqliteBackend backend_;
};

TEST_F(SqliteStoreTest, FullDiskFailsWritesRetriablyAndKeepsWhatWasThere) {
  {
    auto store = open();
    store->start();
    WriteBatch b;
    b.offsets.push_back(offset("g", "t", 0, 1));
    ASSERT_EQ(write(*store, std::move(b)), v1::NONE);
  }
  std::atomic<std::size_t> failed{0};  // what groupwire_storage_write_failures_total counts
  auto store = open(/*max_pages=*/8, [&failed](std::size_t batches) { failed += batches; });
  store->start();
  WriteBatch big;
  for (int i = 0; i < 2000; ++i) big.offsets.push_back(offset("g", "t", i, i));
  EXPECT_EQ(write(*store, std::move(big)), v1::COORDINATOR_NOT_AVAILABLE);
  EXPECT_EQ(failed.load(), 1u);
  WriteBatch small;
  small.offsets.push_back(offset("g", "t", 0, 2));
  EXPECT_EQ(write(*store, std::move(small)), v1::NONE);  // the failed transaction left nothing
  EXPECT_EQ(failed.load(), 1u);
  store->stop();
  StoredGroups stored = load(*store);
  ASSERT_EQ(stored.offsets.size(), 1u);
  EXPECT_EQ(stored.offsets[0].committed_offset, 2);
}

TEST_F(SqliteStoreTest, NewerSchemaIsRefused) {
  open().reset();
  raw_sql("PRAGMA user_version = 99");
  EXPECT_NE(open_error().find("schema version 99 is newer"), std::string::npos);
}

// A database of schema version 1, from before consumer groups, is brought up to date and keeps
// what it held.
TEST_F(SqliteStoreTest, VersionOneDatabaseGainsConsumerGroupRecords) {
  {
    auto store = open();
    store->start();
    WriteBatch b;
    b.offsets.push_back(offset("g", "t", 0, 7));
    ASSERT_EQ(write(*store, std::move(b)), v1::NONE);
  }
  raw_sql("DROP TABLE consumer_group_records; PRAGMA user_version = 1");
  auto store = open();
  ASSERT_TRUE(store);
  expect_upgraded_to_consumer_group_records(*store);
  store.reset();
  EXPECT_EQ(first_value("PRAGMA user_version"), std::to_string(SqliteStore::kSchemaVersion));
}

TEST_F(SqliteStoreTest, FileThatIsNotADatabaseIsRefused) {
  std::ofstream(path()) << std::string(8192, 'x');
  std::string error = open_error();
  EXPECT_NE(error.find(path()), std::string::npos) << error;
  EXPECT_NE(error.find("not a database"), std::string::npos) << error;
}

TEST_F(SqliteStoreTest, AnotherApplicationsDatabaseIsRefused) {
  raw_sql("CREATE TABLE accounts (id INTEGER)");
  EXPECT_NE(open_error().find("not a Groupwire database"), std::string::npos);
}

TEST_F(SqliteStoreTest, CorruptPagesAreRefused) {
  {
    auto store = open();
    store->start();
    WriteBatch b;
    for (int i = 0; i < 500; ++i) b.offsets.push_back(offset("g", "t", i, i));
    ASSERT_EQ(write(*store, std::move(b)), v1::NONE);
  }
  raw_sql("PRAGMA wal_checkpoint(TRUNCATE)");
  {
    // Overwrite the middle of the file, past the header: pages of the offsets table.
    std::fstream f(path(), std::ios::in | std::ios::out | std::ios::binary);
    f.seekp(static_cast<std::streamoff>(fs::file_size(path()) / 2));
    f << std::string(4096, '\x5a');
  }
  std::string error = open_error();
  EXPECT_TRUE(error.find("corrupt") != std::string::npos ||
              error.find("malformed") != std::string::npos)
      << error;
}

TEST_F(SqliteStoreTest, UnopenablePathIsRefused) {
  fs::create_directories(path());  // a directory where the file should be
  std::string error = open_error();
  EXPECT_NE(error.find(path()), std::string::npos) << error;
}

}  // namespace
}  // namespace groupwire::coordinator::testing
