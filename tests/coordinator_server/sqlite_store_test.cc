// The SQLite store on real files: what is written comes back, batches share transactions, and a
// database that cannot be trusted is refused with a message rather than used.
#include "storage/sqlite_store.h"

#include <filesystem>
#include <fstream>
#include <future>

#include <gtest/gtest.h>
#include <sqlite3.h>

namespace groupwire::coordinator {
namespace {

namespace fs = std::filesystem;

class SqliteStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("groupwire-store-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }

  std::string path() const { return (dir_ / "groupwire.db").string(); }

  std::unique_ptr<SqliteStore> open(std::optional<std::int64_t> max_pages = std::nullopt) {
    std::string error;
    auto store = SqliteStore::open({.path = path(), .fsync = true, .max_pages = max_pages}, error);
    EXPECT_TRUE(store) << error;
    return store;
  }

  std::string open_error() {
    std::string error;
    EXPECT_EQ(SqliteStore::open({.path = path(), .fsync = true, .max_pages = std::nullopt}, error),
              nullptr);
    return error;
  }

  static v1::ErrorCode write(SqliteStore& store, WriteBatch batch) {
    std::promise<v1::ErrorCode> done;
    store.append(std::move(batch), [&](v1::ErrorCode e) { done.set_value(e); });
    return done.get_future().get();
  }

  static StoredGroups load(SqliteStore& store) {
    std::string error;
    auto stored = store.load(error);
    EXPECT_TRUE(stored) << error;
    return stored.value_or(StoredGroups{});
  }

  void raw_sql(const char* sql) {
    sqlite3* db = nullptr;
    ASSERT_EQ(sqlite3_open(path().c_str(), &db), SQLITE_OK);
    ASSERT_EQ(sqlite3_exec(db, sql, nullptr, nullptr, nullptr), SQLITE_OK) << sqlite3_errmsg(db);
    sqlite3_close(db);
  }

  fs::path dir_;
};

GroupMetadataRecord stable_group(const std::string& id, int generation) {
  return GroupMetadataRecord{
      .group_id = id,
      .generation_id = generation,
      .protocol_type = "consumer",
      .protocol_name = "range",
      .leader_id = "m1",
      .current_state_timestamp_ms = 1234,
      .members = {StoredMember{.member_id = "m1",
                               .group_instance_id = "i1",
                               .client_id = "c1",
                               .client_host = "/10.0.0.1",
                               .session_timeout_ms = 10000,
                               .rebalance_timeout_ms = 30000,
                               .metadata = std::string("\0\1meta", 6),
                               .assignment = std::string("\0\2assign", 8)},
                  StoredMember{.member_id = "m2",
                               .group_instance_id = std::nullopt,
                               .client_id = "c2",
                               .client_host = "/10.0.0.2",
                               .session_timeout_ms = 45000,
                               .rebalance_timeout_ms = 300000,
                               .metadata = "",
                               .assignment = ""}},
  };
}

OffsetCommitRecord offset(const std::string& group, const std::string& topic, int partition,
                          std::int64_t value) {
  return OffsetCommitRecord{.key = {group, topic, partition},
                            .committed_offset = value,
                            .leader_epoch = 4,
                            .metadata = "meta",
                            .commit_timestamp_ms = 99,
                            .expire_timestamp_ms = std::nullopt};
}

TEST_F(SqliteStoreTest, WhatIsWrittenComesBackAfterReopening) {
  {
    auto store = open();
    store->start();
    WriteBatch b;
    b.groups.push_back(stable_group("g", 7));
    b.offsets.push_back(offset("g", "orders", 0, 10));
    b.offsets.push_back(offset("g", "orders", 1, 20));
    b.offsets.back().expire_timestamp_ms = 5555;
    ASSERT_EQ(write(*store, std::move(b)), v1::NONE);
  }
  auto store = open();
  StoredGroups stored = load(*store);
  ASSERT_EQ(stored.groups.size(), 1u);
  const GroupMetadataRecord& g = stored.groups[0];
  GroupMetadataRecord expected = stable_group("g", 7);
  EXPECT_EQ(g.generation_id, 7);
  EXPECT_EQ(g.protocol_type, expected.protocol_type);
  EXPECT_EQ(g.protocol_name, expected.protocol_name);
  EXPECT_EQ(g.leader_id, expected.leader_id);
  EXPECT_EQ(g.current_state_timestamp_ms, 1234);
  ASSERT_EQ(g.members.size(), 2u);
  for (std::size_t i = 0; i < 2; ++i) {
    EXPECT_EQ(g.members[i].member_id, expected.members[i].member_id);
    EXPECT_EQ(g.members[i].group_instance_id, expected.members[i].group_instance_id);
    EXPECT_EQ(g.members[i].client_host, expected.members[i].client_host);
    EXPECT_EQ(g.members[i].session_timeout_ms, expected.members[i].session_timeout_ms);
    EXPECT_EQ(g.members[i].rebalance_timeout_ms, expected.members[i].rebalance_timeout_ms);
    EXPECT_EQ(g.members[i].metadata, expected.members[i].metadata);
    EXPECT_EQ(g.members[i].assignment, expected.members[i].assignment);
  }
  ASSERT_EQ(stored.offsets.size(), 2u);
  EXPECT_EQ(stored.offsets[0].committed_offset, 10);
  EXPECT_EQ(stored.offsets[0].leader_epoch, 4);
  EXPECT_EQ(stored.offsets[0].metadata, "meta");
  EXPECT_EQ(stored.offsets[0].expire_timestamp_ms, std::nullopt);
  EXPECT_EQ(stored.offsets[1].expire_timestamp_ms, 5555);
}

TEST_F(SqliteStoreTest, GroupRecordReplacesMembersAndTombstonesDelete) {
  auto store = open();
  store->start();
  WriteBatch first;
  first.groups.push_back(stable_group("g", 1));
  first.groups.push_back(stable_group("gone", 1));
  first.offsets = {offset("g", "t", 0, 1), offset("g", "t", 1, 1), offset("gone", "t", 0, 1)};
  ASSERT_EQ(write(*store, std::move(first)), v1::NONE);
  WriteBatch second;
  GroupMetadataRecord empty{.group_id = "g", .generation_id = 2, .protocol_type = "consumer"};
  second.groups.push_back(empty);
  second.offsets.push_back(offset("g", "t", 0, 50));
  second.deleted_offsets.push_back({"g", "t", 1});
  second.deleted_groups.push_back("gone");
  ASSERT_EQ(write(*store, std::move(second)), v1::NONE);
  store->stop();
  StoredGroups stored = load(*store);
  ASSERT_EQ(stored.groups.size(), 1u);
  EXPECT_EQ(stored.groups[0].group_id, "g");
  EXPECT_EQ(stored.groups[0].generation_id, 2);
  EXPECT_TRUE(stored.groups[0].members.empty());
  ASSERT_EQ(stored.offsets.size(), 1u);
  EXPECT_EQ(stored.offsets[0].key.partition, 0);
  EXPECT_EQ(stored.offsets[0].committed_offset, 50);
}

TEST_F(SqliteStoreTest, WaitingBatchesShareOneTransaction) {
  auto store = open();
  constexpr int kBatches = 100;
  std::atomic<int> ok{0};
  std::promise<void> all;
  for (int i = 0; i < kBatches; ++i) {
    WriteBatch b;
    b.offsets.push_back(offset("g", "t", i, i));
    store->append(std::move(b), [&](v1::ErrorCode e) {
      if (e == v1::NONE && ++ok == kBatches) all.set_value();
    });
  }
  store->start();  // everything above waits at the start of the first write
  all.get_future().get();
  EXPECT_EQ(store->transactions(), 1u);
  EXPECT_EQ(store->batches(), static_cast<std::uint64_t>(kBatches));
}

TEST_F(SqliteStoreTest, FullDiskFailsWritesRetriablyAndKeepsWhatWasThere) {
  {
    auto store = open();
    store->start();
    WriteBatch b;
    b.offsets.push_back(offset("g", "t", 0, 1));
    ASSERT_EQ(write(*store, std::move(b)), v1::NONE);
  }
  auto store = open(/*max_pages=*/8);
  store->start();
  WriteBatch big;
  for (int i = 0; i < 2000; ++i) big.offsets.push_back(offset("g", "t", i, i));
  EXPECT_EQ(write(*store, std::move(big)), v1::COORDINATOR_NOT_AVAILABLE);
  WriteBatch small;
  small.offsets.push_back(offset("g", "t", 0, 2));
  EXPECT_EQ(write(*store, std::move(small)), v1::NONE);  // the failed transaction left nothing
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
}  // namespace groupwire::coordinator
