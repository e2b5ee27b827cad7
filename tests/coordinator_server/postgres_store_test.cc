// The PostgreSQL store against a real server of the test's own, what only it has: coordinators
// starting together on a fresh database, a schema or partition count it must refuse, an older
// schema it upgrades, a partition's records loaded on their own, a server
// that goes away and comes back, and messages that name the server but not its password. What
// every store promises is in store_test.cc.
#include <libpq-fe.h>

#include <chrono>
#include <future>
#include <thread>

#include <gtest/gtest.h>

#include "kafka/group_hash.h"
#include "storage/lease_table.h"
#include "store_backends.h"
#include "store_records.h"

namespace groupwire::coordinator::testing {
namespace {

using namespace std::chrono_literals;

class PostgresStoreTest : public ::testing::Test {
 protected:
  std::string open_error(const std::string& conninfo,
                         std::size_t partitions = PostgresBackend::kPartitions) {
    std::string error;
    EXPECT_EQ(PostgresStore::open({.conninfo = conninfo, .group_partitions = partitions}, error),
              nullptr);
    return error;
  }

  // Runs one statement on the test's database; its first value, if any.
  std::string sql(const std::string& statement) {
    PGconn* pg = PQconnectdb(backend_.conninfo().c_str());
    PGresult* r = PQexec(pg, statement.c_str());
    auto status = PQresultStatus(r);
    EXPECT_TRUE(status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK) << PQerrorMessage(pg);
    std::string value = PQntuples(r) > 0 ? PQgetvalue(r, 0, 0) : "";
    PQclear(r);
    PQfinish(pg);
    return value;
  }

