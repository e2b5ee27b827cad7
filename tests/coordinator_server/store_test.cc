// What every store promises, on each backend (SQLite and a real PostgreSQL server): what is
// written comes back exactly, a group record replaces the group, tombstones delete, consumer group
// records keep the last write of each key, and batches waiting for the writer share one
// transaction.
#include <atomic>
#include <functional>
#include <future>
#include <map>

#include <gtest/gtest.h>

#include "store_backends.h"
#include "store_records.h"

namespace groupwire::coordinator::testing {
namespace {

class StoreTest : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    if (GetParam() == "sqlite") {
      backend_ = std::make_unique<SqliteBackend>();
    } else {
      backend_ = std::make_unique<PostgresBackend>();
    }
  }

  std::unique_ptr<GroupStore> open() {
    auto store = backend_->open();
    if (!store) ADD_FAILURE() << "the store did not open";
    return store;
  }

  // Opened and started; a fatal failure if it does not open.
  std::unique_ptr<GroupStore> open_started() {
    auto store = open();
    if (store) store->start();
    return store;
  }

  std::unique_ptr<StoreBackend> backend_;
};

TEST_P(StoreTest, WhatIsWrittenComesBackAfterReopening) {
  {
    auto store = open_started();
    ASSERT_TRUE(store);
    WriteBatch b;
    b.groups.push_back(stable_group("g", 7));
    b.offsets.push_back(offset("g", "orders", 0, 10));
    b.offsets.push_back(offset("g", "orders", 1, 20));
    b.offsets.back().expire_timestamp_ms = 5555;
    ASSERT_EQ(write(*store, std::move(b)), v1::NONE);
  }
  auto store = open();
  ASSERT_TRUE(store);
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
    EXPECT_EQ(g.members[i].client_id, expected.members[i].client_id);
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
  EXPECT_EQ(stored.offsets[0].commit_timestamp_ms, 99);
  EXPECT_EQ(stored.offsets[0].expire_timestamp_ms, std::nullopt);
  EXPECT_EQ(stored.offsets[1].expire_timestamp_ms, 5555);
}

TEST_P(StoreTest, GroupRecordReplacesMembersAndTombstonesDelete) {
  auto store = open_started();
  ASSERT_TRUE(store);
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
  EXPECT_EQ(stored.groups[0].protocol_name, std::nullopt);
  EXPECT_TRUE(stored.groups[0].members.empty());
  ASSERT_EQ(stored.offsets.size(), 1u);
  EXPECT_EQ(stored.offsets[0].key.partition, 0);
  EXPECT_EQ(stored.offsets[0].committed_offset, 50);
}

TEST_P(StoreTest, WaitingBatchesShareOneTransaction) {
  auto store = open();
  ASSERT_TRUE(store);
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
  EXPECT_EQ(load(*store).offsets.size(), static_cast<std::size_t>(kBatches));
}

// Batches that share a transaction still take effect in their order: the same offset committed
// twice, deleted then committed again, a group deleted and its offsets committed anew.
TEST_P(StoreTest, BatchesOfOneTransactionApplyInOrder) {
  auto store = open();
  ASSERT_TRUE(store);
  std::vector<WriteBatch> batches(6);
  batches[0].offsets = {offset("a", "t", 0, 1), offset("b", "t", 0, 1), offset("c", "t", 0, 1)};
  batches[0].groups.push_back(stable_group("b", 1));
  batches[1].offsets = {offset("a", "t", 0, 2)};
  batches[2].deleted_offsets.push_back({"a", "t", 0});
  batches[2].deleted_groups.push_back("b");
  batches[2].offsets = {offset("c", "t", 0, 2)};
  batches[3].offsets = {offset("a", "t", 0, 3)};
  batches[4].offsets = {offset("b", "t", 1, 4)};
  batches[5].deleted_offsets.push_back({"c", "t", 0});
  std::atomic<int> ok{0};
  std::promise<void> all;
  for (auto& b : batches) {
    store->append(std::move(b), [&](v1::ErrorCode e) {
      if (e == v1::NONE && ++ok == 6) all.set_value();
    });
  }
  store->start();
  all.get_future().get();
  EXPECT_EQ(store->transactions(), 1u);
  store->stop();
  StoredGroups stored = load(*store);
  EXPECT_TRUE(stored.groups.empty());
  std::map<std::string, std::int64_t> got;
  for (const auto& o : stored.offsets) {
    got[o.key.group_id + "/" + std::to_string(o.key.partition)] = o.committed_offset;
  }
  EXPECT_EQ(got, (std::map<std::string, std::int64_t>{{"a/0", 3}, {"b/1", 4}}));
}

