// Coordinators sharing one real PostgreSQL database (a throwaway server of the test's own), in
// process: partitions spread evenly over the live ones, a coordinator that stops hands its
// partitions over at once, one that disappears loses them when its leases expire, and a
// coordinator whose lease was taken can no longer write.
#include <libpq-fe.h>

#include <atomic>
#include <chrono>
#include <future>
#include <map>
#include <thread>

#include <gtest/gtest.h>

#include "cluster/lease_cluster_view.h"
#include "cluster/lease_manager.h"
#include "kafka/group_hash.h"
#include "server/group_calls.h"
#include "store_backends.h"
#include "store_records.h"

namespace groupwire::coordinator::testing {
namespace {

using namespace std::chrono_literals;

constexpr std::size_t kPartitions = 10;
constexpr auto kLease = 1000ms;

// One coordinator: its store, partitions, lease table and manager.
struct Member {
  Member(PostgresBackend& db, const std::string& id) {
    std::string error;
    store =
        PostgresStore::open({.conninfo = db.conninfo(), .group_partitions = kPartitions}, error);
    EXPECT_TRUE(store) << error;
    table = LeaseTable::open(db.conninfo(), id, kLease, error);
    EXPECT_TRUE(table) << error;
    if (!store || !table) return;
    store->start();
    partitions.emplace(GroupConfig{}, kPartitions, 2, *store, PartitionState::kNotOwned);
    manager = std::make_unique<LeaseManager>(
        *table, *partitions, kLease,
        LeaseReporting{.metrics = &metrics, .on_serving = [this](bool s) { serving = s; }});
    manager->start();
  }
  ~Member() { stop(); }
  void stop() {
    if (manager) manager->stop();
    if (store) store->stop();
    if (partitions) partitions->stop();
  }