  PostgresBackend backend_;
};

TEST_F(PostgresStoreTest, CoordinatorsStartingTogetherShareOneSchema) {
  constexpr int kCoordinators = 4;
  std::vector<std::unique_ptr<PostgresStore>> stores(kCoordinators);
  std::vector<std::thread> starts;
  for (auto& s : stores) starts.emplace_back([&] { s = backend_.open_postgres(); });
  for (auto& t : starts) t.join();
  for (const auto& s : stores) ASSERT_TRUE(s);
  EXPECT_EQ(sql("SELECT value FROM groupwire_meta WHERE key = 'schema_version'"),
            std::to_string(PostgresStore::kSchemaVersion));
  stores[0]->start();
  ASSERT_EQ(write(*stores[0], offsets_batch("g", 3, 7)), v1::NONE);
  EXPECT_EQ(load(*stores[3]).offsets.size(), 3u);  // one database, whichever coordinator reads
}

TEST_F(PostgresStoreTest, RowsCarryTheirGroupPartition) {
  auto store = backend_.open_postgres();
  ASSERT_TRUE(store);
  store->start();
  WriteBatch b = offsets_batch("orders-app", 1, 5);
  b.groups.push_back(stable_group("orders-app", 1));
  b.consumer_group_records.push_back(
      consumer_group_record("orders-app", ConsumerGroupRecordKind::kGroupMetadata, "", "epoch"));
  ASSERT_EQ(write(*store, std::move(b)), v1::NONE);
  std::string expected =
      std::to_string(kafka::partition_for("orders-app", PostgresBackend::kPartitions));
  EXPECT_EQ(sql("SELECT group_partition FROM groupwire_groups"), expected);
  EXPECT_EQ(sql("SELECT group_partition FROM groupwire_offsets"), expected);
  EXPECT_EQ(sql("SELECT group_partition FROM groupwire_consumer_group_records"), expected);
}

// A coordinator that takes a partition's lease loads that partition's records and no other's.
TEST_F(PostgresStoreTest, APartitionLoadsOnlyItsOwnConsumerGroupRecords) {
  auto store = backend_.open_postgres();
  ASSERT_TRUE(store);
  store->start();
  auto partition_of = [](const std::string& group) {
    return static_cast<std::int32_t>(kafka::partition_for(group, PostgresBackend::kPartitions));
  };
  std::string mine = "mine", other = "other-0";
  for (int i = 0; partition_of(other) == partition_of(mine); ++i) {
    other = "other-" + std::to_string(i);
  }
  WriteBatch b;
  for (const auto& group : {mine, other}) {
    b.consumer_group_records.push_back(
        consumer_group_record(group, ConsumerGroupRecordKind::kMember, "m1", group + " m1"));
  }
  ASSERT_EQ(write(*store, std::move(b)), v1::NONE);
  std::string error;
  auto table = LeaseTable::open(backend_.conninfo(), "coordinator-a:9093", 1000ms, error);
  ASSERT_TRUE(table) << error;
  auto stored = table->load(partition_of(mine), error);
  ASSERT_TRUE(stored) << error;
  EXPECT_EQ(stored->consumer_group_records,
            std::vector<ConsumerGroupRecord>{
                consumer_group_record(mine, ConsumerGroupRecordKind::kMember, "m1", "mine m1")});
}

// A database of schema version 1, from before consumer groups, is brought up to date and keeps
// what it held.
TEST_F(PostgresStoreTest, VersionOneDatabaseGainsConsumerGroupRecords) {
  {
    auto store = backend_.open_postgres();
    ASSERT_TRUE(store);
    store->start();
    ASSERT_EQ(write(*store, offsets_batch("g", 1, 7)), v1::NONE);
  }
  sql("DROP TABLE groupwire_consumer_group_records");
  sql("UPDATE groupwire_meta SET value = '1' WHERE key = 'schema_version'");
  auto store = backend_.open_postgres();
  ASSERT_TRUE(store);
  EXPECT_EQ(sql("SELECT value FROM groupwire_meta WHERE key = 'schema_version'"),
            std::to_string(PostgresStore::kSchemaVersion));
  expect_upgraded_to_consumer_group_records(*store);
}

TEST_F(PostgresStoreTest, AnotherPartitionCountIsRefused) {
  ASSERT_TRUE(backend_.open_postgres());
  std::string error = open_error(backend_.conninfo(), PostgresBackend::kPartitions + 2);
  EXPECT_NE(error.find("holds groups in 10 group partitions and --group-partitions is 12"),
            std::string::npos)
      << error;
  EXPECT_TRUE(backend_.open_postgres());  // the right count still opens
}

TEST_F(PostgresStoreTest, NewerSchemaIsRefused) {
  ASSERT_TRUE(backend_.open_postgres());
  sql("UPDATE groupwire_meta SET value = '99' WHERE key = 'schema_version'");
  std::string error = open_error(backend_.conninfo());
  EXPECT_NE(error.find("schema version 99 is newer"), std::string::npos) << error;
}

TEST_F(PostgresStoreTest, UnreachableServerIsNamedWithoutItsPassword) {
  int port = backend_.server().port();
  ASSERT_TRUE(backend_.server().stop());
  std::string error = open_error(backend_.conninfo() + " password=hunter2 connect_timeout=2");
  EXPECT_NE(error.find("127.0.0.1:" + std::to_string(port) + "/groupwire"), std::string::npos)
      << error;
  EXPECT_NE(error.find("cannot connect"), std::string::npos) << error;
  EXPECT_EQ(error.find("hunter2"), std::string::npos) << error;
}

TEST_F(PostgresStoreTest, MissingDatabaseIsNamed) {
  std::string error = open_error(backend_.server().conninfo("no_such_db"));
  EXPECT_NE(error.find("no_such_db"), std::string::npos) << error;
  EXPECT_NE(error.find("does not exist"), std::string::npos) << error;
}

// Writes while the server is down fail with a retriable error, and nothing is half written;
// once it is back, the next write reconnects.
TEST_F(PostgresStoreTest, ServerRestartFailsWritesRetriablyThenReconnects) {
  auto store = backend_.open_postgres();
  ASSERT_TRUE(store);
  store->start();
  ASSERT_EQ(write(*store, offsets_batch("g", 2, 1)), v1::NONE);
  ASSERT_TRUE(backend_.server().stop());
  EXPECT_EQ(write(*store, offsets_batch("g", 2, 2)), v1::COORDINATOR_NOT_AVAILABLE);
  ASSERT_TRUE(backend_.server().restart());
  EXPECT_EQ(write(*store, offsets_batch("g", 2, 3)), v1::NONE);
  store->stop();
  StoredGroups stored = load(*store);
  ASSERT_EQ(stored.offsets.size(), 2u);
  for (const auto& o : stored.offsets) EXPECT_EQ(o.committed_offset, 3);
}

// A batch the database refuses fails its whole transaction, and leaves nothing of it behind.
TEST_F(PostgresStoreTest, RefusedWriteLeavesNothing) {
  auto store = backend_.open_postgres();
  ASSERT_TRUE(store);
  store->start();
  ASSERT_EQ(write(*store, offsets_batch("g", 1, 1)), v1::NONE);
  sql("ALTER TABLE groupwire_offsets ADD CONSTRAINT below_100 CHECK (committed_offset < 100)");
  WriteBatch b = offsets_batch("g", 1, 2);
  b.offsets.push_back(offset("g", "t", 1, 100));
  EXPECT_EQ(write(*store, std::move(b)), v1::NOT_COORDINATOR);
  EXPECT_EQ(write(*store, offsets_batch("g", 1, 3)), v1::NONE);  // the session is usable again
  store->stop();
  StoredGroups stored = load(*store);
  ASSERT_EQ(stored.offsets.size(), 1u);
  EXPECT_EQ(stored.offsets[0].committed_offset, 3);
}

// ---- Fencing: batches made under a partition lease ---------------------------------------------

class FencingTest : public PostgresStoreTest {
 protected:
  static constexpr const char* kMe = "coordinator-a:9093";

