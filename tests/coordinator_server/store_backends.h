// The store tests' backends: each opens the same fresh database every time, SQLite in a temporary
// directory or PostgreSQL on a throwaway server of the test's own.
#pragma once

#include <unistd.h>

#include <filesystem>
#include <memory>
#include <string>

#include <gtest/gtest.h>

#include "postgres_server.h"
#include "storage/postgres_store.h"
#include "storage/sqlite_store.h"

namespace groupwire::coordinator::testing {

class StoreBackend {
 public:
  virtual ~StoreBackend() = default;
  // The test's database, opened anew (not started); nullptr and a test failure if it cannot be.
  virtual std::unique_ptr<GroupStore> open() = 0;
};

class SqliteBackend final : public StoreBackend {
 public:
  SqliteBackend() {
    dir_ = std::filesystem::temp_directory_path() /
           ("groupwire-store-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
  }
  ~SqliteBackend() override { std::filesystem::remove_all(dir_); }

  std::string path() const { return (dir_ / "groupwire.db").string(); }

  std::unique_ptr<GroupStore> open() override { return open_sqlite(); }
  std::unique_ptr<SqliteStore> open_sqlite(std::optional<std::int64_t> max_pages = std::nullopt,
                                           GroupStore::OnFailed on_failed = {}) {
    std::string error;
    auto store = SqliteStore::open(
        {.path = path(), .fsync = true, .max_pages = max_pages, .on_failed = std::move(on_failed)},
        error);
    EXPECT_TRUE(store) << error;
    return store;
  }

 private:
  std::filesystem::path dir_;
};

class PostgresBackend final : public StoreBackend {
 public:
  static constexpr std::size_t kPartitions = 10;

  PostgresBackend() {
    std::string error;
    server_ = groupwire::testing::PostgresServer::start(error);
    EXPECT_TRUE(server_) << error;
    if (server_) {
      EXPECT_TRUE(server_->create_database("groupwire", error)) << error;
    }
  }

  groupwire::testing::PostgresServer& server() { return *server_; }
  std::string conninfo() const { return server_ ? server_->conninfo("groupwire") : "port=1"; }

  std::unique_ptr<GroupStore> open() override { return open_postgres(); }
  std::unique_ptr<PostgresStore> open_postgres(std::size_t partitions = kPartitions) {
    std::string error;
    auto store =
        PostgresStore::open({.conninfo = conninfo(), .group_partitions = partitions}, error);
    EXPECT_TRUE(store) << error;
    return store;
  }

 private:
  std::unique_ptr<groupwire::testing::PostgresServer> server_;
};

}  // namespace groupwire::coordinator::testing
