// What the coordinator persists, in Kafka's terms: the group metadata record and offset commit
// records of __consumer_offsets, plus their tombstones. Heartbeats and rebalances in flight are
// never stored; a loaded group comes back Stable (with members) or Empty.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace groupwire::coordinator {

struct StoredMember {
  std::string member_id{};
  std::optional<std::string> group_instance_id{};
  std::string client_id{};
  std::string client_host{};
  std::int32_t session_timeout_ms = 0;
  std::int32_t rebalance_timeout_ms = 0;
  std::string metadata{};  // for the selected protocol only, as Kafka stores it
  std::string assignment{};
};

// Kafka's GroupMetadataValue: the group as of its last completed generation.
struct GroupMetadataRecord {
  std::string group_id{};
  std::int32_t generation_id = 0;
  std::optional<std::string> protocol_type{};
  std::optional<std::string> protocol_name{};
  std::optional<std::string> leader_id{};
  std::int64_t current_state_timestamp_ms = -1;
  std::vector<StoredMember> members{};  // empty: the group is Empty
};

struct OffsetKey {
  std::string group_id{};
  std::string topic{};
  std::int32_t partition = 0;
};

// Kafka's OffsetCommitValue.
struct OffsetCommitRecord {
  OffsetKey key;
  std::int64_t committed_offset = -1;
  std::int32_t leader_epoch = -1;
  std::string metadata{};
  std::int64_t commit_timestamp_ms = 0;
  std::optional<std::int64_t> expire_timestamp_ms{};
};

// The lease a cluster's coordinator holds a group partition under: a store that shares the
// partition with other coordinators writes a batch only while its lease is the current one.
struct PartitionLease {
  std::int32_t partition = 0;
  std::int64_t epoch = 0;
};

// The records one state-machine step writes, applied in this order and atomically.
struct WriteBatch {
  std::vector<GroupMetadataRecord> groups{};
  std::vector<OffsetCommitRecord> offsets{};
  std::vector<OffsetKey> deleted_offsets{};
  std::vector<std::string> deleted_groups{};  // the group and all its offsets
  std::optional<PartitionLease> lease{};      // set by the partition, not the state machine

  bool empty() const {
    return groups.empty() && offsets.empty() && deleted_offsets.empty() && deleted_groups.empty();
  }
};

// Everything stored for the groups of one partition, as read at start-up.
struct StoredGroups {
  std::vector<GroupMetadataRecord> groups{};
  std::vector<OffsetCommitRecord> offsets{};
};

}  // namespace groupwire::coordinator
