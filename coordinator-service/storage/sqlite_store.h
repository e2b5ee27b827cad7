// The embedded default store: one SQLite database in WAL mode; each group commit is one
// transaction and one fsync.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "storage/group_store.h"

struct sqlite3;

namespace groupwire::coordinator {

class SqliteStore final : public GroupStore {
 public:
  struct Options {
    std::string path;   // ":memory:" for a database that dies with the process
    bool fsync = true;  // false: commits reach the OS only (benchmark baseline, not durable)
    std::optional<std::int64_t> max_pages;  // caps the file, as a full disk would
    OnWrite on_write{};
    OnFailed on_failed{};
  };

  // Opens or creates the database, checks it and brings its schema up to date. On failure:
  // nullptr and a message naming the file and what is wrong with it.
  static std::unique_ptr<SqliteStore> open(const Options& options, std::string& error);
  ~SqliteStore() override;  // stop()

  std::optional<StoredGroups> load(std::string& error) override;
  std::string location() const override { return path_; }

  static constexpr int kSchemaVersion = 2;

 private:
  class Statements;

  SqliteStore(sqlite3* db, Options options);
  std::size_t write(const std::vector<WriteBatch>& batches,
                    std::vector<v1::ErrorCode>& outcomes) override;

  sqlite3* db_;
  std::string path_;
  std::unique_ptr<Statements> statements_;
};

}  // namespace groupwire::coordinator
