// The consumer group protocol (KIP-848) for the groups of one partition: Kafka's
// GroupMetadataManager on its consumer-group paths. A ConsumerGroupHeartbeat joins, leaves,
// updates a subscription and reconciles a member towards the target assignment, which the
// group's assignor recomputes whenever the group epoch moves. Runs on the partition's thread.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "group/consumer/consumer_group.h"
#include "group/consumer/subscriptions.h"
#include "group/consumer/topic_catalog.h"
#include "group/group_config.h"
#include "group/group_events.h"
#include "group/scheduler.h"
#include "groupwire/coordinator/v1/coordinator.pb.h"
#include "storage/group_log.h"

namespace groupwire::coordinator {

namespace pb = groupwire::coordinator::v1;

class ConsumerGroupManager {
 public:
  // How the manager's records reach the store: the partition appends them, holds the group's
  // later reads until they are applied, and calls `done` with the outcome.
  using Append = std::function<void(const std::string& group_id, WriteBatch, GroupLog::Done)>;
  // The partition's timers (they act only while the partition is served).
  using Schedule = std::function<void(const std::string& key, Millis, std::function<void()>)>;

  ConsumerGroupManager(const GroupConfig& config, Scheduler& scheduler, Append append,
                       Schedule schedule);
  ~ConsumerGroupManager();

  void load(const std::vector<ConsumerGroupRecord>& records);

  // The group must not be a classic group (the partition checks): an epoch-0 heartbeat creates
  // it. The reply comes once what the heartbeat changed is durable.
  void heartbeat(const pb::ConsumerGroupHeartbeatRequest& req,
                 std::function<void(pb::ConsumerGroupHeartbeatResponse)> reply);

  ConsumerGroup* find(const std::string& group_id);
  const ConsumerGroup* find(const std::string& group_id) const;
  const std::map<std::string, ConsumerGroup>& groups() const { return groups_; }

  pb::ConsumerGroupDescribed describe(const ConsumerGroup& group) const;

  // Kafka's ConsumerGroup.validateOffsetCommit and validateOffsetFetch.
  static pb::ErrorCode validate_offset_commit(const ConsumerGroup& group,
                                              const pb::OffsetCommitRequest& req);
  static pb::ErrorCode validate_offset_fetch(const ConsumerGroup& group,
                                             const pb::OffsetFetchGroup& req);
  // Whether a member subscribes to the topic (OffsetDelete's GROUP_SUBSCRIBED_TO_TOPIC).
  static bool is_subscribed_to(const ConsumerGroup& group, const std::string& topic);

  // Forgets the group (deleted: the caller writes the deletion) and its timers.
  void erase(const std::string& group_id);
  // A member removed by an operator: written like a leave.
  pb::ErrorCode remove_member(const std::string& group_id, const MemberId& member_id,
                              std::function<void(pb::ErrorCode)> done);

  void set_event_sink(GroupEventSink* sink) { sink_ = sink; }

 private:
  struct Step;

  pb::ConsumerGroupHeartbeatResponse handle(const pb::ConsumerGroupHeartbeatRequest& req,
                                            Step& step);
  pb::ConsumerGroupHeartbeatResponse leave(const pb::ConsumerGroupHeartbeatRequest& req,
                                           Step& step);
  // Finds or creates the member, checking its epoch and instance id, or sets `error`.
  ConsumerGroupMember* member_for(ConsumerGroup& group,
                                  const pb::ConsumerGroupHeartbeatRequest& req, MemberId member_id,
                                  Step& step);
  void fence(ConsumerGroup& group, const MemberId& member_id, Step& step);
  bool refresh_subscription_metadata(ConsumerGroup& group, Step& step);
  void bump_group_epoch(ConsumerGroup& group, Step& step);
  void update_target_assignment(ConsumerGroup& group, Step& step);
  void reconcile(ConsumerGroup& group, ConsumerGroupMember& member,
                 const std::optional<TopicPartitionsById>& owned, Step& step);
  void commit(ConsumerGroup& group, Step& step, std::function<void(pb::ErrorCode)> done);

  void schedule_session_timeout(const std::string& group_id, const MemberId& member_id);
  void schedule_rebalance_timeout(const std::string& group_id, const ConsumerGroupMember& m);
  void cancel_timers(const std::string& group_id, const MemberId& member_id);
  void expire(const std::string& group_id, const MemberId& member_id, MemberExit why,
              std::int32_t epoch);

  void emit(GroupEventType type, const ConsumerGroup& group, const ConsumerGroupMember* m,
            std::optional<MemberExit> exit = std::nullopt);

  const GroupConfig& config_;
  Scheduler& scheduler_;
  Append append_;
  Schedule schedule_;
  std::map<std::string, ConsumerGroup> groups_;
  SharedTopicCatalog catalog_;  // the newest any gateway sent
  SubscriptionPatterns patterns_;
  std::map<std::string, std::unique_ptr<PartitionAssignor>> assignors_;
  GroupEventSink* sink_ = nullptr;
  std::uint64_t next_member_id_ = 0;
};

}  // namespace groupwire::coordinator
