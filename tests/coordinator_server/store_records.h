// Records and round trips the store tests share, whatever the backend.
#pragma once

#include <algorithm>
#include <cstdint>
#include <future>
#include <optional>
#include <ostream>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include <gtest/gtest.h>

#include "storage/group_store.h"

namespace groupwire::coordinator {

// How a failed expectation shows a consumer group record (found by argument-dependent lookup).
inline void PrintTo(const ConsumerGroupRecord& r, std::ostream* os) {
  *os << "{" << ::testing::PrintToString(r.group_id) << ", kind " << static_cast<int>(r.kind)
      << ", " << ::testing::PrintToString(r.key) << ", " << ::testing::PrintToString(r.value)
      << "}";
}

}  // namespace groupwire::coordinator

namespace groupwire::coordinator::testing {

inline GroupMetadataRecord stable_group(const std::string& id, int generation) {
  return GroupMetadataRecord{
      .group_id = id,
      .generation_id = generation,
      .protocol_type = "consumer",
      .protocol_name = "range",
      .leader_id = "m1",
      .current_state_timestamp_ms = 1234,
      .members = {StoredMember{.member_id = "m1",
                               .group_instance_id = "i1",
                               .client_id = "c1",
                               .client_host = "/10.0.0.1",
                               .session_timeout_ms = 10000,
                               .rebalance_timeout_ms = 30000,
                               .metadata = std::string("\0\1meta", 6),
                               .assignment = std::string("\0\2assign", 8)},
                  StoredMember{.member_id = "m2",
                               .group_instance_id = std::nullopt,
                               .client_id = "c2",
                               .client_host = "/10.0.0.2",
                               .session_timeout_ms = 45000,
                               .rebalance_timeout_ms = 300000,
                               .metadata = "",
                               .assignment = ""}},
  };
}

inline OffsetCommitRecord offset(const std::string& group, const std::string& topic, int partition,
                                 std::int64_t value) {
  return OffsetCommitRecord{.key = {group, topic, partition},
                            .committed_offset = value,
                            .leader_epoch = 4,
                            .metadata = "meta",
                            .commit_timestamp_ms = 99,
                            .expire_timestamp_ms = std::nullopt};
}

// A consumer group record's upsert (a value) or tombstone (nullopt).
inline ConsumerGroupRecord consumer_group_record(const std::string& group,
                                                 ConsumerGroupRecordKind kind,
                                                 const std::string& key,
                                                 std::optional<std::string> value) {
  return ConsumerGroupRecord{
      .group_id = group, .kind = kind, .key = key, .value = std::move(value)};
}

// The stored consumer group records in key order: a store returns them in any order.
inline std::vector<ConsumerGroupRecord> sorted_records(std::vector<ConsumerGroupRecord> records) {
  std::sort(records.begin(), records.end(), [](const auto& a, const auto& b) {
    return std::tie(a.group_id, a.kind, a.key) < std::tie(b.group_id, b.kind, b.key);
  });
  return records;
}

// Appends and waits for the outcome.
inline v1::ErrorCode write(GroupStore& store, WriteBatch batch) {
  std::promise<v1::ErrorCode> done;
  store.append(std::move(batch), [&](v1::ErrorCode e) { done.set_value(e); });
  return done.get_future().get();
}

inline StoredGroups load(GroupStore& store) {
  std::string error;
  auto stored = store.load(error);
  EXPECT_TRUE(stored) << error;
  return stored.value_or(StoredGroups{});
}

// A store opened on a database of the schema before consumer group records: it writes them now,
// and still has the offset (g, t, 0) = 7 written before the upgrade.
inline void expect_upgraded_to_consumer_group_records(GroupStore& store) {
  store.start();
  WriteBatch b;
  b.consumer_group_records.push_back(
      consumer_group_record("g", ConsumerGroupRecordKind::kGroupMetadata, "", "epoch"));
  ASSERT_EQ(write(store, std::move(b)), v1::NONE);
  store.stop();
  StoredGroups stored = load(store);
  ASSERT_EQ(stored.offsets.size(), 1u);
  EXPECT_EQ(stored.offsets[0].committed_offset, 7);
  EXPECT_EQ(stored.consumer_group_records.size(), 1u);
}

inline WriteBatch offsets_batch(const std::string& group, int partitions, std::int64_t value) {
  WriteBatch b;
  for (int p = 0; p < partitions; ++p) b.offsets.push_back(offset(group, "t", p, value));
  return b;
}

}  // namespace groupwire::coordinator::testing
