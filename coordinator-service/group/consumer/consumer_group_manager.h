// The consumer group protocol (KIP-848) for the groups of one partition: Kafka's
// GroupMetadataManager on its consumer-group paths. A ConsumerGroupHeartbeat joins, leaves,
// updates a subscription and reconciles a member towards the target assignment, which the
// group's assignor recomputes whenever the group epoch moves. Runs on the partition's thread.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "group/classic_group.h"
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

  // Forgets the group (deleted: the caller writes the deletion) and its timers.
  void erase(const std::string& group_id);
  // A member removed by an operator: written like a leave.
  pb::ErrorCode remove_member(const std::string& group_id, const MemberId& member_id,
                              std::function<void(pb::ErrorCode)> done);

  void set_event_sink(GroupEventSink* sink) { sink_ = sink; }
  // An event about the group as it is now (its epoch as the generation, its state).
  GroupEvent event(GroupEventType type, const ConsumerGroup& group) const;

  // ---- Migration between the protocols (classic_members.cc) ---------------------------------

  // A classic group becomes a consumer group as a consumer-protocol member joins it (Kafka's
  // validateOnlineUpgrade): the policy allows it, its members use the embedded consumer
  // protocol, and there are not more than a consumer group may have.
  bool may_upgrade(const ClassicGroup& classic) const;
  // Takes the classic group's members over as classic-protocol members of a consumer group at
  // its generation. False (nothing changed) when a member's embedded protocol does not parse.
  bool upgrade(const ClassicGroup& classic, const pb::TopicCatalog* catalog);
  // Called when a consumer group whose last consumer-protocol member left becomes a classic
  // group again: the partition installs `classic` (and writes it) in place of the consumer
  // group, whose records the manager tombstones.
  using Downgrade = std::function<void(ClassicGroup classic, WriteBatch tombstones)>;
  void set_downgrade(Downgrade downgrade) { downgrade_ = std::move(downgrade); }

  // Classic-protocol members of a consumer group: Kafka's classicGroup*ToConsumerGroup paths.
  void classic_join(ConsumerGroup& group, const pb::JoinGroupRequest& req,
                    std::function<void(pb::JoinGroupResponse)> reply);
  pb::SyncGroupResponse classic_sync(ConsumerGroup& group, const pb::SyncGroupRequest& req);
  pb::ErrorCode classic_heartbeat(ConsumerGroup& group, const pb::HeartbeatRequest& req);
  void classic_leave(ConsumerGroup& group, const pb::LeaveGroupRequest& req,
                     std::function<void(pb::LeaveGroupResponse)> reply);

 private:
  // What one call (or timer) changes: the records to write, and the error to answer.
  struct Step {
    std::vector<ConsumerGroupRecord> records;
    bool group_metadata_changed = false;
    pb::ErrorCode error = pb::NONE;
    std::string message;
    bool member_created = false;
    bool assignment_changed = false;  // the member's assigned partitions

    void fail(pb::ErrorCode e, std::string why) {
      error = e;
      message = std::move(why);
    }
    bool failed() const { return error != pb::NONE; }
  };

  pb::ConsumerGroupHeartbeatResponse handle(const pb::ConsumerGroupHeartbeatRequest& req,
                                            Step& step);
  pb::ConsumerGroupHeartbeatResponse leave(const pb::ConsumerGroupHeartbeatRequest& req,
                                           Step& step);
  // Finds or creates the member, checking its epoch and instance id, or sets `error`.
  ConsumerGroupMember* member_for(ConsumerGroup& group,
                                  const pb::ConsumerGroupHeartbeatRequest& req, MemberId member_id,
                                  Step& step);
  // Removes the member; true when the group became a classic group instead (then `group` is
  // gone and `step` holds nothing to write).
  // (The member id is a copy: the member it names is destroyed on the way.)
  bool fence(ConsumerGroup& group, MemberId member_id, Step& step);
  bool maybe_downgrade(ConsumerGroup& group, const MemberId& leaving);
  // A static member's instance back under a new member id (it left with epoch -2): the new
  // member takes over the old one's assignment and target, at epoch 0.
  ConsumerGroupMember& replace_static_member(ConsumerGroup& group, ConsumerGroupMember& existing,
                                             const MemberId& member_id, Step& step);
  // The member a request names by member id, or by instance id and member id (a static member):
  // UNKNOWN_MEMBER_ID or FENCED_INSTANCE_ID, with Kafka's messages, otherwise.
  ConsumerGroupMember* identified(ConsumerGroup& group, const MemberId& member_id,
                                  const std::optional<std::string>& instance_id, Step& step);
  // Finds a classic-protocol member as Kafka's validateConsumerGroupMember does, or the error.
  ConsumerGroupMember* classic_member(ConsumerGroup& group, const std::string& member_id,
                                      const std::optional<std::string>& instance_id,
                                      pb::ErrorCode& error);
  // The subscription, owned partitions and classic metadata a JoinGroup brings.
  void update_from_join(ConsumerGroup& group, ConsumerGroupMember& member,
                        const pb::JoinGroupRequest& req, Step& step,
                        std::optional<TopicPartitionsById>& owned);
  std::optional<TopicId> topic_id(const ConsumerGroup& group, const std::string& name) const;
  std::string topic_name(const ConsumerGroup& group, const TopicId& id) const;
  void schedule_classic_timeout(const std::string& kind, const std::string& group_id,
                                const MemberId& member_id, Millis timeout, MemberExit why);
  bool refresh_subscription_metadata(ConsumerGroup& group, Step& step);
  void bump_group_epoch(ConsumerGroup& group, Step& step);
  void update_target_assignment(ConsumerGroup& group, Step& step);
  // After a member's update: moves the group epoch (`bump`, or the subscribed topics changed),
  // recomputes the target assignment if the epoch moved, and reconciles the member.
  ConsumerGroupMember& advance(ConsumerGroup& group, const MemberId& member_id, bool bump,
                               const std::optional<TopicPartitionsById>& owned, Step& step);
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
  Downgrade downgrade_;
  std::set<std::string> classic_join_timers_;  // the keys of those armed, armed only once
  std::uint64_t next_member_id_ = 0;
};

}  // namespace groupwire::coordinator
