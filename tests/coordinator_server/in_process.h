// What the in-process coordinator tests run on: a store on an in-memory database and loaded
// partitions, stopped in the right order (the store first: it reports to the partitions).
#pragma once

#include <memory>
#include <optional>
#include <string>

#include <gtest/gtest.h>

#include "server/partitions.h"
#include "storage/sqlite_store.h"

namespace groupwire::coordinator::testing {

// A started SqliteStore that dies with the process.
inline std::unique_ptr<SqliteStore> memory_store() {
  std::string error;
  auto store =
      SqliteStore::open({.path = ":memory:", .fsync = true, .max_pages = std::nullopt}, error);
  EXPECT_TRUE(store) << error;
  if (store) store->start();
  return store;
}

// 4 partitions on 2 threads, no initial rebalance delay.
class InProcessTest : public ::testing::Test {
 protected:
  void start_partitions() {
    GroupConfig config;
    config.initial_rebalance_delay = Millis(0);
    store_ = memory_store();
    partitions_.emplace(config, 4, 2, *store_);
    partitions_->load({});
  }
  // After the gRPC server: its parked calls finish on the partition threads.
  void stop_partitions() {
    if (store_) store_->stop();
    if (partitions_) partitions_->stop();
  }

  std::unique_ptr<SqliteStore> store_;
  std::optional<Partitions> partitions_;
};

}  // namespace groupwire::coordinator::testing
