// Group ids map to partitions exactly as Kafka's partitionFor does, and partitions run their code
// on their own worker thread.
#include "server/partitions.h"
#include "in_process.h"

#include <future>
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
        EXPECT_TRUE(g.loaded());
        found.set_value(g.find_group(id) != nullptr);
      });
      EXPECT_EQ(found.get_future().get(), p == partitions.partition_for(id)) << id << " in " << p;
    }
  }
}

}  // namespace
}  // namespace groupwire::coordinator