// Kafka strings need not be valid UTF-8, and metadata may hold any byte: each comes back as sent.
TEST_P(StoreTest, StringsComeBackByteForByte) {
  const std::string odd("g\xff\xfe\0x", 5);
  auto store = open_started();
  ASSERT_TRUE(store);
  WriteBatch b;
  GroupMetadataRecord g = stable_group(odd, 3);
  g.leader_id = g.members[0].member_id = odd + "-m";
  g.members[0].client_id = g.members[0].client_host = odd;
  b.groups.push_back(g);
  b.offsets.push_back(offset(odd, odd, 0, 1));
  b.offsets.back().metadata = odd;
  ASSERT_EQ(write(*store, std::move(b)), v1::NONE);
  store->stop();
  StoredGroups stored = load(*store);
  ASSERT_EQ(stored.groups.size(), 1u);
  EXPECT_EQ(stored.groups[0].group_id, odd);
  EXPECT_EQ(stored.groups[0].leader_id, odd + "-m");
  ASSERT_EQ(stored.groups[0].members.size(), 2u);
  const StoredMember& m = stored.groups[0].members[0];  // "g\xff..." sorts before "m2"
  EXPECT_EQ(m.member_id, odd + "-m");
  EXPECT_EQ(m.client_id, odd);
  EXPECT_EQ(m.client_host, odd);
  ASSERT_EQ(stored.offsets.size(), 1u);
  EXPECT_EQ(stored.offsets[0].key.group_id, odd);
  EXPECT_EQ(stored.offsets[0].key.topic, odd);
  EXPECT_EQ(stored.offsets[0].metadata, odd);
}

// A group far larger than one round of the writer's statements is written whole.
TEST_P(StoreTest, LargeGroupIsWrittenWhole) {
  constexpr int kMembers = 2000;
  auto store = open_started();
  ASSERT_TRUE(store);
  GroupMetadataRecord g = stable_group("big", 1);
  g.members.resize(kMembers, g.members[1]);
  for (int i = 0; i < kMembers; ++i) {
    g.members[static_cast<std::size_t>(i)].member_id = "member-" + std::to_string(10000 + i);
    g.members[static_cast<std::size_t>(i)].assignment = std::string(100, static_cast<char>(i));
  }
  WriteBatch b;
  b.groups.push_back(g);
  ASSERT_EQ(write(*store, std::move(b)), v1::NONE);
  store->stop();
  StoredGroups stored = load(*store);
  ASSERT_EQ(stored.groups.size(), 1u);
  ASSERT_EQ(stored.groups[0].members.size(), static_cast<std::size_t>(kMembers));
  EXPECT_EQ(stored.groups[0].members.back().member_id,
            "member-" + std::to_string(10000 + kMembers - 1));
  EXPECT_EQ(stored.groups[0].members.back().assignment,
            std::string(100, static_cast<char>(kMembers - 1)));
}

// ---- Consumer group records (KIP-848) -------------------------------------------------------

using Kind = ConsumerGroupRecordKind;

