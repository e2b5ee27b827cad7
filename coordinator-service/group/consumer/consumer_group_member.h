// A member of a consumer group (KIP-848): Kafka's ConsumerGroupMember. What it subscribes to,
// where it stands in its reconciliation towards the group's target assignment, and the facts
// about its client.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "group/assignor/partition_assignor.h"
#include "group/group_config.h"

namespace groupwire::coordinator {

// Kafka's MemberState: where a member is in its reconciliation.
enum class MemberState : std::int32_t {
  kUnknown = 0,
  kStable = 1,                // has its target assignment at the target epoch
  kUnrevokedPartitions = 2,   // must give up partitions before it moves to the next epoch
  kUnreleasedPartitions = 3,  // waits for partitions that other members still own
};

const char* member_state_name(MemberState s);

// Kafka's member epochs with a meaning of their own.
inline constexpr std::int32_t kJoinMemberEpoch = 0;
inline constexpr std::int32_t kLeaveMemberEpoch = -1;
inline constexpr std::int32_t kLeaveStaticMemberEpoch = -2;

// What a member that joined with JoinGroup (the classic protocol) said, kept while it is a
// member of a consumer group: the group is migrating between the two protocols.
struct ClassicMemberMetadata {
  Millis session_timeout{0};
  std::vector<std::pair<std::string, std::string>> protocols;  // (name, metadata) by preference
  bool operator==(const ClassicMemberMetadata&) const = default;
};

struct ConsumerGroupMember {
  MemberId member_id;
  std::optional<std::string> instance_id;
  std::optional<std::string> rack_id;
  std::string client_id;
  std::string client_host;
  std::string principal;  // who joined, as the gateway authenticated it; not stored
  Millis rebalance_timeout{0};
  std::vector<std::string> subscribed_topic_names;
  std::optional<std::string> subscribed_topic_regex;
  std::optional<std::string> server_assignor;
  std::optional<ClassicMemberMetadata> classic;  // set for a classic-protocol member

  std::int32_t member_epoch = 0;
  std::int32_t previous_member_epoch = 0;
  MemberState state = MemberState::kStable;
  TopicPartitionsById assigned_partitions;
  TopicPartitionsById partitions_pending_revocation;

  std::chrono::steady_clock::time_point last_heartbeat{};  // for operators

  bool is_static() const { return instance_id.has_value(); }
  bool uses_classic_protocol() const { return classic.has_value(); }
  bool is_reconciled_to(std::int32_t target_epoch) const {
    return state == MemberState::kStable && member_epoch == target_epoch;
  }
  // What the member metadata record holds (subscription and client facts).
  bool same_metadata(const ConsumerGroupMember& o) const {
    return instance_id == o.instance_id && rack_id == o.rack_id && client_id == o.client_id &&
           client_host == o.client_host && rebalance_timeout == o.rebalance_timeout &&
           subscribed_topic_names == o.subscribed_topic_names &&
           subscribed_topic_regex == o.subscribed_topic_regex &&
           server_assignor == o.server_assignor && classic == o.classic;
  }
  bool same_subscription(const ConsumerGroupMember& o) const {
    return subscribed_topic_names == o.subscribed_topic_names &&
           subscribed_topic_regex == o.subscribed_topic_regex;
  }
  // What the current assignment record holds.
  bool same_assignment(const ConsumerGroupMember& o) const {
    return member_epoch == o.member_epoch && previous_member_epoch == o.previous_member_epoch &&
           state == o.state && assigned_partitions == o.assigned_partitions &&
           partitions_pending_revocation == o.partitions_pending_revocation;
  }
};

}  // namespace groupwire::coordinator