  metrics::Registry registry;
  ClusterMetrics metrics = register_cluster_metrics(registry);
  std::atomic<bool> serving{false};
  std::unique_ptr<PostgresStore> store;
  std::unique_ptr<LeaseTable> table;
  std::optional<Partitions> partitions;
  std::unique_ptr<LeaseManager> manager;
};

// Waits for condition() (polled: the managers act on their own period), failing after `limit`.
template <class Condition>
bool eventually(Condition condition, std::chrono::milliseconds limit = 10000ms) {
  auto deadline = std::chrono::steady_clock::now() + limit;
  while (!condition()) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::sleep_for(20ms);
  }
  return true;
}

pb::ErrorCode commit(Partitions& partitions, const std::string& group, std::int64_t offset) {
  pb::OffsetCommitRequest req;
  req.set_group_id(group);
  req.set_generation_id(-1);
  auto* t = req.add_topics();
  t->set_name("t");
  t->add_partitions()->set_committed_offset(offset);
  std::promise<pb::ErrorCode> answered;
  partitions.post(partitions.partition_for(group), [&](GroupPartition& g) {
    g.offset_commit(req, [&](pb::OffsetCommitResponse r) {
      answered.set_value(r.topics(0).partitions(0).error_code());
    });
  });
  return answered.get_future().get();
}

class ClusterTest : public ::testing::Test {
 protected:
  PostgresBackend db_;
};

TEST_F(ClusterTest, PartitionsSpreadEvenlyAndAStoppingCoordinatorHandsItsShareOver) {
  Member a(db_, "a:1");
  ASSERT_TRUE(eventually([&] { return a.manager->owned().size() == kPartitions; }));
  Member b(db_, "b:1");
  ASSERT_TRUE(eventually([&] {
    return a.manager->owned().size() == kPartitions / 2 &&
           b.manager->owned().size() == kPartitions / 2;
  })) << a.manager->owned().size()
      << " / " << b.manager->owned().size();
  for (const auto& [p, epoch] : b.manager->owned()) EXPECT_FALSE(a.manager->owned().count(p));

  // Handed over, not left to expire: well within one lease.
  auto stopped = std::chrono::steady_clock::now();
  b.stop();
  ASSERT_TRUE(eventually([&] { return a.manager->owned().size() == kPartitions; }, kLease));
  EXPECT_LT(std::chrono::steady_clock::now() - stopped, kLease);
  for (std::size_t p = 0; p < kPartitions; ++p) {
    std::string group;
    for (int i = 0; kafka::partition_for(group, kPartitions) != p || group.empty(); ++i) {
      group = "g" + std::to_string(i);
    }
    EXPECT_EQ(commit(*a.partitions, group, 1), pb::NONE) << "partition " << p;
  }
}

// What gateways route by: any coordinator answers for the whole cluster, and a coordinator asked
// to list a partition it does not serve says so instead of listing nothing.
TEST_F(ClusterTest, TheRoutingTableNamesEveryOwnerAndOthersRefuseTheirPartitions) {
  Member a(db_, "a:1");
  ASSERT_TRUE(eventually([&] { return a.manager->owned().size() == kPartitions; }));
  Member b(db_, "b:1");
  ASSERT_TRUE(eventually([&] { return b.manager->owned().size() == kPartitions / 2; }));
  ASSERT_TRUE(eventually([&] { return a.manager->owned().size() == kPartitions / 2; }));

  std::string error;
  LeaseClusterView view("a:1", LeaseTable::open(db_.conninfo(), "", kLease, error), kPartitions);
  auto status = view.status(error);
  ASSERT_TRUE(status) << error;
  EXPECT_TRUE(view.clustered());
  std::map<std::int32_t, std::string> owners;
  for (const auto& c : status->coordinators()) {
    for (const auto& p : c.partitions()) owners[p.partition()] = c.advertise();
  }
  ASSERT_EQ(owners.size(), kPartitions);
  for (const auto& [p, epoch] : b.manager->owned()) EXPECT_EQ(owners[p], "b:1");

  auto list = [&](Partitions& partitions, std::int32_t partition) {
    pb::ListGroupsRequest req;
    req.add_group_partitions(partition);
    std::promise<pb::ListGroupsResponse> listed;
    GroupCalls(partitions).list_groups(req, [&](pb::ListGroupsResponse r) { listed.set_value(r); });
    return listed.get_future().get().error_code();
  };
  auto b_owns = b.manager->owned().begin()->first;
  auto a_owns = a.manager->owned().begin()->first;
  EXPECT_EQ(list(*a.partitions, b_owns), pb::NOT_COORDINATOR);
  EXPECT_EQ(list(*a.partitions, a_owns), pb::NONE);
}

// What one coordinator acknowledged, the next owner of the partition serves.
TEST_F(ClusterTest, ANewOwnerLoadsWhatThePreviousOneCommitted) {
  auto a = std::make_unique<Member>(db_, "a:1");
  ASSERT_TRUE(eventually([&] { return a->manager->owned().size() == kPartitions; }));
  ASSERT_EQ(commit(*a->partitions, "orders", 42), pb::NONE);
  a->stop();
  Member b(db_, "b:1");
  ASSERT_TRUE(eventually([&] { return b.manager->owned().size() == kPartitions; }));
  pb::OffsetFetchGroup fetch;
  fetch.set_group_id("orders");
  fetch.set_all_topics(true);
  std::promise<pb::OffsetFetchGroupResponse> fetched;
  b.partitions->post(b.partitions->partition_for("orders"), [&](GroupPartition& g) {
    g.offset_fetch(fetch, [&](pb::OffsetFetchGroupResponse r) { fetched.set_value(r); });
  });
  auto r = fetched.get_future().get();
  ASSERT_EQ(r.topics_size(), 1);
  EXPECT_EQ(r.topics(0).partitions(0).committed_offset(), 42);
}

// Another coordinator took a partition (as after this one was paused): this one's writes are
// refused by the database, and it stops serving the partition once it sees the lease is gone.
TEST_F(ClusterTest, ALostLeaseFencesWritesAndStopsServing) {
  Member a(db_, "a:1");
  ASSERT_TRUE(eventually([&] { return a.manager->owned().size() == kPartitions; }));
  auto p = static_cast<std::int32_t>(a.partitions->partition_for("orders"));
  ASSERT_EQ(commit(*a.partitions, "orders", 1), pb::NONE);
  PGconn* pg = PQconnectdb(db_.conninfo().c_str());
  PQclear(
      PQexec(pg, ("UPDATE groupwire_leases SET owner = 'thief:1', epoch = epoch + 1, "
                  "expires_at = clock_timestamp() + interval '1 hour' WHERE group_partition = " +
                  std::to_string(p))
                     .c_str()));
  PQfinish(pg);
  pb::ErrorCode e = commit(*a.partitions, "orders", 2);
  EXPECT_EQ(e, pb::NOT_COORDINATOR);
  ASSERT_TRUE(eventually([&] { return !a.manager->owned().count(p); }, kLease));
  EXPECT_EQ(commit(*a.partitions, "orders", 3), pb::NOT_COORDINATOR);
  EXPECT_EQ(a.manager->owned().size(), kPartitions - 1);  // the others stay served
}

// The database is gone (as when a network cut separates them): the coordinator stops answering
// for its partitions, and says it is not ready, before its leases could have expired.
TEST_F(ClusterTest, CutOffFromTheDatabaseItStopsServingBeforeItsLeasesExpire) {
  Member a(db_, "a:1");
  ASSERT_TRUE(eventually([&] { return a.manager->owned().size() == kPartitions; }));
  EXPECT_TRUE(a.serving);
  EXPECT_EQ(a.metrics.takeovers.value(), static_cast<double>(kPartitions));
  EXPECT_EQ(a.metrics.partitions_owned.value(), static_cast<double>(kPartitions));
  auto cut = std::chrono::steady_clock::now();
  ASSERT_TRUE(db_.server().stop());
  // No later than 2/3 of a lease after the last renewal, which came at most a period before.
  ASSERT_TRUE(eventually([&] { return commit(*a.partitions, "orders", 1) == pb::NOT_COORDINATOR; },
                         kLease));
  EXPECT_LT(std::chrono::steady_clock::now() - cut, kLease);
  ASSERT_TRUE(eventually([&] { return !a.serving && a.manager->owned().empty(); }, kLease));
  EXPECT_GT(a.metrics.renewals_failed.value(), 0);
  EXPECT_EQ(a.metrics.leases_lost.value(), static_cast<double>(kPartitions));
}

}  // namespace
}  // namespace groupwire::coordinator::testing
