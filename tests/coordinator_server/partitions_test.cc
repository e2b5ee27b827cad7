// Group ids map to partitions exactly as Kafka's partitionFor does, and partitions run their code
// on their own worker thread.
#include "server/partitions.h"
#include "in_process.h"

#include <future>
#include <mutex>
#include <set>

#include <gtest/gtest.h>

namespace groupwire::coordinator {
namespace {

// Expected values computed from Java's String.hashCode (UTF-16 code units).
TEST(JavaStringHash, MatchesJava) {
  EXPECT_EQ(java_string_hash("group"), 98629247);
  EXPECT_EQ(java_string_hash(""), 0);
  EXPECT_EQ(java_string_hash("my-group"), -1906497762);
  EXPECT_EQ(java_string_hash("console-consumer-12345"), 158455506);
  EXPECT_EQ(java_string_hash("polygenelubricants"), INT32_MIN);
}

TEST(JavaStringHash, NonAsciiHashesUtf16CodeUnits) {
  EXPECT_EQ(java_string_hash("\xC3\xA9"), 233);               // é
  EXPECT_EQ(java_string_hash("gr\xC3\xBCppe"), -1233264812);  // grüppe
  EXPECT_EQ(java_string_hash("\xF0\x9F\x98\x80"), 1772899);   // 😀, a surrogate pair
  EXPECT_EQ(java_string_hash("\xE6\x97\xA5\xE6\x9C\xAC\xE8\xAA\x9E\xE3\x82\xB0\xE3\x83\xAB"
                             "\xE3\x83\xBC\xE3\x83\x97"),
            -305235731);  // 日本語グループ
}

TEST(JavaStringHash, MalformedUtf8DecodesToReplacementCharacters) {
  // "ab", 0xFF, E0 80 (overlong), "c", a truncated 4-byte sequence: ab\uFFFD\uFFFD\uFFFDc\uFFFD.
  EXPECT_EQ(java_string_hash("ab\xFF\xE0\x80"
                             "c\xF0\x9F\x98"),
            1106099606);
}

TEST(PartitionFor, KafkaFormula) {
  EXPECT_EQ(partition_for("group", 50), 47u);
  EXPECT_EQ(partition_for("", 50), 0u);
  EXPECT_EQ(partition_for("my-group", 50), 12u);           // negative hash: abs first
  EXPECT_EQ(partition_for("polygenelubricants", 50), 0u);  // Utils.abs(INT_MIN) is 0
  EXPECT_EQ(partition_for("groupwire-test-group", 50), 15u);
  EXPECT_EQ(partition_for("group", 1), 0u);
}

TEST(Partitions, PostRunsOnThePartitionsWorker) {
  GroupConfig config;
  auto store = testing::memory_store();
  Partitions partitions(config, 5, 2, *store);
  EXPECT_EQ(partitions.size(), 5u);
  EXPECT_EQ(partitions.threads(), 2u);
  EXPECT_EQ(partitions.partition_for("group"), 2u);  // 98629247 % 5

  std::vector<std::thread::id> ids;
  for (std::size_t p = 0; p < partitions.size(); ++p) {
    std::promise<std::thread::id> on;
    auto f = on.get_future();
    partitions.post(p, [&on](GroupPartition&) { on.set_value(std::this_thread::get_id()); });
    ids.push_back(f.get());
  }
  // Partition p lives on worker p % 2.
  EXPECT_EQ(ids[0], ids[2]);
  EXPECT_EQ(ids[0], ids[4]);
  EXPECT_EQ(ids[1], ids[3]);
  EXPECT_NE(ids[0], ids[1]);
  EXPECT_NE(ids[0], std::this_thread::get_id());
  partitions.stop();
  partitions.stop();  // idempotent
}

// The work of several partitions goes over in one post to their worker, which finds each
// partition's state machine there.
TEST(Partitions, PostToWorkerServesEachOfTheWorkersPartitions) {
  GroupConfig config;
  auto store = testing::memory_store();
  Partitions partitions(config, 5, 2, *store);
  EXPECT_EQ(partitions.worker_of(0), 0u);
  EXPECT_EQ(partitions.worker_of(3), 1u);
  EXPECT_EQ(partitions.worker_of(4), 0u);

  std::promise<std::thread::id> of_partition_2;
  partitions.post(2,
                  [&](GroupPartition&) { of_partition_2.set_value(std::this_thread::get_id()); });
  std::promise<std::thread::id> on;
  std::promise<bool> served;
  partitions.post_to_worker(partitions.worker_of(2), [&] {
    on.set_value(std::this_thread::get_id());
    served.set_value(partitions.serving(0) != nullptr && partitions.serving(2) != nullptr &&
                     partitions.serving(4) != nullptr &&
                     partitions.serving(0) != partitions.serving(2));
  });
  EXPECT_EQ(on.get_future().get(), of_partition_2.get_future().get());
  EXPECT_TRUE(served.get_future().get());
  partitions.stop();
}

TEST(Partitions, NoMoreWorkersThanPartitions) {
  GroupConfig config;
  auto store = testing::memory_store();
  Partitions partitions(config, 2, 8, *store);
  EXPECT_EQ(partitions.threads(), 2u);
}

TEST(Partitions, LoadHandsEachPartitionItsOwnGroups) {
  GroupConfig config;
  auto store = testing::memory_store();
  Partitions partitions(config, 5, 2, *store);
  StoredGroups stored;
  const std::vector<std::string> ids = {"group", "orders", "payments", "a", "b", "c"};
  for (const auto& id : ids) {
    stored.groups.push_back(GroupMetadataRecord{.group_id = id, .generation_id = 3});
  }
  partitions.load(std::move(stored));
  for (const auto& id : ids) {
    for (std::size_t p = 0; p < partitions.size(); ++p) {
      std::promise<bool> found;
      partitions.post(p, [&](GroupPartition& g) {
        EXPECT_EQ(g.state(), PartitionState::kActive);
        found.set_value(g.find_group(id) != nullptr);
      });
      EXPECT_EQ(found.get_future().get(), p == partitions.partition_for(id)) << id << " in " << p;
    }
  }
}

// ---- Ownership in a cluster -------------------------------------------------------------------

// A store that keeps what it is given and completes each write when the test says so.
class HeldStore final : public GroupLog {
 public:
  void append(WriteBatch batch, Done done) override {
    std::lock_guard lock(mutex_);
    written_.push_back(batch);
    waiting_.push_back(std::move(done));
  }
  void complete_all() {
    std::vector<Done> waiting;
    {
      std::lock_guard lock(mutex_);
      waiting.swap(waiting_);
    }
    for (auto& done : waiting) done(pb::NONE);
  }
  std::vector<WriteBatch> written() {
    std::lock_guard lock(mutex_);
    return written_;
  }

