// One group partition: every classic group whose id hashes here, and their committed offsets.
// Kafka's GroupMetadataManager and OffsetMetadataManager for the classic protocol. All calls
// and all timer callbacks run on the partition's single thread, so nothing here takes a lock.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "group/call_order.h"
#include "group/classic_group.h"
#include "group/committed_offset.h"
#include "group/consumer/consumer_group_manager.h"
#include "group/group_config.h"
#include "group/group_events.h"
#include "group/scheduler.h"
#include "groupwire/coordinator/v1/coordinator.pb.h"
#include "storage/group_log.h"

namespace groupwire::coordinator {

namespace pb = groupwire::coordinator::v1;

template <class T>
using Reply = std::function<void(T)>;

// Whether this coordinator serves the partition. Loading: its groups are being read, calls answer
// COORDINATOR_LOAD_IN_PROGRESS (Heartbeat: NONE), as Kafka does while it reads
// __consumer_offsets. Not owned: another coordinator's (or nobody's yet), calls answer
// NOT_COORDINATOR, ListGroups lists nothing.
enum class PartitionState { kNotOwned, kLoading, kActive };

class GroupPartition {
 public:
  GroupPartition(const GroupConfig& config, Scheduler& scheduler, GroupLog& log,
                 PartitionState state = PartitionState::kLoading);
  ~GroupPartition();

  // Rebuilds the groups and offsets read from the log: groups come back Stable or Empty, their
  // members' session timers restarted. The partition is active from then on.
  void load(StoredGroups stored);
  PartitionState state() const;
  // Stops serving (the partition was handed off, or its lease lost): parked JoinGroup and
  // SyncGroup calls are answered NOT_COORDINATOR now, every later call answers so too. Writes in
  // flight still complete and answer their callers; the owner of the partition's object drops
  // it once they have, with the scheduler's timers.
  void unload();

  // A group's calls take effect in the order they are made: a call that reads what an earlier
  // write changes, before the store has it, waits for it (call_order.h). Calls of other groups
  // never wait. The reply may come later, on this partition's thread.

  // Long-polls: the reply comes when the rebalance step completes (or at once on error).
  void join_group(const pb::JoinGroupRequest& req, Reply<pb::JoinGroupResponse> reply);
  void sync_group(const pb::SyncGroupRequest& req, Reply<pb::SyncGroupResponse> reply);

  void heartbeat(const pb::HeartbeatRequest& req, Reply<pb::HeartbeatResponse> reply);
  void leave_group(const pb::LeaveGroupRequest& req, Reply<pb::LeaveGroupResponse> reply);
  void offset_commit(const pb::OffsetCommitRequest& req, Reply<pb::OffsetCommitResponse> reply);
  void delete_group(const std::string& group_id, Reply<pb::ErrorCode> reply);
  void offset_delete(const pb::OffsetDeleteRequest& req, Reply<pb::OffsetDeleteResponse> reply);

  void offset_fetch(const pb::OffsetFetchGroup& req, Reply<pb::OffsetFetchGroupResponse> reply);

  // The consumer group protocol (KIP-848): a group id is a classic group or a consumer group.
  void consumer_group_heartbeat(const pb::ConsumerGroupHeartbeatRequest& req,
                                Reply<pb::ConsumerGroupHeartbeatResponse> reply);
  void consumer_group_describe(const std::string& group_id,
                               Reply<pb::ConsumerGroupDescribed> reply);
  void describe_group(const std::string& group_id, Reply<pb::DescribedGroup> reply);
  // Appends the groups that pass the filters; COORDINATOR_LOAD_IN_PROGRESS while loading. Reads
  // every group as it is now, waiting for none: the gateway sends a ListGroups only once the
  // requests before it on its connection are answered.
  pb::ErrorCode list_groups(const pb::ListGroupsRequest& req,
                            std::vector<pb::ListedGroup>& out) const;

  // Removes expired offsets and groups left with nothing (Kafka's periodic cleanup).
  void expire_offsets();

  const ClassicGroup* find_group(const std::string& group_id) const;
  const ConsumerGroup* find_consumer_group(const std::string& group_id) const;
  // The group of either protocol, nullptr when there is none.
  const Group* find_any_group(const std::string& group_id) const;
  // The assignor a consumer group uses when no member names one.
  const std::string& default_assignor() const;

  // ---- For operators (the admin service) and observers ---------------------------------------

  // Reports every change to `sink` from now on (nullptr: to nobody). Not owned.
  void set_event_sink(GroupEventSink* sink);
  const std::map<std::string, ClassicGroup>& groups() const;
  const std::map<std::string, ConsumerGroup>& consumer_groups() const;
  // nullptr when the group has no committed offsets.
  const std::map<TopicPartition, CommittedOffset>* committed_offsets(
      const std::string& group_id) const;
  Scheduler::Clock::time_point now() const;

 private:
  class Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace groupwire::coordinator
