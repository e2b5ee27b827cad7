// Classic-protocol members of a consumer group, and a group's conversions between the two
// protocols (Kafka's group.consumer.migration.policy): a classic group that a consumer-protocol
// member joins becomes a consumer group, its members carry on through JoinGroup, SyncGroup and
// Heartbeat as classic-protocol members of it (Kafka's classicGroup*ToConsumerGroup paths), and
// once its last consumer-protocol member leaves it becomes a classic group again.
#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "group/consumer/consumer_group_manager.h"
#include "group/consumer/consumer_group_records.h"
#include "group/consumer/group_conversion.h"
#include "group/consumer/member_timers.h"
#include "group/join_error.h"
#include "group/member_ids.h"

namespace groupwire::coordinator {

using ErrorCode = pb::ErrorCode;

namespace {

bool upgrades(ConsumerMigrationPolicy p) {
  return p == ConsumerMigrationPolicy::kBidirectional || p == ConsumerMigrationPolicy::kUpgrade;
}
bool downgrades(ConsumerMigrationPolicy p) {
  return p == ConsumerMigrationPolicy::kBidirectional || p == ConsumerMigrationPolicy::kDowngrade;
}

// Kafka's ConsumerGroup.supportsClassicProtocols: the embedded consumer protocol, with a
// protocol name every classic-protocol member of the group supports.
bool supports_protocols(const ConsumerGroup& group, const pb::JoinGroupRequest& req) {
  if (req.protocol_type() != "consumer" || req.protocols().empty()) return false;
  std::map<std::string, int> support;
  int classic = 0;
  for (const auto& [id, m] : group.members) {
    if (!m.classic) continue;
    ++classic;
    for (const auto& [name, metadata] : m.classic->protocols) ++support[name];
  }
  for (const auto& p : req.protocols()) {
    if (support[p.name()] == classic) return true;
  }
  return false;
}

// A member in UNRELEASED_PARTITIONS that still waits for a partition another member owns.
bool waits_for_unreleased(const ConsumerGroup& group, const ConsumerGroupMember& m) {
  for (const auto& [topic, partitions] : group.target_of(m.member_id)) {
    auto it = m.assigned_partitions.find(topic);
    for (std::int32_t p : partitions) {
      bool assigned = it != m.assigned_partitions.end() && it->second.count(p);
      if (!assigned && group.current_partition_epoch(topic, p) != -1) return true;
    }
  }
  return false;
}

}  // namespace

std::optional<TopicId> ConsumerGroupManager::topic_id(const ConsumerGroup& group,
                                                      const std::string& name) const {
  for (const auto& [id, topic] : group.subscription_metadata) {
    if (topic.name == name) return id;
  }
  if (catalog_) {
    auto it = catalog_->topics.find(name);
    if (it != catalog_->topics.end()) return it->second.id;
  }
  return std::nullopt;
}

std::string ConsumerGroupManager::topic_name(const ConsumerGroup& group, const TopicId& id) const {
  std::string name = group.topic_name(id);
  if (!name.empty() || !catalog_) return name;
  for (const auto& [topic, entry] : catalog_->topics) {
    if (entry.id == id) return topic;
  }
  return {};
}

// ---- Upgrade and downgrade ----------------------------------------------------------------

bool ConsumerGroupManager::may_upgrade(const ClassicGroup& classic) const {
  return config_.consumer_protocol && upgrades(config_.consumer_migration_policy) &&
         classic.uses_consumer_protocol() &&
         static_cast<std::int64_t>(classic.members.size()) <= config_.consumer_max_size;
}

bool ConsumerGroupManager::upgrade(const ClassicGroup& classic, const pb::TopicCatalog* catalog) {
  if (catalog != nullptr) {
    auto view = TopicCatalogView::from_proto(*catalog);
    if (view->newer_than(catalog_.get())) catalog_ = std::move(view);
  }
  ConsumerGroup empty;
  auto converted =
      consumer_group_from(classic, [&](const std::string& name) { return topic_id(empty, name); });
  if (!converted) {
    spdlog::warn(
        "[GroupId {}] cannot upgrade the classic group to a consumer group: a member's "
        "embedded consumer protocol is malformed",
        classic.group_id);
    return false;
  }
  const std::string id = classic.group_id;
  ConsumerGroup& group = groups_.insert_or_assign(id, std::move(*converted)).first->second;
  group.current_state_timestamp_ms = scheduler_.wall_clock_ms();
  group.last_state = group.state();
  Step step;
  refresh_subscription_metadata(group, step);
  step.records = all_records(group);
  for (const auto& [member_id, m] : group.members) schedule_session_timeout(id, member_id);
  spdlog::info(
      "[GroupId {}] Upgraded the classic group to a consumer group at epoch {} with {} "
      "classic-protocol members.",
      id, group.group_epoch, group.members.size());
  commit(group, step, nullptr);
  return true;
}

bool ConsumerGroupManager::maybe_downgrade(ConsumerGroup& group, const MemberId& leaving) {
  if (!downgrade_ || group.members.size() <= 1 || !downgrades(config_.consumer_migration_policy) ||
      static_cast<std::int64_t>(group.members.size()) - 1 > config_.max_group_size) {
    return false;
  }
  for (const auto& [id, m] : group.members) {
    if (id != leaving && !m.classic) return false;
  }
  ClassicGroup classic = classic_group_from(
      group, leaving, [&](const TopicId& t) { return topic_name(group, t); },
      scheduler_.wall_clock_ms());
  WriteBatch batch;
  batch.consumer_group_records = tombstones(group);
  for (const auto& [id, m] : group.members) cancel_timers(group.group_id, id);
  spdlog::info(
      "[GroupId {}] Downgraded the consumer group to a classic group at generation {}: "
      "its last consumer-protocol member left.",
      group.group_id, group.group_epoch);
  const std::string id = group.group_id;
  groups_.erase(id);
  downgrade_(std::move(classic), std::move(batch));
  return true;
}

// ---- JoinGroup, SyncGroup, Heartbeat, LeaveGroup of classic-protocol members ---------------

ConsumerGroupMember* ConsumerGroupManager::classic_member(
    ConsumerGroup& group, const std::string& member_id,
    const std::optional<std::string>& instance_id, ErrorCode& error) {
  Step step;
  ConsumerGroupMember* m = identified(group, member_id, instance_id, step);
  // A consumer-protocol member speaks ConsumerGroupHeartbeat.
  if (m != nullptr && !m->classic) step.fail(pb::UNKNOWN_MEMBER_ID, "");
  error = step.error;
  return step.failed() ? nullptr : m;
}

void ConsumerGroupManager::classic_join(ConsumerGroup& group, const pb::JoinGroupRequest& req,
                                        std::function<void(pb::JoinGroupResponse)> reply) {
  if (!supports_protocols(group, req)) {
    return reply(join_error(req.member_id(), pb::INCONSISTENT_GROUP_PROTOCOL));
  }
  kafka::ConsumerProtocolSubscription subscription;
  if (!kafka::decode_consumer_protocol(req.protocols(0).metadata(), subscription)) {
    return reply(join_error(req.member_id(), pb::INCONSISTENT_GROUP_PROTOCOL));
  }
  const bool unknown = req.member_id().empty();
  const MemberId member_id = unknown ? random_member_id() : req.member_id();
  if (static_cast<std::int64_t>(group.members.size()) >= config_.consumer_max_size &&
      !group.has_member(member_id)) {
    return reply(join_error(req.member_id(), pb::GROUP_MAX_SIZE_REACHED));
  }
  if (unknown && req.require_known_member_id() && !req.has_group_instance_id()) {
    return reply(join_error(member_id, pb::MEMBER_ID_REQUIRED));
  }
  Step step;
  ConsumerGroupMember* member = nullptr;
  if (!req.has_group_instance_id()) {
    member = group.member(member_id);
  } else if (ConsumerGroupMember* existing = group.static_member(req.group_instance_id())) {
    if (unknown) {
      member = &replace_static_member(group, *existing, member_id, step);
    } else if (existing->member_id != member_id) {
      return reply(join_error(req.member_id(), pb::FENCED_INSTANCE_ID));
    } else {
      member = existing;
    }
  } else if (!unknown) {
    return reply(join_error(req.member_id(), pb::UNKNOWN_MEMBER_ID));
  }
  const bool is_new = member == nullptr;
  if (is_new) {
    ConsumerGroupMember m;
    m.member_id = member_id;
    group.put_member(std::move(m));
    member = group.member(member_id);
  }
  const ConsumerGroupMember before = *member;
  ConsumerGroupMember updated = before;
  if (req.has_group_instance_id()) updated.instance_id = req.group_instance_id();
  if (subscription.rack_id) updated.rack_id = subscription.rack_id;
  updated.rebalance_timeout = Millis(req.rebalance_timeout_ms());
  updated.subscribed_topic_names = subscription.topics;
  updated.client_id = req.client_id();
  updated.client_host = req.client_host();
  updated.principal = req.principal();
  updated.last_heartbeat = scheduler_.now();
  ClassicMemberMetadata classic{Millis(req.session_timeout_ms()), {}};
  for (const auto& p : req.protocols()) classic.protocols.emplace_back(p.name(), p.metadata());
  updated.classic = std::move(classic);
  if (!updated.same_metadata(before) || is_new) {
    step.records.push_back(member_metadata_record(group.group_id, updated));
  }
  const bool bump = !updated.same_subscription(before);
  group.put_member(updated);
  if (is_new) emit(GroupEventType::MemberJoined, group, &updated);
  std::optional<TopicPartitionsById> owned = partitions_by_id(
      subscription.owned_partitions, [&](const std::string& t) { return topic_id(group, t); });
  ConsumerGroupMember& m = advance(group, member_id, bump, owned, step);
  if (step.failed()) return reply(join_error(req.member_id(), step.error));

  pb::JoinGroupResponse resp;
  resp.set_member_id(member_id);
  resp.set_generation_id(m.member_epoch);
  resp.set_protocol_type("consumer");
  resp.set_protocol_name(req.protocols(0).name());
  const std::string group_id = group.group_id;
  const Millis sync_timeout = m.rebalance_timeout;
  commit(group, step,
         [this, group_id, member_id, sync_timeout, resp = std::move(resp),
          reply = std::move(reply)](ErrorCode written) mutable {
           if (written != pb::NONE) return reply(join_error(resp.member_id(), written));
           const std::string join_key = member_key(kClassicJoin, group_id, member_id);
           scheduler_.cancel(join_key);
           classic_join_timers_.erase(join_key);
           schedule_session_timeout(group_id, member_id);
           schedule_classic_timeout(kClassicSync, group_id, member_id, sync_timeout,
                                    MemberExit::SyncTimeout);
           reply(std::move(resp));
         });
}

pb::SyncGroupResponse ConsumerGroupManager::classic_sync(ConsumerGroup& group,
                                                         const pb::SyncGroupRequest& req) {
  pb::SyncGroupResponse resp;
  ErrorCode error = pb::NONE;
  std::optional<std::string> instance;
  if (req.has_group_instance_id()) instance = req.group_instance_id();
  ConsumerGroupMember* m = classic_member(group, req.member_id(), instance, error);
  if (m == nullptr) {
    resp.set_error_code(error);
    return resp;
  }
  const std::string& protocol = m->classic->protocols.front().first;
  if (req.generation_id() != m->member_epoch) {
    error = pb::ILLEGAL_GENERATION;
  } else if ((req.has_protocol_type() && req.protocol_type() != "consumer") ||
             (req.has_protocol_name() && req.protocol_name() != protocol)) {
    error = pb::INCONSISTENT_GROUP_PROTOCOL;
  } else if (group.group_epoch > m->member_epoch && m->state != MemberState::kUnrevokedPartitions) {
    // A newer epoch is under way: the member must join again to catch up.
    error = pb::REBALANCE_IN_PROGRESS;
  }
  if (error != pb::NONE) {
    resp.set_error_code(error);
    return resp;
  }
  scheduler_.cancel(member_key(kClassicSync, group.group_id, m->member_id));
  m->last_heartbeat = scheduler_.now();
  schedule_session_timeout(group.group_id, m->member_id);
  resp.set_protocol_type("consumer");
  resp.set_protocol_name(protocol);
  resp.set_assignment(encode_assignment(
      m->assigned_partitions, [&](const TopicId& t) { return topic_name(group, t); },
      m->classic->protocols.front().second));
  return resp;
}

ErrorCode ConsumerGroupManager::classic_heartbeat(ConsumerGroup& group,
                                                  const pb::HeartbeatRequest& req) {
  ErrorCode error = pb::NONE;
  std::optional<std::string> instance;
  if (req.has_group_instance_id()) instance = req.group_instance_id();
  ConsumerGroupMember* m = classic_member(group, req.member_id(), instance, error);
  if (m == nullptr) return error;
  if (req.generation_id() != m->member_epoch) return pb::ILLEGAL_GENERATION;
  m->last_heartbeat = scheduler_.now();
  schedule_session_timeout(group.group_id, m->member_id);
  if (m->member_epoch < group.group_epoch || m->state == MemberState::kUnrevokedPartitions ||
      (m->state == MemberState::kUnreleasedPartitions && !waits_for_unreleased(group, *m))) {
    // The member moves on only by joining again; it has its rebalance timeout to do so.
    const std::string key = member_key(kClassicJoin, group.group_id, m->member_id);
    if (classic_join_timers_.insert(key).second) {
      schedule_(key, m->rebalance_timeout,
                [this, key, group_id = group.group_id, member_id = m->member_id] {
                  classic_join_timers_.erase(key);
                  expire(group_id, member_id, MemberExit::JoinTimeout, -1);
                });
    }
    return pb::REBALANCE_IN_PROGRESS;
  }
  return pb::NONE;
}

void ConsumerGroupManager::classic_leave(ConsumerGroup& group, const pb::LeaveGroupRequest& req,
                                         std::function<void(pb::LeaveGroupResponse)> reply) {
  pb::LeaveGroupResponse resp;
  std::vector<MemberId> leaving;
  for (const auto& identity : req.members()) {
    auto* out = resp.add_members();
    out->set_member_id(identity.member_id());
    if (identity.has_group_instance_id()) out->set_group_instance_id(identity.group_instance_id());
    const ConsumerGroupMember* m = nullptr;
    if (identity.has_group_instance_id()) {
      m = group.static_member(identity.group_instance_id());
      if (m && !identity.member_id().empty() && m->member_id != identity.member_id()) {
        out->set_error_code(pb::FENCED_INSTANCE_ID);
        continue;
      }
    } else {
      m = group.member(identity.member_id());
    }
    if (m == nullptr) {
      out->set_error_code(pb::UNKNOWN_MEMBER_ID);
      continue;
    }
    leaving.push_back(m->member_id);
  }
  Step step;
  const std::string group_id = group.group_id;
  for (const auto& member_id : leaving) {
    ConsumerGroup* g = find(group_id);
    if (g == nullptr) break;  // became a classic group: the others left with it
    spdlog::info("[GroupId {}] Member {} left the consumer group.", group_id, member_id);
    emit(GroupEventType::MemberLeft, *g, g->member(member_id), MemberExit::LeaveGroup);
    if (fence(*g, member_id, step)) break;
  }
  ConsumerGroup* g = find(group_id);
  if (g == nullptr || step.records.empty()) return reply(std::move(resp));
  commit(*g, step, [resp = std::move(resp), reply = std::move(reply)](ErrorCode written) mutable {
    if (written != pb::NONE) {
      resp.clear_members();
      resp.set_error_code(written);
    }
    reply(std::move(resp));
  });
}

}  // namespace groupwire::coordinator
