// A consumer group (KIP-848): Kafka's ConsumerGroup. Its members, the target assignment the
// assignor computed for the assignment epoch, which member owns which partition at which epoch,
// and the metadata of the topics its members subscribe to. Plain data plus the bookkeeping that
// keeps those indexes in step; ConsumerGroupManager decides what changes.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <utility>

#include "group/assignor/partition_assignor.h"
#include "group/consumer/consumer_group_member.h"
#include "group/group.h"
#include "groupwire/coordinator/v1/coordinator.pb.h"

namespace groupwire::coordinator {

enum class ConsumerGroupState { kEmpty, kAssigning, kReconciling, kStable, kDead };

// Kafka's names, as ConsumerGroupDescribe and ListGroups give them.
const char* consumer_group_state_name(ConsumerGroupState s);

struct ConsumerGroup final : Group {
  std::string group_id;
  std::int32_t group_epoch = 0;
  std::int32_t assignment_epoch = 0;
  std::map<MemberId, ConsumerGroupMember> members;
  std::map<std::string, MemberId> static_members;  // instance id -> member id
  std::map<MemberId, TopicPartitionsById> target_assignment;
  // The subscribed topics that exist, as the catalog named by the fingerprint had them.
  SubscribedTopicMetadata subscription_metadata;
  std::uint64_t catalog_fingerprint = 0;
  std::int64_t catalog_fetched_at_ms = 0;
  // Who owns each partition (assigned or pending revocation), at which member epoch.
  std::map<std::pair<TopicId, std::int32_t>, std::int32_t> partition_epochs;
  bool dead = false;                             // deleted; its calls answer as for no group
  std::int64_t current_state_timestamp_ms = -1;  // wall clock of the last state change
  ConsumerGroupState last_state = ConsumerGroupState::kEmpty;
  // When the group epoch first moved since the group was last Stable: a rebalance's start.
  std::optional<std::chrono::steady_clock::time_point> rebalance_started;

  ConsumerGroupState state() const;
  bool has_member(const MemberId& id) const override { return members.count(id) > 0; }
  const MemberId* static_member_id(const std::string& instance_id) const override {
    auto it = static_members.find(instance_id);
    return it == static_members.end() ? nullptr : &it->second;
  }
  ConsumerGroupMember* member(const MemberId& id);
  const ConsumerGroupMember* member(const MemberId& id) const;
  ConsumerGroupMember* static_member(const std::string& instance_id);

  // -1 when nobody owns the partition.
  std::int32_t current_partition_epoch(const TopicId& topic, std::int32_t partition) const;
  const TopicPartitionsById& target_of(const MemberId& id) const;

  // Adds or replaces a member, keeping the static member and partition owner indexes.
  void put_member(ConsumerGroupMember m);
  void remove_member(const MemberId& id);
  void set_target(const MemberId& id, TopicPartitionsById assignment);

  // The server assignor most members ask for (ties: the first by name), nullopt if none asks.
  std::optional<std::string> preferred_assignor() const;
  // Topic name for an id the group knows; "" when not subscribed.
  std::string topic_name(const TopicId& id) const;

  const std::string& id() const override { return group_id; }
  const char* type() const override { return "consumer"; }
  const char* kafka_state() const override { return consumer_group_state_name(state()); }
  std::size_t size() const override { return members.size(); }
  bool is_empty() const override { return state() == ConsumerGroupState::kEmpty; }
  bool is_dead() const override { return dead; }
  // A consumer-protocol member commits with OffsetCommit v9+ and its member epoch
  // (STALE_MEMBER_EPOCH), a classic-protocol one with its generation (ILLEGAL_GENERATION).
  v1::ErrorCode validate_offset_commit(const v1::OffsetCommitRequest& req) const override;
  v1::ErrorCode validate_offset_fetch(const v1::OffsetFetchGroup& req) const override;
  // A consumer group deletes offsets while active: only its subscribed topics are refused.
  v1::ErrorCode validate_offset_delete() const override {
    return dead ? v1::GROUP_ID_NOT_FOUND : v1::NONE;
  }
  bool is_subscribed_to(const std::string& topic) const override;

 private:
  void add_partition_epochs(const ConsumerGroupMember& m);
  void remove_partition_epochs(const ConsumerGroupMember& m);
};

}  // namespace groupwire::coordinator
