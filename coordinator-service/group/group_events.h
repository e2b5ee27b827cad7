// What the group state machine reports as it changes a group: for metrics and for operators
// watching groups (WatchGroups). The state machine calls the sink on the partition's thread, at
// the moment of the change; a sink must return quickly and never call back into the partition.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "group/classic_group.h"
#include "group/consumer/consumer_group.h"

namespace groupwire::coordinator {

enum class GroupEventType {
  MemberJoined,
  MemberLeft,     // LeaveGroup, or removed by an operator
  MemberExpired,  // session timeout, or no JoinGroup / SyncGroup within the rebalance timeout
  RebalanceStarted,
  RebalanceCompleted,  // the generation is stable, or empty
  StateChanged,
  OffsetsCommitted,
  OffsetsDeleted,
  GroupDeleted,
};

// Why a member is no longer in the group.
enum class MemberExit {
  LeaveGroup,  // a client's, or an operator's (RemoveMember): `reason` tells
  SessionTimeout,
  JoinTimeout,  // did not rejoin within the rebalance timeout
  SyncTimeout,  // did not SyncGroup within the rebalance timeout
};

const char* member_exit_name(MemberExit e);

struct GroupEvent {
  GroupEventType type = GroupEventType::StateChanged;
  std::string group_id{};
  std::int64_t timestamp_ms = 0;
  std::int32_t generation_id = 0;
  std::string member_id{};
  std::optional<std::string> group_instance_id{};
  std::optional<MemberExit> exit{};
  std::string reason{};
  GroupState state = GroupState::Empty;
  GroupState previous_state = GroupState::Empty;
  // Set for a consumer group (KIP-848), whose states are its own; `state` is then unused.
  std::optional<ConsumerGroupState> consumer_state{};
  std::int32_t members = 0;
  std::chrono::milliseconds rebalance_duration{0};
  std::int32_t partitions = 0;
  std::vector<std::string> topics{};
};

class GroupEventSink {
 public:
  virtual ~GroupEventSink() = default;
  virtual void on_event(const GroupEvent& event) = 0;
};

// Several sinks behind one: the state machine reports to exactly one.
class GroupEventSinks final : public GroupEventSink {
 public:
  explicit GroupEventSinks(std::vector<GroupEventSink*> sinks) : sinks_(std::move(sinks)) {}
  void on_event(const GroupEvent& event) override {
    for (auto* s : sinks_) s->on_event(event);
  }

 private:
  std::vector<GroupEventSink*> sinks_;
};

}  // namespace groupwire::coordinator
