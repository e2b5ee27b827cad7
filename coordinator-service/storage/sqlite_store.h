// The embedded default store: one SQLite database in WAL mode, written by one thread that turns
// every batch waiting at the start of a write into one transaction and one fsync.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "storage/group_log.h"

struct sqlite3;

namespace groupwire::coordinator {

class SqliteStore final : public GroupLog {
 public:
  struct Options {
    std::string path;   // ":memory:" for a database that dies with the process
    bool fsync = true;  // false: commits reach the OS only (benchmark baseline, not durable)
    std::optional<std::int64_t> max_pages;  // caps the file, as a full disk would
    // After each committed transaction, on the writer thread: its duration and batch count.
    std::function<void(double seconds, std::size_t batches)> on_write{};
  };

  // Opens or creates the database, checks it and brings its schema up to date. On failure:
  // nullptr and a message naming the file and what is wrong with it.
  static std::unique_ptr<SqliteStore> open(const Options& options, std::string& error);
  ~SqliteStore() override;  // stop()
  SqliteStore(const SqliteStore&) = delete;
  SqliteStore& operator=(const SqliteStore&) = delete;

  // Everything stored. Call once, before start().
  std::optional<StoredGroups> load(std::string& error);
  // Starts the writer thread; appends made before it wait for it.
  void start();
  // `done` runs on the writer thread. Batches that arrive while a write is in flight share the
  // next transaction and fsync (group commit).
  void append(WriteBatch batch, Done done) override;
  // Writes what was appended, then ends the writer thread. Idempotent.
  void stop();

  // Transactions committed (each one fsync) and batches written: their ratio is the group commit.
  std::uint64_t transactions() const { return transactions_.load(); }
  std::uint64_t batches() const { return batches_.load(); }

  static constexpr int kSchemaVersion = 1;

 private:
  struct Pending {
    WriteBatch batch;
    Done done;
  };
  class Statements;

  SqliteStore(sqlite3* db, Options options);
  void run();
  v1::ErrorCode write(const std::vector<Pending>& pending);

  sqlite3* db_;
  Options options_;
  std::unique_ptr<Statements> statements_;
  std::mutex mutex_;
  std::condition_variable wake_;
  std::vector<Pending> queue_;
  bool stopping_ = false;
  std::thread writer_;
  std::atomic<std::uint64_t> transactions_{0};
  std::atomic<std::uint64_t> batches_{0};
};

}  // namespace groupwire::coordinator
