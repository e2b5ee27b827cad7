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

// A consumer group's (KIP-848) state, written as Kafka writes it to __consumer_offsets: many
// small records keyed by group and kind (and member), each replaced by the next of its key, so a
// heartbeat that changes one member writes that member only. The value is the record's
// serialized protobuf (proto/groupwire/storage/v1/consumer_group_records.proto); the store
// keeps it as opaque bytes.
enum class ConsumerGroupRecordKind : std::int32_t {
  kGroupMetadata = 1,             // group epoch, the subscribed topics' metadata
  kMember = 2,                    // a member's subscription and client facts (key: member id)
  kTargetAssignmentMember = 3,    // a member's target assignment (key: member id)
  kTargetAssignmentMetadata = 4,  // the assignment epoch
  kCurrentMemberAssignment = 5,   // a member's epochs and current assignment (key: member id)
};

struct ConsumerGroupRecord {
  std::string group_id{};
  ConsumerGroupRecordKind kind = ConsumerGroupRecordKind::kGroupMetadata;
  std::string key{};                   // the member id, or "" for a group-wide kind
  std::optional<std::string> value{};  // nullopt: a tombstone, the record is deleted

  bool operator==(const ConsumerGroupRecord&) const = default;
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
  // Upserts and tombstones, in order, after `groups`.
  std::vector<ConsumerGroupRecord> consumer_group_records{};
  // The group, its consumer group records and all its offsets.
  std::vector<std::string> deleted_groups{};
  std::optional<PartitionLease> lease{};  // set by the partition, not the state machine

  bool empty() const {
    return groups.empty() && offsets.empty() && deleted_offsets.empty() && deleted_groups.empty() &&
           consumer_group_records.empty();
  }
};

// Everything stored for the groups of one partition, as read at start-up.
struct StoredGroups {
  std::vector<GroupMetadataRecord> groups{};
  // Present records only (no tombstones), in any order.
  std::vector<ConsumerGroupRecord> consumer_group_records{};
  std::vector<OffsetCommitRecord> offsets{};
};

}  // namespace groupwire::coordinator