TEST_P(StoreTest, ConsumerGroupRecordsAreReplacedAndTombstonedAndSurviveReopening) {
  {
    auto store = open_started();
    ASSERT_TRUE(store);
    WriteBatch first;
    first.consumer_group_records = {
        consumer_group_record("g", Kind::kGroupMetadata, "", "epoch 1"),
        consumer_group_record("g", Kind::kMember, "m1", "m1 v1"),
        consumer_group_record("g", Kind::kMember, "m2", "m2 v1"),
        consumer_group_record("g", Kind::kTargetAssignmentMember, "m1", "m1 target"),
        consumer_group_record("g", Kind::kCurrentMemberAssignment, "m2", "m2 current"),
    };
    ASSERT_EQ(write(*store, std::move(first)), v1::NONE);
    WriteBatch second;
    second.consumer_group_records = {
        consumer_group_record("g", Kind::kGroupMetadata, "", "epoch 2"),
        consumer_group_record("g", Kind::kMember, "m2", std::nullopt),
        consumer_group_record("g", Kind::kCurrentMemberAssignment, "m2", std::nullopt),
        consumer_group_record("g", Kind::kTargetAssignmentMetadata, "", "assignment epoch 2"),
        consumer_group_record("g", Kind::kMember, "absent", std::nullopt),
    };
    ASSERT_EQ(write(*store, std::move(second)), v1::NONE);
  }
  auto store = open();
  ASSERT_TRUE(store);
  StoredGroups stored = load(*store);
  EXPECT_EQ(
      sorted_records(stored.consumer_group_records),
      (std::vector<ConsumerGroupRecord>{
          consumer_group_record("g", Kind::kGroupMetadata, "", "epoch 2"),
          consumer_group_record("g", Kind::kMember, "m1", "m1 v1"),
          consumer_group_record("g", Kind::kTargetAssignmentMember, "m1", "m1 target"),
          consumer_group_record("g", Kind::kTargetAssignmentMetadata, "", "assignment epoch 2"),
      }));
  EXPECT_TRUE(stored.groups.empty());  // a consumer group has no classic group record
}

// Values are serialized protobufs: any byte, NUL included, and possibly none at all.
TEST_P(StoreTest, ConsumerGroupRecordBytesComeBackExactly) {
  const std::string odd("g\xff\0\x01x", 5);
  const std::string value("\0\x08\x96\x01\0\xff\0", 7);
  auto store = open_started();
  ASSERT_TRUE(store);
  WriteBatch b;
  b.consumer_group_records = {
      consumer_group_record(odd, Kind::kMember, odd + "-m", value),
      consumer_group_record(odd, Kind::kCurrentMemberAssignment, odd + "-m", ""),
  };
  ASSERT_EQ(write(*store, std::move(b)), v1::NONE);
  store->stop();
  EXPECT_EQ(sorted_records(load(*store).consumer_group_records),
            (std::vector<ConsumerGroupRecord>{
                consumer_group_record(odd, Kind::kMember, odd + "-m", value),
                consumer_group_record(odd, Kind::kCurrentMemberAssignment, odd + "-m", ""),
            }));
}

TEST_P(StoreTest, DeletingAGroupDeletesOnlyItsConsumerGroupRecords) {
  auto store = open_started();
  ASSERT_TRUE(store);
  WriteBatch first;
  for (const std::string group : {"gone", "kept", "gone-too"}) {
    first.consumer_group_records.push_back(
        consumer_group_record(group, Kind::kGroupMetadata, "", group + " epoch"));
    first.consumer_group_records.push_back(
        consumer_group_record(group, Kind::kMember, "m1", group + " m1"));
  }
  first.offsets.push_back(offset("gone", "t", 0, 1));
  ASSERT_EQ(write(*store, std::move(first)), v1::NONE);
  WriteBatch second;
  second.deleted_groups = {"gone", "gone-too"};
  ASSERT_EQ(write(*store, std::move(second)), v1::NONE);
  store->stop();
  StoredGroups stored = load(*store);
  EXPECT_EQ(sorted_records(stored.consumer_group_records),
            (std::vector<ConsumerGroupRecord>{
                consumer_group_record("kept", Kind::kGroupMetadata, "", "kept epoch"),
                consumer_group_record("kept", Kind::kMember, "m1", "kept m1"),
            }));
  EXPECT_TRUE(stored.offsets.empty());
}