 private:
  std::mutex mutex_;
  std::vector<WriteBatch> written_;
  std::vector<Done> waiting_;
};

// Commits `offset` for `group`'s simple group; `answered` gets the partition's error code.
void send_commit(Partitions& partitions, const std::string& group, std::int64_t offset,
                 std::promise<pb::ErrorCode>& answered) {
  pb::OffsetCommitRequest req;
  req.set_group_id(group);
  req.set_generation_id(-1);
  auto* t = req.add_topics();
  t->set_name("t");
  t->add_partitions()->set_committed_offset(offset);
  partitions.post(partitions.partition_for(group), [&answered, req](GroupPartition& g) {
    g.offset_commit(req, [&answered](pb::OffsetCommitResponse r) {
      answered.set_value(r.topics(0).partitions(0).error_code());
    });
  });
}

// The answer a partition gives right now to a commit of `group`.
pb::ErrorCode commit_error(Partitions& partitions, const std::string& group,
                           std::promise<pb::ErrorCode>& answered) {
  auto f = answered.get_future();
  send_commit(partitions, group, 5, answered);
  return f.wait_for(std::chrono::milliseconds(200)) == std::future_status::ready
             ? f.get()
             : pb::UNKNOWN_SERVER_ERROR;  // not answered yet
}

PartitionState state_of(Partitions& partitions, std::size_t p) {
  std::promise<PartitionState> state;
  partitions.post(p, [&](GroupPartition& g) { state.set_value(g.state()); });
  return state.get_future().get();
}

TEST(PartitionOwnership, TakenLoadedWrittenUnderItsLeaseAndReleasedOnceDrained) {
  GroupConfig config;
  HeldStore store;
  Partitions partitions(config, 4, 2, store, PartitionState::kNotOwned);
  std::size_t p = partitions.partition_for("g");
  std::promise<pb::ErrorCode> before;
  EXPECT_EQ(commit_error(partitions, "g", before), pb::NOT_COORDINATOR);

  partitions.serve_until(std::chrono::steady_clock::now() + std::chrono::hours(1));
  partitions.take(p, PartitionLease{static_cast<std::int32_t>(p), 7});
  EXPECT_EQ(state_of(partitions, p), PartitionState::kLoading);
  partitions.load_partition(p, {});
  EXPECT_EQ(state_of(partitions, p), PartitionState::kActive);

  std::promise<pb::ErrorCode> in_flight;
  auto answered = in_flight.get_future();
  send_commit(partitions, "g", 9, in_flight);
  EXPECT_EQ(state_of(partitions, p), PartitionState::kActive);  // the commit reached the store
  auto written = store.written();
  ASSERT_EQ(written.size(), 1u);
  ASSERT_TRUE(written[0].lease);
  EXPECT_EQ(written[0].lease->epoch, 7);

  std::promise<void> drained;
  auto drained_f = drained.get_future();
  partitions.release(p, [&] { drained.set_value(); });
  EXPECT_EQ(state_of(partitions, p), PartitionState::kNotOwned);  // answers so at once
  EXPECT_EQ(drained_f.wait_for(std::chrono::milliseconds(100)), std::future_status::timeout)
      << "drained with a write in flight";
  store.complete_all();
  EXPECT_EQ(answered.get(), pb::NONE);  // the write in flight answers its outcome
  drained_f.get();
  std::promise<pb::ErrorCode> after;
  EXPECT_EQ(commit_error(partitions, "g", after), pb::NOT_COORDINATOR);
  EXPECT_EQ(store.written().size(), 1u);  // nothing written once released
}

// A lease not renewed in time: the partition stops serving at the next call, whatever the lease
// manager is doing (paused with the rest of the process, say).
TEST(PartitionOwnership, ACallAfterTheServingDeadlineFindsThePartitionUnloaded) {
  GroupConfig config;
  HeldStore store;
  Partitions partitions(config, 4, 2, store, PartitionState::kNotOwned);
  std::size_t p = partitions.partition_for("g");
  partitions.serve_until(std::chrono::steady_clock::now() + std::chrono::hours(1));
  partitions.take(p, PartitionLease{static_cast<std::int32_t>(p), 1});
  partitions.load_partition(p, {});
  EXPECT_EQ(state_of(partitions, p), PartitionState::kActive);
  partitions.serve_until(std::chrono::steady_clock::now() - std::chrono::milliseconds(1));
  std::promise<pb::ErrorCode> answered;
  EXPECT_EQ(commit_error(partitions, "g", answered), pb::NOT_COORDINATOR);
  EXPECT_TRUE(store.written().empty());
}

}  // namespace
}  // namespace groupwire::coordinator
