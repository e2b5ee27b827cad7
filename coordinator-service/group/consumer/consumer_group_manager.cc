#include "group/consumer/consumer_group_manager.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "group/consumer/consumer_group_records.h"
#include "group/consumer/current_assignment_builder.h"
#include "group/consumer/member_timers.h"
#include "group/member_ids.h"

namespace groupwire::coordinator {

using ErrorCode = pb::ErrorCode;

namespace {

std::string session_key(const std::string& group_id, const MemberId& member_id) {
  return member_key(kSession, group_id, member_id);
}
std::string rebalance_key(const std::string& group_id, const MemberId& member_id) {
  return member_key(kRebalance, group_id, member_id);
}

std::optional<TopicPartitionsById> owned_partitions(const pb::ConsumerGroupHeartbeatRequest& req) {
  if (!req.has_topic_partitions()) return std::nullopt;
  TopicPartitionsById owned;
  for (const auto& t : req.topic_partitions().topics()) {
    owned[TopicId::from_bytes(t.topic_id())].insert(t.partitions().begin(), t.partitions().end());
  }
  return owned;
}

// Kafka accepts a member one epoch behind when its response may have been lost: it comes back
// with its previous epoch and owns nothing it no longer has.
bool subset_of(const std::optional<TopicPartitionsById>& owned,
               const TopicPartitionsById& assigned) {
  if (!owned) return false;
  for (const auto& [topic, partitions] : *owned) {
    auto it = assigned.find(topic);
    if (it == assigned.end()) {
      if (!partitions.empty()) return false;
      continue;
    }
    for (std::int32_t p : partitions) {
      if (!it->second.count(p)) return false;
    }
  }
  return true;
}

std::optional<std::string> instance_of(const pb::ConsumerGroupHeartbeatRequest& req) {
  if (!req.has_instance_id()) return std::nullopt;
  return req.instance_id();
}

void to_proto(const TopicPartitionsById& assignment, pb::TopicIdAssignment& out) {
  for (const auto& [topic, partitions] : assignment) {
    auto* t = out.add_topics();
    t->set_topic_id(topic.to_bytes());
    t->mutable_partitions()->Add(partitions.begin(), partitions.end());
  }
}

// A catalog made of what the group already knows, to re-resolve subscriptions without a
// gateway's catalog (a member left: its topics may no longer be subscribed).
TopicCatalogView known_topics(const ConsumerGroup& group) {
  TopicCatalogView view;
  view.fingerprint = group.catalog_fingerprint;
  view.fetched_at_ms = group.catalog_fetched_at_ms;
  for (const auto& [id, topic] : group.subscription_metadata) {
    view.topics[topic.name] = CatalogEntry{id, topic.partitions};
  }
  return view;
}

std::string join(const std::vector<std::string>& names) {
  return fmt::format("{}", fmt::join(names, ", "));
}

}  // namespace

ConsumerGroupManager::ConsumerGroupManager(const GroupConfig& config, Scheduler& scheduler,
                                           Append append, Schedule schedule)
    : config_(config),
      scheduler_(scheduler),
      append_(std::move(append)),
      schedule_(std::move(schedule)) {
  for (const auto& name : config_.consumer_assignors) {
    if (auto a = make_assignor(name)) assignors_.emplace(name, std::move(a));
  }
}

ConsumerGroupManager::~ConsumerGroupManager() = default;

void ConsumerGroupManager::load(const std::vector<ConsumerGroupRecord>& records) {
  groups_ = load_consumer_groups(records);
  for (auto& [id, group] : groups_) {
    group.current_state_timestamp_ms = scheduler_.wall_clock_ms();
    group.last_state = group.state();
    for (auto& [member_id, m] : group.members) {
      m.last_heartbeat = scheduler_.now();
      schedule_session_timeout(id, member_id);
      if (m.state == MemberState::kUnrevokedPartitions) schedule_rebalance_timeout(id, m);
    }
  }
}

ConsumerGroup* ConsumerGroupManager::find(const std::string& group_id) {
  auto it = groups_.find(group_id);
  return it == groups_.end() ? nullptr : &it->second;
}

const ConsumerGroup* ConsumerGroupManager::find(const std::string& group_id) const {
  auto it = groups_.find(group_id);
  return it == groups_.end() ? nullptr : &it->second;
}

// ---- ConsumerGroupHeartbeat -------------------------------------------------------------

namespace {

// Kafka's throwIfConsumerGroupHeartbeatRequestIsInvalid, as an error and its message.
std::optional<std::pair<ErrorCode, std::string>> invalid(
    const pb::ConsumerGroupHeartbeatRequest& req,
    const std::map<std::string, std::unique_ptr<PartitionAssignor>>& assignors,
    const std::vector<std::string>& assignor_names) {
  auto bad = [](std::string why) {
    return std::make_optional(std::make_pair(pb::INVALID_REQUEST, std::move(why)));
  };
  if (req.group_id().empty()) return bad("GroupId can't be empty.");
  if (req.has_instance_id() && req.instance_id().empty()) return bad("InstanceId can't be empty.");
  if (req.has_rack_id() && req.rack_id().empty()) return bad("RackId can't be empty.");
  if (req.client_generates_member_id() && req.member_id().empty())
    return bad("MemberId can't be empty.");
  std::int32_t epoch = req.member_epoch();
  if (epoch > 0 || epoch == kLeaveMemberEpoch) {
    if (req.member_id().empty()) return bad("MemberId can't be empty.");
  } else if (epoch == kJoinMemberEpoch) {
    if (req.rebalance_timeout_ms() == -1)
      return bad("RebalanceTimeoutMs must be provided in first request.");
    if (!req.has_topic_partitions() || req.topic_partitions().topics_size() > 0)
      return bad("TopicPartitions must be empty when (re-)joining.");
    if (!req.has_subscribed_topic_names() && !req.has_subscribed_topic_regex())
      return bad("SubscribedTopicNames or SubscribedTopicRegex must be set in first request.");
  } else if (epoch == kLeaveStaticMemberEpoch) {
    if (req.member_id().empty()) return bad("MemberId can't be empty.");
    if (!req.has_instance_id()) return bad("InstanceId can't be null.");
  } else {
    return bad("MemberEpoch is invalid.");
  }
  if (req.has_server_assignor() && assignors.count(req.server_assignor()) == 0) {
    return std::make_pair(
        pb::UNSUPPORTED_ASSIGNOR,
        fmt::format("ServerAssignor {} is not supported. Supported assignors: {}.",
                    req.server_assignor(), join(assignor_names)));
  }
  if (req.has_subscribed_topic_regex()) {
    if (auto why = SubscriptionPatterns::invalid(req.subscribed_topic_regex())) {
      return std::make_pair(pb::INVALID_REGULAR_EXPRESSION,
                            fmt::format("SubscribedTopicRegex `{}` is not a valid regular "
                                        "expression: {}.",
                                        req.subscribed_topic_regex(), *why));
    }
  }
  return std::nullopt;
}

}  // namespace

void ConsumerGroupManager::heartbeat(
    const pb::ConsumerGroupHeartbeatRequest& req,
    std::function<void(pb::ConsumerGroupHeartbeatResponse)> reply) {
  if (auto error = invalid(req, assignors_, config_.consumer_assignors)) {
    pb::ConsumerGroupHeartbeatResponse resp;
    resp.set_error_code(error->first);
    resp.set_error_message(error->second);
    return reply(std::move(resp));
  }
  if (req.has_catalog()) {
    auto catalog = TopicCatalogView::from_proto(req.catalog());
    if (catalog->newer_than(catalog_.get())) catalog_ = std::move(catalog);
  }
  Step step;
  pb::ConsumerGroupHeartbeatResponse resp =
      req.member_epoch() < 0 ? leave(req, step) : handle(req, step);
  if (step.failed()) {
    resp.Clear();
    resp.set_error_code(step.error);
    if (!step.message.empty()) resp.set_error_message(step.message);
    return reply(std::move(resp));
  }
  ConsumerGroup* group = find(req.group_id());
  if (group == nullptr || step.records.empty()) return reply(std::move(resp));
  commit(*group, step,
         [resp = std::move(resp), reply = std::move(reply)](ErrorCode written) mutable {
           if (written != pb::NONE) {
             resp.Clear();
             resp.set_error_code(written);
           }
           reply(std::move(resp));
         });
}

pb::ConsumerGroupHeartbeatResponse ConsumerGroupManager::handle(
    const pb::ConsumerGroupHeartbeatRequest& req, Step& step) {
  pb::ConsumerGroupHeartbeatResponse resp;
  const std::string& group_id = req.group_id();
  ConsumerGroup* group = find(group_id);
  if (group == nullptr) {
    if (req.member_epoch() != kJoinMemberEpoch) {
      step.fail(pb::GROUP_ID_NOT_FOUND, fmt::format("Consumer group {} not found.", group_id));
      return resp;
    }
    group = &groups_[group_id];
    group->group_id = group_id;
    group->current_state_timestamp_ms = scheduler_.wall_clock_ms();
  }
  bool known = !req.member_id().empty() && group->has_member(req.member_id());
  if (static_cast<std::int64_t>(group->members.size()) >= config_.consumer_max_size && !known) {
    step.fail(pb::GROUP_MAX_SIZE_REACHED,
              fmt::format("The consumer group has reached its maximum capacity of {} members.",
                          config_.consumer_max_size));
    return resp;
  }
  MemberId member_id = req.member_id().empty() ? random_member_id() : req.member_id();
  ConsumerGroupMember* member = member_for(*group, req, member_id, step);
  if (member == nullptr) return resp;
  const bool is_new = step.member_created;
  // Most heartbeats change nothing of the member: they renew its session and learn its epoch.
  const bool updates =
      is_new || req.has_instance_id() || req.has_rack_id() || req.rebalance_timeout_ms() != -1 ||
      req.has_server_assignor() || req.has_subscribed_topic_names() ||
      req.has_subscribed_topic_regex() || req.client_id() != member->client_id ||
      req.client_host() != member->client_host || req.principal() != member->principal;
  bool bump = false;
  member->last_heartbeat = scheduler_.now();
  if (updates) {
    const ConsumerGroupMember& before = *member;
    ConsumerGroupMember updated = before;
    if (req.has_instance_id()) updated.instance_id = req.instance_id();
    if (req.has_rack_id()) updated.rack_id = req.rack_id();
    if (req.rebalance_timeout_ms() != -1) {
      updated.rebalance_timeout = Millis(req.rebalance_timeout_ms());
    }
    if (req.has_server_assignor()) updated.server_assignor = req.server_assignor();
    if (req.has_subscribed_topic_names()) {
      updated.subscribed_topic_names.assign(req.subscribed_topic_names().names().begin(),
                                            req.subscribed_topic_names().names().end());
    }
    if (req.has_subscribed_topic_regex()) {
      updated.subscribed_topic_regex = req.subscribed_topic_regex().empty()
                                           ? std::nullopt
                                           : std::make_optional(req.subscribed_topic_regex());
    }
    updated.client_id = req.client_id();
    updated.client_host = req.client_host();
    updated.principal = req.principal();
    if (!updated.same_metadata(before) || is_new) {
      step.records.push_back(member_metadata_record(group_id, updated));
    }
    bump = !updated.same_subscription(before);
    group->put_member(std::move(updated));
    if (is_new) emit(GroupEventType::MemberJoined, *group, group->member(member_id));
  }

  ConsumerGroupMember& m = advance(*group, member_id, bump, owned_partitions(req), step);
  if (step.failed()) return resp;
  schedule_session_timeout(group_id, member_id);

  resp.set_member_id(member_id);
  resp.set_member_epoch(m.member_epoch);
  resp.set_heartbeat_interval_ms(
      static_cast<std::int32_t>(config_.consumer_heartbeat_interval.count()));
  bool full = req.member_epoch() == kJoinMemberEpoch ||
              (req.rebalance_timeout_ms() != -1 &&
               (req.has_subscribed_topic_names() || req.has_subscribed_topic_regex()) &&
               req.has_topic_partitions());
  if (full || step.assignment_changed) {
    to_proto(m.assigned_partitions, *resp.mutable_assignment());
  }
  resp.set_catalog_fingerprint(group->catalog_fingerprint);
  return resp;
}

ConsumerGroupMember* ConsumerGroupManager::member_for(ConsumerGroup& group,
                                                      const pb::ConsumerGroupHeartbeatRequest& req,
                                                      MemberId member_id, Step& step) {
  std::int32_t epoch = req.member_epoch();
  auto check_epoch = [&](ConsumerGroupMember& m) -> ConsumerGroupMember* {
    if (epoch == kJoinMemberEpoch) {
      // A member that lost its state rejoins under the same id (KAFKA-19233): it starts over,
      // owning nothing, and converges to its target again.
      if (m.member_epoch != kJoinMemberEpoch || !m.assigned_partitions.empty()) {
        ConsumerGroupMember fresh = m;
        fresh.member_epoch = 0;
        fresh.previous_member_epoch = 0;
        fresh.state = MemberState::kStable;
        fresh.assigned_partitions.clear();
        fresh.partitions_pending_revocation.clear();
        group.put_member(std::move(fresh));
      }
      return group.member(m.member_id);
    }
    auto fenced = [&](const char* which) {
      step.fail(pb::FENCED_MEMBER_EPOCH,
                fmt::format("The consumer group member has a {} member epoch ({}) than the one "
                            "known by the group coordinator ({}). The member must abandon all its "
                            "partitions and rejoin.",
                            which, epoch, m.member_epoch));
      return nullptr;
    };
    if (epoch > m.member_epoch) return fenced("greater");
    if (epoch < m.member_epoch && (epoch != m.previous_member_epoch ||
                                   !subset_of(owned_partitions(req), m.assigned_partitions))) {
      return fenced("smaller");
    }
    return &m;
  };
  const std::optional<std::string> instance_id = instance_of(req);
  if (epoch != kJoinMemberEpoch) {
    ConsumerGroupMember* m = identified(group, member_id, instance_id, step);
    return m ? check_epoch(*m) : nullptr;
  }
  ConsumerGroupMember* existing = instance_id ? group.static_member(*instance_id) : nullptr;
  if (existing == nullptr) {
    if (ConsumerGroupMember* m = group.member(member_id)) return check_epoch(*m);
    ConsumerGroupMember joining;
    joining.member_id = member_id;
    group.put_member(std::move(joining));
    step.member_created = true;
    return group.member(member_id);
  }
  if (existing->member_id == member_id) return check_epoch(*existing);
  if (existing->member_epoch != kLeaveStaticMemberEpoch) {
    step.fail(pb::UNRELEASED_INSTANCE_ID,
              fmt::format("Static member {} with instance id {} cannot join the group because "
                          "the instance id is owned by {} member.",
                          member_id, *instance_id, existing->member_id));
    return nullptr;
  }
  step.member_created = true;
  return &replace_static_member(group, *existing, member_id, step);
}

ConsumerGroupMember* ConsumerGroupManager::identified(ConsumerGroup& group,
                                                      const MemberId& member_id,
                                                      const std::optional<std::string>& instance_id,
                                                      Step& step) {
  if (!instance_id) {
    if (ConsumerGroupMember* m = group.member(member_id)) return m;
    step.fail(pb::UNKNOWN_MEMBER_ID,
              fmt::format("Member {} is not a member of group {}.", member_id, group.group_id));
    return nullptr;
  }
  ConsumerGroupMember* m = group.static_member(*instance_id);
  if (m == nullptr) {
    step.fail(pb::UNKNOWN_MEMBER_ID, fmt::format("Instance id {} is unknown.", *instance_id));
    return nullptr;
  }
  if (m->member_id != member_id) {
    step.fail(pb::FENCED_INSTANCE_ID,
              fmt::format("Static member {} with instance id {} was fenced by member {}.",
                          member_id, *instance_id, m->member_id));
    return nullptr;
  }
  return m;
}

pb::ConsumerGroupHeartbeatResponse ConsumerGroupManager::leave(
    const pb::ConsumerGroupHeartbeatRequest& req, Step& step) {
  pb::ConsumerGroupHeartbeatResponse resp;
  ConsumerGroup* group = find(req.group_id());
  if (group == nullptr) {
    step.fail(pb::GROUP_ID_NOT_FOUND, fmt::format("Consumer group {} not found.", req.group_id()));
    return resp;
  }
  resp.set_member_id(req.member_id());
  resp.set_member_epoch(req.member_epoch());
  ConsumerGroupMember* member = identified(*group, req.member_id(), instance_of(req), step);
  if (member == nullptr) return resp;
  // (Validation made sure a -2 names its instance.)
  if (req.member_epoch() == kLeaveStaticMemberEpoch) {
    // A temporary leave: the member keeps its assignment for its session timeout, and its
    // instance id is released for its next incarnation.
    ConsumerGroupMember away = *member;
    away.previous_member_epoch = away.member_epoch;
    away.member_epoch = kLeaveStaticMemberEpoch;
    away.partitions_pending_revocation.clear();
    step.records.push_back(current_assignment_record(group->group_id, away));
    group->put_member(std::move(away));
    return resp;
  }
  spdlog::info("[GroupId {}] Member {} left the consumer group.", group->group_id,
               member->member_id);
  emit(GroupEventType::MemberLeft, *group, member, MemberExit::LeaveGroup);
  fence(*group, member->member_id, step);  // a downgrade leaves nothing here to write
  return resp;
}

ConsumerGroupMember& ConsumerGroupManager::replace_static_member(ConsumerGroup& group,
                                                                 ConsumerGroupMember& existing,
                                                                 const MemberId& member_id,
                                                                 Step& step) {
  ConsumerGroupMember replacement = existing;
  const MemberId old_id = existing.member_id;
  replacement.member_id = member_id;
  replacement.member_epoch = 0;
  replacement.previous_member_epoch = 0;
  TopicPartitionsById target = group.target_of(old_id);
  cancel_timers(group.group_id, old_id);
  group.remove_member(old_id);
  group.set_target(old_id, {});
  append_member_tombstones(group.group_id, old_id, step.records);
  step.records.push_back(member_metadata_record(group.group_id, replacement));
  step.records.push_back(target_assignment_record(group.group_id, member_id, target));
  step.records.push_back(current_assignment_record(group.group_id, replacement));
  group.set_target(member_id, std::move(target));
  group.put_member(std::move(replacement));
  return *group.member(member_id);
}

bool ConsumerGroupManager::fence(ConsumerGroup& group, MemberId member_id, Step& step) {
  if (maybe_downgrade(group, member_id)) return true;
  bool had_regex = group.member(member_id) && group.member(member_id)->subscribed_topic_regex;
  cancel_timers(group.group_id, member_id);
  group.remove_member(member_id);
  group.set_target(member_id, {});
  append_member_tombstones(group.group_id, member_id, step.records);
  refresh_subscription_metadata(group, step);
  bump_group_epoch(group, step);
  step.records.push_back(group_metadata_record(group));
  if (had_regex) patterns_.retain_used(groups_);
  return false;
}

bool ConsumerGroupManager::refresh_subscription_metadata(ConsumerGroup& group, Step& step) {
  const bool use_catalog = catalog_ && catalog_->fetched_at_ms >= group.catalog_fetched_at_ms;
  TopicCatalogView fallback;
  if (!use_catalog) fallback = known_topics(group);
  const TopicCatalogView& source = use_catalog ? *catalog_ : fallback;
  SubscribedTopicMetadata metadata = resolve_subscriptions(group, source, patterns_);
  if (source.fingerprint != group.catalog_fingerprint) {
    group.catalog_fingerprint = source.fingerprint;
    group.catalog_fetched_at_ms = source.fetched_at_ms;
    step.group_metadata_changed = true;
  }
  if (metadata == group.subscription_metadata) return false;
  group.subscription_metadata = std::move(metadata);
  step.group_metadata_changed = true;
  return true;
}

void ConsumerGroupManager::bump_group_epoch(ConsumerGroup& group, Step& step) {
  ++group.group_epoch;
  step.group_metadata_changed = true;
  if (!group.rebalance_started) group.rebalance_started = scheduler_.now();
  spdlog::debug("[GroupId {}] Bumped group epoch to {}.", group.group_id, group.group_epoch);
  emit(GroupEventType::RebalanceStarted, group, nullptr);
}

void ConsumerGroupManager::update_target_assignment(ConsumerGroup& group, Step& step) {
  std::string name = group.preferred_assignor().value_or(config_.consumer_assignors.front());
  auto it = assignors_.find(name);
  if (it == assignors_.end()) it = assignors_.begin();
  GroupAssignment result =
      it->second->assign(group_spec(group, patterns_), group.subscription_metadata);
  for (auto& [member_id, m] : group.members) {
    TopicPartitionsById& target = result[member_id];
    if (target == group.target_of(member_id)) continue;
    step.records.push_back(target_assignment_record(group.group_id, member_id, target));
    group.set_target(member_id, std::move(target));
  }
  group.assignment_epoch = group.group_epoch;
  step.records.push_back(target_assignment_metadata_record(group));
}

ConsumerGroupMember& ConsumerGroupManager::advance(ConsumerGroup& group, const MemberId& member_id,
                                                   bool bump,
                                                   const std::optional<TopicPartitionsById>& owned,
                                                   Step& step) {
  bool newer_catalog = catalog_ && catalog_->fingerprint != group.catalog_fingerprint &&
                       catalog_->fetched_at_ms >= group.catalog_fetched_at_ms;
  if ((bump || newer_catalog) && refresh_subscription_metadata(group, step)) bump = true;
  if (bump) bump_group_epoch(group, step);
  if (step.group_metadata_changed) step.records.push_back(group_metadata_record(group));
  if (group.group_epoch > group.assignment_epoch) update_target_assignment(group, step);
  ConsumerGroupMember& m = *group.member(member_id);
  reconcile(group, m, owned, step);
  return m;
}

void ConsumerGroupManager::reconcile(ConsumerGroup& group, ConsumerGroupMember& member,
                                     const std::optional<TopicPartitionsById>& owned, Step& step) {
  if (member.is_reconciled_to(group.assignment_epoch)) return;
  Reconciliation r{
      group.assignment_epoch, &group.target_of(member.member_id),
      [&group](const TopicId& t, std::int32_t p) { return group.current_partition_epoch(t, p); },
      &owned};
  std::optional<ConsumerGroupMember> next = coordinator::reconcile(member, r);
  if (!next) {
    step.fail(pb::FENCED_MEMBER_EPOCH,
              "The consumer group member is in a unknown state. The member must abandon all its "
              "partitions and rejoin.");
    return;
  }
  if (next->same_assignment(member)) return;
  step.assignment_changed = next->assigned_partitions != member.assigned_partitions;
  step.records.push_back(current_assignment_record(group.group_id, *next));
  const std::string group_id = group.group_id;
  group.put_member(std::move(*next));  // `member` now refers to the updated member
  if (member.state == MemberState::kUnrevokedPartitions) {
    schedule_rebalance_timeout(group_id, member);
  } else {
    scheduler_.cancel(rebalance_key(group_id, member.member_id));
  }
}

void ConsumerGroupManager::commit(ConsumerGroup& group, Step& step,
                                  std::function<void(ErrorCode)> done) {
  const std::string group_id = group.group_id;
  ConsumerGroupState state = group.state();
  if (state != group.last_state) {
    group.last_state = state;
    group.current_state_timestamp_ms = scheduler_.wall_clock_ms();
    if (state == ConsumerGroupState::kStable) {
      emit(GroupEventType::RebalanceCompleted, group, nullptr);
      group.rebalance_started.reset();
    }
  }
  if (step.records.empty()) {
    if (done) done(pb::NONE);
    return;
  }
  WriteBatch batch;
  batch.consumer_group_records = std::move(step.records);
  append_(group_id, std::move(batch), [this, group_id, done = std::move(done)](ErrorCode e) {
    if (e != pb::NONE) {
      // The group's state ran ahead of the store: write it whole, which repairs what was lost.
      spdlog::warn("[GroupId {}] storing the consumer group failed: {}", group_id,
                   pb::ErrorCode_Name(e));
      if (ConsumerGroup* g = find(group_id)) {
        WriteBatch repair;
        repair.consumer_group_records = all_records(*g);
        append_(group_id, std::move(repair), [](ErrorCode) {});
      }
    }
    if (done) done(e);
  });
}

// ---- Timers -------------------------------------------------------------------------------

void ConsumerGroupManager::schedule_session_timeout(const std::string& group_id,
                                                    const MemberId& member_id) {
  // A classic-protocol member keeps the session timeout it asked for in JoinGroup.
  Millis timeout = config_.consumer_session_timeout;
  if (const ConsumerGroup* g = find(group_id)) {
    const ConsumerGroupMember* m = g->member(member_id);
    if (m && m->classic) timeout = m->classic->session_timeout;
  }
  schedule_(session_key(group_id, member_id), timeout, [this, group_id, member_id] {
    expire(group_id, member_id, MemberExit::SessionTimeout, -1);
  });
}

void ConsumerGroupManager::schedule_rebalance_timeout(const std::string& group_id,
                                                      const ConsumerGroupMember& m) {
  std::int32_t epoch = m.member_epoch;
  schedule_(rebalance_key(group_id, m.member_id), m.rebalance_timeout,
            [this, group_id, member_id = m.member_id, epoch] {
              expire(group_id, member_id, MemberExit::JoinTimeout, epoch);
            });
}

void ConsumerGroupManager::schedule_classic_timeout(const std::string& kind,
                                                    const std::string& group_id,
                                                    const MemberId& member_id, Millis timeout,
                                                    MemberExit why) {
  schedule_(member_key(kind, group_id, member_id), timeout,
            [this, group_id, member_id, why] { expire(group_id, member_id, why, -1); });
}

void ConsumerGroupManager::cancel_timers(const std::string& group_id, const MemberId& member_id) {
  for (const char* kind : {kSession, kRebalance, kClassicJoin, kClassicSync}) {
    scheduler_.cancel(member_key(kind, group_id, member_id));
  }
  classic_join_timers_.erase(member_key(kClassicJoin, group_id, member_id));
}

void ConsumerGroupManager::expire(const std::string& group_id, const MemberId& member_id,
                                  MemberExit why, std::int32_t epoch) {
  ConsumerGroup* group = find(group_id);
  ConsumerGroupMember* m = group ? group->member(member_id) : nullptr;
  if (m == nullptr) return;
  // A rebalance timeout counts only if the member is still at the epoch it had to leave.
  if (epoch >= 0 && m->member_epoch != epoch) return;
  const char* because = "the member session expired";
  if (why == MemberExit::JoinTimeout) {
    because = m->classic ? "it did not join again within its rebalance timeout"
                         : "it failed to revoke its partitions within the rebalance timeout";
  } else if (why == MemberExit::SyncTimeout) {
    because = "it did not SyncGroup within its rebalance timeout";
  }
  spdlog::info("[GroupId {}] Member {} fenced from the group because {}.", group_id, member_id,
               because);
  emit(GroupEventType::MemberExpired, *group, m, why);
  Step step;
  if (!fence(*group, member_id, step)) commit(*group, step, nullptr);
}

void ConsumerGroupManager::erase(const std::string& group_id) {
  ConsumerGroup* group = find(group_id);
  if (group == nullptr) return;
  for (const auto& [member_id, m] : group->members) cancel_timers(group_id, member_id);
  groups_.erase(group_id);
}

pb::ErrorCode ConsumerGroupManager::remove_member(const std::string& group_id,
                                                  const MemberId& member_id,
                                                  std::function<void(ErrorCode)> done) {
  ConsumerGroup* group = find(group_id);
  if (group == nullptr) return pb::GROUP_ID_NOT_FOUND;
  ConsumerGroupMember* m = group->member(member_id);
  if (m == nullptr) return pb::UNKNOWN_MEMBER_ID;
  emit(GroupEventType::MemberLeft, *group, m, MemberExit::LeaveGroup);
  Step step;
  if (fence(*group, member_id, step)) {
    if (done) done(pb::NONE);
  } else {
    commit(*group, step, std::move(done));
  }
  return pb::NONE;
}

// ---- Reads --------------------------------------------------------------------------------

pb::ConsumerGroupDescribed ConsumerGroupManager::describe(const ConsumerGroup& group) const {
  pb::ConsumerGroupDescribed out;
  out.set_group_id(group.group_id);
  out.set_group_state(consumer_group_state_name(group.state()));
  out.set_group_epoch(group.group_epoch);
  out.set_assignment_epoch(group.assignment_epoch);
  out.set_assignor_name(group.preferred_assignor().value_or(config_.consumer_assignors.front()));
  auto fill = [&](const TopicPartitionsById& assignment,
                  google::protobuf::RepeatedPtrField<pb::TopicAssignment>& topics) {
    for (const auto& [topic, partitions] : assignment) {
      auto* t = topics.Add();
      t->set_topic_id(topic.to_bytes());
      t->set_topic_name(group.topic_name(topic));
      t->mutable_partitions()->Add(partitions.begin(), partitions.end());
    }
  };
  for (const auto& [id, m] : group.members) {
    auto* d = out.add_members();
    d->set_member_id(id);
    if (m.instance_id) d->set_instance_id(*m.instance_id);
    if (m.rack_id) d->set_rack_id(*m.rack_id);
    d->set_member_epoch(m.member_epoch);
    d->set_client_id(m.client_id);
    d->set_client_host(m.client_host);
    for (const auto& name : m.subscribed_topic_names) d->add_subscribed_topic_names(name);
    if (m.subscribed_topic_regex) d->set_subscribed_topic_regex(*m.subscribed_topic_regex);
    fill(m.assigned_partitions, *d->mutable_assignment());
    fill(group.target_of(id), *d->mutable_target_assignment());
    d->set_classic(m.uses_classic_protocol());
  }
  return out;
}

GroupEvent ConsumerGroupManager::event(GroupEventType type, const ConsumerGroup& group) const {
  GroupEvent e;
  e.type = type;
  e.group_id = group.group_id;
  e.timestamp_ms = scheduler_.wall_clock_ms();
  e.generation_id = group.group_epoch;
  e.members = static_cast<std::int32_t>(group.members.size());
  e.consumer_state = group.state();
  return e;
}

void ConsumerGroupManager::emit(GroupEventType type, const ConsumerGroup& group,
                                const ConsumerGroupMember* m, std::optional<MemberExit> exit) {
  if (sink_ == nullptr) return;
  GroupEvent e = event(type, group);
  if (m != nullptr) {
    e.member_id = m->member_id;
    e.group_instance_id = m->instance_id;
  }
  e.exit = exit;
  if (type == GroupEventType::RebalanceCompleted && group.rebalance_started) {
    e.rebalance_duration =
        std::chrono::duration_cast<Millis>(scheduler_.now() - *group.rebalance_started);
  }
  sink_->on_event(e);
}

}  // namespace groupwire::coordinator
