// A durable home for group partitions' records, with group commit: one writer thread turns every
// batch waiting at the start of a write into one transaction. SqliteStore (embedded, the default)
// and PostgresStore (shared by a cluster of coordinators) say how a transaction is written and how
// the stored records are read back.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "storage/group_log.h"

namespace groupwire::coordinator {

class GroupStore : public GroupLog {
 public:
  // After each committed transaction, on the writer thread: its duration and batch count.
  using OnWrite = std::function<void(double seconds, std::size_t batches)>;
  // On the writer thread: how many batches could not be written, for any reason but fencing.
  using OnFailed = std::function<void(std::size_t batches)>;

  ~GroupStore() override = default;  // subclasses stop() first: the writer uses what they own
  GroupStore(const GroupStore&) = delete;
  GroupStore& operator=(const GroupStore&) = delete;

  // Everything stored. Call before start().
  virtual std::optional<StoredGroups> load(std::string& error) = 0;
  // Where the records live, for messages: a file, or a server (never its password).
  virtual std::string location() const = 0;
  // Starts the writer thread; appends made before it wait for it.
  void start();
  // `done` runs on the writer thread. Batches that arrive while a write is in flight share the
  // next transaction (group commit).
  void append(WriteBatch batch, Done done) override;
  // Writes what was appended, then ends the writer thread. Idempotent.
  void stop();

  // Transactions committed and batches written in them: their ratio is the group commit.
  std::uint64_t transactions() const { return transactions_.load(); }
  std::uint64_t batches() const { return batches_.load(); }

 protected:
  GroupStore(OnWrite on_write, OnFailed on_failed)
      : on_write_(std::move(on_write)), on_failed_(std::move(on_failed)) {}
  void report_failed(std::size_t batches) const {
    if (on_failed_) on_failed_(batches);
  }
  // Writes the batches in order, in as few transactions as it can: outcomes[i] (NONE once
  // committed, else a Kafka error) answers batches[i]. Returns the transactions committed.
  // Called on the writer thread only.
  virtual std::size_t write(const std::vector<WriteBatch>& batches,
                            std::vector<v1::ErrorCode>& outcomes) = 0;

 private:
  void run();

  OnWrite on_write_;
  OnFailed on_failed_;
  std::mutex mutex_;
  std::condition_variable wake_;
  std::vector<WriteBatch> queue_;
  std::vector<Done> dones_;  // dones_[i] answers queue_[i]
  bool stopping_ = false;
  std::thread writer_;
  std::atomic<std::uint64_t> transactions_{0};
  std::atomic<std::uint64_t> batches_{0};
};

}  // namespace groupwire::coordinator