  std::unique_ptr<PostgresStore> open_as_me() {
    std::string error;
    auto store = PostgresStore::open(
        {.conninfo = backend_.conninfo(), .group_partitions = PostgresBackend::kPartitions}, error);
    EXPECT_TRUE(store) << error;
    if (store) store->start();
    return store;
  }
  void hold_lease(const std::string& owner, std::int32_t partition, std::int64_t epoch) {
    sql("UPDATE groupwire_leases SET owner = '" + owner + "', epoch = " + std::to_string(epoch) +
        " WHERE group_partition = " + std::to_string(partition));
  }
  // An offset commit and a consumer group record of `group` made under `epoch` of the group's
  // partition.
  static WriteBatch under_lease(const std::string& group, std::int64_t epoch, std::int64_t value) {
    WriteBatch b = offsets_batch(group, 1, value);
    b.consumer_group_records.push_back(consumer_group_record(
        group, ConsumerGroupRecordKind::kGroupMetadata, "", std::to_string(value)));
    b.lease = PartitionLease{partition_of(group), epoch};
    return b;
  }
  static std::int32_t partition_of(const std::string& group) {
    return static_cast<std::int32_t>(kafka::partition_for(group, PostgresBackend::kPartitions));
  }
};

TEST_F(FencingTest, WritesUnderTheCurrentLeaseCommit) {
  auto store = open_as_me();
  ASSERT_TRUE(store);
  hold_lease(kMe, partition_of("g"), 3);
  EXPECT_EQ(write(*store, under_lease("g", 3, 1)), v1::NONE);
  EXPECT_EQ(sql("SELECT committed_offset FROM groupwire_offsets"), "1");
  EXPECT_EQ(sql("SELECT convert_from(value, 'UTF8') FROM groupwire_consumer_group_records"), "1");
}

// Another coordinator took the partition (a higher epoch), or it was released (no owner): the
// write is refused and nothing of it is stored.
TEST_F(FencingTest, WritesUnderALostLeaseAreRefusedAndLeaveNothing) {
  auto store = open_as_me();
  ASSERT_TRUE(store);
  hold_lease("coordinator-b:9093", partition_of("g"), 4);
  EXPECT_EQ(write(*store, under_lease("g", 3, 1)), v1::NOT_COORDINATOR);
  hold_lease(kMe, partition_of("g"), 3);
  sql("UPDATE groupwire_leases SET owner = NULL");
  EXPECT_EQ(write(*store, under_lease("g", 3, 2)), v1::NOT_COORDINATOR);
  EXPECT_EQ(sql("SELECT count(*) FROM groupwire_offsets"), "0");
  EXPECT_EQ(sql("SELECT count(*) FROM groupwire_consumer_group_records"), "0");
}

// In one group commit, the batches of a fenced partition fail and the others still commit.
TEST_F(FencingTest, AFencedPartitionDoesNotFailTheOthersInItsGroupCommit) {
  auto store = open_as_me();
  ASSERT_TRUE(store);
  std::string kept = "kept", lost = "lost-0";
  for (int i = 0; partition_of(lost) == partition_of(kept); ++i) lost = "lost-" + std::to_string(i);
  hold_lease(kMe, partition_of(kept), 1);
  hold_lease("coordinator-b:9093", partition_of(lost), 2);
  store->stop();
  std::promise<v1::ErrorCode> kept_done, lost_done;
  store->append(under_lease(kept, 1, 7), [&](v1::ErrorCode e) { kept_done.set_value(e); });
  store->append(under_lease(lost, 1, 7), [&](v1::ErrorCode e) { lost_done.set_value(e); });
  store->start();
  EXPECT_EQ(kept_done.get_future().get(), v1::NONE);
  EXPECT_EQ(lost_done.get_future().get(), v1::NOT_COORDINATOR);
  EXPECT_EQ(sql("SELECT convert_from(group_id, 'UTF8') FROM groupwire_offsets"), kept);
  EXPECT_EQ(sql("SELECT convert_from(group_id, 'UTF8') FROM groupwire_consumer_group_records"),
            kept);
}

TEST_F(FencingTest, EveryPartitionHasALeaseRowFromTheStart) {
  ASSERT_TRUE(open_as_me());
  EXPECT_EQ(sql("SELECT count(*) FROM groupwire_leases WHERE owner IS NULL AND epoch = 0"),
            std::to_string(PostgresBackend::kPartitions));
}

}  // namespace
}  // namespace groupwire::coordinator::testing
