// A classic (JoinGroup/SyncGroup) consumer group: Kafka's ClassicGroup and ClassicGroupMember.
// Plain data plus the queries Kafka's coordinator asks of it; GroupPartition changes it.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "group/group.h"
#include "group/group_config.h"
#include "groupwire/coordinator/v1/coordinator.pb.h"
#include "storage/records.h"

namespace groupwire::coordinator {

namespace pb = groupwire::coordinator::v1;

enum class GroupState { Empty, PreparingRebalance, CompletingRebalance, Stable, Dead };

const char* state_name(GroupState s);

using MemberId = std::string;
using GroupInstanceId = std::string;

struct ClassicGroupMember {
  MemberId member_id;
  std::optional<GroupInstanceId> group_instance_id;
  std::string client_id;
  std::string client_host;
  // Who joined, as the gateway authenticated it; not stored: known from the member's next join
  // after a restart or a move of its partition.
  std::string principal;
  Millis session_timeout{0};
  Millis rebalance_timeout{0};
  std::vector<std::pair<std::string, std::string>> protocols;  // (name, metadata) by preference
  std::string assignment;
  bool is_new = false;
  std::function<void(pb::JoinGroupResponse)> awaiting_join;
  std::function<void(pb::SyncGroupResponse)> awaiting_sync;
  bool supports_skip_assignment = false;
  std::chrono::steady_clock::time_point last_heartbeat{};  // last session renewal, for operators
  // When the session ends unless renewed; nullopt once it ended while the member was parked in
  // JoinGroup or SyncGroup (then the coordinator owes it an answer, and it is not timed).
  std::optional<std::chrono::steady_clock::time_point> session_deadline;

  bool is_static() const { return group_instance_id.has_value(); }
  bool is_awaiting_join() const { return static_cast<bool>(awaiting_join); }
  bool is_awaiting_sync() const { return static_cast<bool>(awaiting_sync); }
  const std::string* metadata(const std::string& protocol) const;
  bool matches(const pb::JoinGroupRequest& req) const;  // same protocols, same metadata
};

struct ClassicGroup final : Group {
  std::string group_id;
  GroupState state = GroupState::Empty;
  std::int32_t generation_id = 0;
  std::optional<std::string> protocol_type;
  std::optional<std::string> protocol_name;
  std::optional<MemberId> leader_id;
  std::map<MemberId, ClassicGroupMember> members;
  std::map<GroupInstanceId, MemberId> static_members;
  std::set<MemberId> pending_join_members;  // handed an id by MEMBER_ID_REQUIRED, not yet joined
  std::set<MemberId> pending_sync_members;
  std::map<std::string, int> protocol_support;  // protocol name -> members supporting it
  // Topics the members subscribe to, from their consumer-protocol metadata: nullopt when the group
  // does not use the consumer protocol. When some metadata does not parse the set is unknown, and
  // every topic counts as subscribed.
  std::optional<std::set<std::string>> subscribed_topics;
  bool subscribed_topics_unknown = false;
  GroupState previous_state = GroupState::Empty;
  bool new_member_added = false;  // a member joined during the delayed initial rebalance
  std::int64_t current_state_timestamp_ms = -1;  // wall clock of the last state change
  // When the rebalance in progress started (a restarted one keeps its first start).
  std::optional<std::chrono::steady_clock::time_point> rebalance_started;
  // The group's one session timer, due at the earliest member deadline or before: heartbeats only
  // move their member's deadline, and the timer expires whom it finds overdue and re-arms.
  std::optional<std::chrono::steady_clock::time_point> session_timer_due;

  void transition_to(GroupState s, std::int64_t now_ms) {
    previous_state = state;
    state = s;
    current_state_timestamp_ms = now_ms;
  }

  bool is(GroupState s) const { return state == s; }
  bool has_member(const MemberId& id) const override { return members.count(id) > 0; }
  bool is_leader(const MemberId& id) const { return leader_id && *leader_id == id; }
  bool has_static_member(const GroupInstanceId& id) const { return static_members.count(id) > 0; }
  const MemberId* static_member_id(const GroupInstanceId& id) const override;
  Millis rebalance_timeout() const;  // max of the members'
  int awaiting_join_count() const;
  bool all_members_joined() const;  // every member and every pending member has (re)joined
  bool supports_protocols(const std::string& type, const pb::JoinGroupRequest& req) const;
  std::string select_protocol() const;  // by vote, among protocols every member supports
  bool can_rebalance() const;
  bool uses_consumer_protocol() const { return protocol_type && *protocol_type == "consumer"; }
  bool is_subscribed_to(const std::string& topic) const override {
    return subscribed_topics_unknown || (subscribed_topics && subscribed_topics->count(topic) > 0);
  }
  // NONE, UNKNOWN_MEMBER_ID or FENCED_INSTANCE_ID.
  pb::ErrorCode validate_member(const MemberId& member_id,
                                const std::optional<GroupInstanceId>& instance) const;

  const std::string& id() const override { return group_id; }
  const char* type() const override { return "classic"; }
  const char* kafka_state() const override { return state_name(state); }
  std::size_t size() const override { return members.size(); }
  bool is_empty() const override { return is(GroupState::Empty); }
  bool is_dead() const override { return is(GroupState::Dead); }
  pb::ErrorCode validate_offset_commit(const pb::OffsetCommitRequest& req) const override;
  // A classic group reads its offsets to anyone.
  pb::ErrorCode validate_offset_fetch(const pb::OffsetFetchGroup&) const override {
    return pb::NONE;
  }
  pb::ErrorCode validate_offset_delete() const override;

  // The first member sets the group's protocol type; later ones were checked against it.
  void add_member(ClassicGroupMember member, const std::string& type);
  void remove_member(const MemberId& id);
  void update_member_protocols(ClassicGroupMember& m, const pb::JoinGroupRequest& req);

  // Kafka's group metadata record: each member keeps only its metadata for the selected protocol.
  GroupMetadataRecord to_record() const;
  // The group as Kafka loads it: Stable with the stored members, or Empty without any.
  static ClassicGroup from_record(const GroupMetadataRecord& record);
};

}  // namespace groupwire::coordinator