// Within one batch and across the batches of one transaction, the last write of a key wins, and
// a group's deletion removes what was written before it but not after.
TEST_P(StoreTest, ConsumerGroupRecordWritesApplyInOrder) {
  auto store = open();
  ASSERT_TRUE(store);
  std::vector<WriteBatch> batches(4);
  batches[0].consumer_group_records = {
      consumer_group_record("g", Kind::kMember, "upserted-then-deleted", "v"),
      consumer_group_record("g", Kind::kMember, "deleted-then-upserted", "v1"),
      consumer_group_record("g", Kind::kMember, "upserted-twice", "first"),
      consumer_group_record("g", Kind::kMember, "upserted-then-deleted", std::nullopt),
      consumer_group_record("g", Kind::kMember, "deleted-then-upserted", std::nullopt),
      consumer_group_record("g", Kind::kMember, "deleted-then-upserted", "v2"),
      consumer_group_record("g", Kind::kMember, "upserted-twice", "second"),
      consumer_group_record("h", Kind::kMember, "before-deletion", "v"),
  };
  batches[1].consumer_group_records = {
      consumer_group_record("g", Kind::kMember, "deleted-then-upserted", std::nullopt),
      consumer_group_record("h", Kind::kMember, "in-the-deleting-batch", "v"),
  };
  batches[1].deleted_groups = {"h"};
  batches[2].consumer_group_records = {
      consumer_group_record("g", Kind::kMember, "deleted-then-upserted", "v3"),
      consumer_group_record("h", Kind::kMember, "after-deletion", "v"),
  };
  batches[3].consumer_group_records = {
      consumer_group_record("g", Kind::kMember, "upserted-twice", std::nullopt),
      consumer_group_record("g", Kind::kMember, "upserted-twice", "third"),
  };
  std::atomic<int> ok{0};
  std::promise<void> all;
  for (auto& b : batches) {
    store->append(std::move(b), [&](v1::ErrorCode e) {
      if (e == v1::NONE && ++ok == 4) all.set_value();
    });
  }
  store->start();
  all.get_future().get();
  EXPECT_EQ(store->transactions(), 1u);
  store->stop();
  EXPECT_EQ(sorted_records(load(*store).consumer_group_records),
            (std::vector<ConsumerGroupRecord>{
                consumer_group_record("g", Kind::kMember, "deleted-then-upserted", "v3"),
                consumer_group_record("g", Kind::kMember, "upserted-twice", "third"),
                consumer_group_record("h", Kind::kMember, "after-deletion", "v"),
            }));
}

// The same, one batch per transaction: each write sees the rows the one before it committed.
TEST_P(StoreTest, LastWriteOfAConsumerGroupRecordInABatchWins) {
  auto store = open_started();
  ASSERT_TRUE(store);
  WriteBatch first;
  first.consumer_group_records = {consumer_group_record("g", Kind::kMember, "stored", "v1")};
  ASSERT_EQ(write(*store, std::move(first)), v1::NONE);
  WriteBatch second;
  second.consumer_group_records = {
      consumer_group_record("g", Kind::kMember, "stored", "v2"),
      consumer_group_record("g", Kind::kMember, "stored", std::nullopt),
      consumer_group_record("g", Kind::kMember, "new", std::nullopt),
      consumer_group_record("g", Kind::kMember, "new", "v"),
  };
  ASSERT_EQ(write(*store, std::move(second)), v1::NONE);
  store->stop();
  EXPECT_EQ(sorted_records(load(*store).consumer_group_records),
            (std::vector<ConsumerGroupRecord>{
                consumer_group_record("g", Kind::kMember, "new", "v"),
            }));
}

INSTANTIATE_TEST_SUITE_P(Backends, StoreTest, ::testing::Values("sqlite", "postgres"),
                         [](const auto& backend) { return backend.param; });

}  // namespace
}  // namespace groupwire::coordinator::testing
