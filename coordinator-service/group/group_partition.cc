#include "group/group_partition.h"

#include <algorithm>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "group/consumer/consumer_group_records.h"
#include "group/join_error.h"
#include "group/member_ids.h"
#include "kafka/codec/codec.h"
#include "kafka/codec/messages/consumer_protocol.h"

namespace groupwire::coordinator {

namespace {

using pb::ErrorCode;

pb::SyncGroupResponse sync_error(ErrorCode error) {
  pb::SyncGroupResponse r;
  r.set_error_code(error);
  return r;
}

pb::HeartbeatResponse heartbeat_result(ErrorCode error) {
  pb::HeartbeatResponse r;
  r.set_error_code(error);
  return r;
}

// Timer keys carry the group id's length so that no two (group, member) pairs collide.
std::string pending_member_key(const std::string& group_id, const MemberId& member_id) {
  return fmt::format("pending:{}:{}:{}", group_id.size(), group_id, member_id);
}
std::string session_key(const std::string& group_id) {
  return "session:" + group_id;
}
std::string join_key(const std::string& group_id) {
  return "join:" + group_id;
}
std::string sync_key(const std::string& group_id) {
  return "sync:" + group_id;
}

bool equals_ignore_case(const std::string& a, const std::string& b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) ==
                  std::tolower(static_cast<unsigned char>(y));
         });
}

// Kafka reads only the v0 prefix (the topic list) of each subscription, whatever its version.
std::optional<std::vector<std::string>> subscription_topics(const std::string& metadata) {
  kafka::Reader r(metadata.data(), metadata.size());
  if (r.read_int<std::int16_t>() < 0 || !r.ok()) return std::nullopt;
  kafka::ConsumerProtocolSubscription sub;
  if (!kafka::decode_body(r, 0, false, sub)) return std::nullopt;
  return sub.topics;
}

}  // namespace

class GroupPartition::Impl {
 public:
  Impl(const GroupConfig& config, Scheduler& scheduler, GroupLog& log, PartitionState state)
      : config_(config),
        scheduler_(scheduler),
        log_(log),
        state_(state),
        consumer_(
            config_, scheduler_,
            [this](const std::string& group_id, WriteBatch batch, GroupLog::Done done) {
              append_then_apply(group_id, CallOrder::Writes::kGroup, std::move(batch),
                                std::move(done));
            },
            [this](const std::string& key, Millis delay, std::function<void()> fn) {
              schedule(key, delay, std::move(fn));
            }) {
    consumer_.set_downgrade([this](ClassicGroup classic, WriteBatch batch) {
      downgrade(std::move(classic), std::move(batch));
    });
  }

  // ---- Loading ------------------------------------------------------------------------------

  void load(StoredGroups stored) {
    state_ = PartitionState::kActive;  // the consumer groups' timers start as they load
    consumer_.load(stored.consumer_group_records);
    for (const auto& record : stored.groups) {
      // A group converted to a consumer group keeps its last classic record: the consumer
      // group's records win.
      if (consumer_.find(record.group_id) != nullptr) continue;
      groups_.insert_or_assign(record.group_id, ClassicGroup::from_record(record));
    }
    for (auto& o : stored.offsets) {
      // Offsets without a group record belong to a simple group.
      if (find(o.key.group_id) == nullptr && consumer_.find(o.key.group_id) == nullptr) {
        create_group(o.key.group_id);
      }
      offsets_[o.key.group_id][{o.key.topic, o.key.partition}] =
          CommittedOffset{o.committed_offset, o.leader_epoch, std::move(o.metadata),
                          o.commit_timestamp_ms, o.expire_timestamp_ms};
    }
    for (auto& [id, group] : groups_) {
      compute_subscribed_topics(group);
      for (auto& [member_id, m] : group.members) renew_session(group, m);
      if (static_cast<std::int64_t>(group.members.size()) > config_.max_group_size) {
        prepare_rebalance(group);
      }
    }
    spdlog::debug("loaded {} groups and {} committed offsets", stored.groups.size(),
                  stored.offsets.size());
  }

  PartitionState state() const { return state_; }

  // Why no call can be served now, or NONE.
  ErrorCode unavailable() const {
    switch (state_) {
      case PartitionState::kNotOwned:
        return pb::NOT_COORDINATOR;
      case PartitionState::kLoading:
        return pb::COORDINATOR_LOAD_IN_PROGRESS;
      case PartitionState::kActive:
        break;
    }
    return pb::NONE;
  }

  void unload() {
    state_ = PartitionState::kNotOwned;
    set_event_sink(nullptr);  // the next owner reports these groups
    // Kafka answers the long-polls of an unloaded group NOT_COORDINATOR: the members find the
    // new coordinator and rejoin there.
    std::vector<Reply<pb::JoinGroupResponse>> joins;
    std::vector<Reply<pb::SyncGroupResponse>> syncs;
    for (auto& [id, group] : groups_) {
      for (auto& [member_id, m] : group.members) {
        if (m.awaiting_join) joins.push_back(std::exchange(m.awaiting_join, nullptr));
        if (m.awaiting_sync) syncs.push_back(std::exchange(m.awaiting_sync, nullptr));
      }
    }
    for (auto& join : joins) join(join_error("", pb::NOT_COORDINATOR));
    for (auto& sync : syncs) sync(sync_error(pb::NOT_COORDINATOR));
  }

  // ---- JoinGroup -------------------------------------------------------------------------

  void join_group(const pb::JoinGroupRequest& req, Reply<pb::JoinGroupResponse> reply) {
    if (req.group_id().empty()) return reply(join_error(req.member_id(), pb::INVALID_GROUP_ID));
    Millis session(req.session_timeout_ms());
    if (session < config_.min_session_timeout || session > config_.max_session_timeout) {
      return reply(join_error(req.member_id(), pb::INVALID_SESSION_TIMEOUT));
    }
    if (auto e = unavailable(); e != pb::NONE) return reply(join_error(req.member_id(), e));
    if (ConsumerGroup* consumer = consumer_.find(req.group_id())) {
      // A classic-protocol member of a consumer group (the group is migrating).
      if (!consumer->members.empty()) return consumer_.classic_join(*consumer, req, reply);
      // Kafka replaces an empty consumer group by a classic group of the same id.
      WriteBatch batch;
      batch.consumer_group_records = tombstones(*consumer);
      consumer_.erase(req.group_id());
      append_unacknowledged(std::move(batch), "the removal of consumer group " + req.group_id());
    }
    bool unknown_member = req.member_id().empty();
    ClassicGroup* group = find(req.group_id());
    if (group == nullptr) {
      if (!unknown_member) return reply(join_error(req.member_id(), pb::UNKNOWN_MEMBER_ID));
      group = create_group(req.group_id());
      append_unacknowledged(*group);
    }
    if (!accept_joining_member(*group, req.member_id())) {
      // Kafka kicks out the last members to rejoin a group above its maximum size.
      group->remove_member(req.member_id());
      return reply(join_error("", pb::GROUP_MAX_SIZE_REACHED));
    }
    if (unknown_member) {
      join_new_member(*group, req, std::move(reply));
    } else {
      join_existing_member(*group, req, std::move(reply));
    }
  }

  bool accept_joining_member(const ClassicGroup& group, const MemberId& member_id) const {
    switch (group.state) {
      case GroupState::Empty:
      case GroupState::Dead:
        return true;
      case GroupState::PreparingRebalance: {
        // Counting members awaiting join (not all members) lets the last rejoiners be kicked out.
        auto it = group.members.find(member_id);
        return (it != group.members.end() && it->second.is_awaiting_join()) ||
               group.awaiting_join_count() < config_.max_group_size;
      }
      case GroupState::CompletingRebalance:
      case GroupState::Stable:
        return group.has_member(member_id) ||
               static_cast<std::int64_t>(group.members.size()) < config_.max_group_size;
    }
    return false;
  }

  void join_new_member(ClassicGroup& group, const pb::JoinGroupRequest& req,
                       Reply<pb::JoinGroupResponse> reply) {
    if (group.is(GroupState::Dead)) return reply(join_error("", pb::COORDINATOR_NOT_AVAILABLE));
    if (!group.supports_protocols(req.protocol_type(), req)) {
      return reply(join_error("", pb::INCONSISTENT_GROUP_PROTOCOL));
    }
    MemberId new_id = (req.has_group_instance_id() ? req.group_instance_id() : req.client_id()) +
                      "-" + random_member_id();
    if (req.has_group_instance_id()) {
      if (const MemberId* existing = group.static_member_id(req.group_instance_id())) {
        MemberId old_id = *existing;
        spdlog::info("group {}: static member {} rejoins in {}; replacing member {} with {}",
                     group.group_id, req.group_instance_id(), state_name(group.state), old_id,
                     new_id);
        return replace_static_member(group, req, old_id, new_id, std::move(reply));
      }
      return add_member_then_rebalance(group, req, new_id, std::move(reply));
    }
    if (req.require_known_member_id()) {
      // JoinGroup v4+: the member must come back with the id we hand out now.
      group.pending_join_members.insert(new_id);
      std::string group_id = group.group_id;
      schedule(pending_member_key(group_id, new_id), Millis(req.session_timeout_ms()),
               [this, group_id, new_id] { expire_pending_member(group_id, new_id); });
      return reply(join_error(new_id, pb::MEMBER_ID_REQUIRED));
    }
    add_member_then_rebalance(group, req, new_id, std::move(reply));
  }

  void join_existing_member(ClassicGroup& group, const pb::JoinGroupRequest& req,
                            Reply<pb::JoinGroupResponse> reply) {
    const MemberId& member_id = req.member_id();
    if (group.is(GroupState::Dead)) {
      return reply(join_error(member_id, pb::COORDINATOR_NOT_AVAILABLE));
    }
    if (!group.supports_protocols(req.protocol_type(), req)) {
      return reply(join_error(member_id, pb::INCONSISTENT_GROUP_PROTOCOL));
    }
    if (group.pending_join_members.count(member_id)) {
      // Pending members are dynamic by construction.
      if (req.has_group_instance_id())
        return reply(join_error(member_id, pb::UNKNOWN_SERVER_ERROR));
      scheduler_.cancel(pending_member_key(group.group_id, member_id));
      return add_member_then_rebalance(group, req, member_id, std::move(reply));
    }
    if (auto error = group.validate_member(member_id, instance_of(req)); error != pb::NONE) {
      return reply(join_error(member_id, error));
    }
    ClassicGroupMember& member = group.members.at(member_id);
    switch (group.state) {
      case GroupState::PreparingRebalance:
        return update_member_then_rebalance(group, member, req, std::move(reply));
      case GroupState::CompletingRebalance:
        // Same metadata: the member probably missed its JoinGroup response; resend it.
        if (member.matches(req)) {
          return reply(current_generation(group, member_id, group.is_leader(member_id)));
        }
        return update_member_then_rebalance(group, member, req, std::move(reply));
      case GroupState::Stable:
        // A rejoining leader always rebalances: it may have seen metadata change.
        if (group.is_leader(member_id) || !member.matches(req)) {
          return update_member_then_rebalance(group, member, req, std::move(reply));
        }
        return reply(current_generation(group, member_id, false));
      case GroupState::Empty:
      case GroupState::Dead:
        return reply(join_error(member_id, pb::UNKNOWN_MEMBER_ID));
    }
  }

  void add_member_then_rebalance(ClassicGroup& group, const pb::JoinGroupRequest& req,
                                 const MemberId& member_id, Reply<pb::JoinGroupResponse> reply) {
    ClassicGroupMember member;
    member.member_id = member_id;
    member.group_instance_id = instance_of(req);
    member.client_id = req.client_id();
    member.client_host = req.client_host();
    member.supports_skip_assignment = req.supports_skip_assignment();
    member.is_new = true;
    member.awaiting_join = std::move(reply);
    if (group.is(GroupState::PreparingRebalance) && group.previous_state == GroupState::Empty) {
      group.new_member_added = true;  // extends the delayed initial rebalance
    }
    group.add_member(std::move(member), req.protocol_type());
    ClassicGroupMember& added = group.members.at(member_id);
    group.update_member_protocols(added, req);
    // New members cannot heartbeat while parked in JoinGroup; a long fixed timeout removes
    // those whose clients went away.
    renew_session(group, added, config_.new_member_join_timeout);
    spdlog::info("group {}: member {} joins ({} members)", group.group_id, member_id,
                 group.members.size());
    member_event(GroupEventType::MemberJoined, group, added);
    maybe_prepare_rebalance_or_complete_join(group);
  }

  void update_member_then_rebalance(ClassicGroup& group, ClassicGroupMember& member,
                                    const pb::JoinGroupRequest& req,
                                    Reply<pb::JoinGroupResponse> reply) {
    group.update_member_protocols(member, req);
    member.supports_skip_assignment = req.supports_skip_assignment();
    park_join(member, std::move(reply));
    maybe_prepare_rebalance_or_complete_join(group);
  }

  // A parked call that is superseded still gets an answer: every long-poll finishes exactly once.
  static void park_join(ClassicGroupMember& member, Reply<pb::JoinGroupResponse> reply) {
    if (member.awaiting_join) {
      std::exchange(member.awaiting_join,
                    nullptr)(join_error(member.member_id, pb::REBALANCE_IN_PROGRESS));
    }
    member.awaiting_join = std::move(reply);
  }

  void replace_static_member(ClassicGroup& group, const pb::JoinGroupRequest& req,
                             const MemberId& old_id, const MemberId& new_id,
                             Reply<pb::JoinGroupResponse> reply) {
    std::optional<MemberId> leader_before = group.leader_id;
    ClassicGroupMember& old_member = group.members.at(old_id);
    auto fenced_join = std::exchange(old_member.awaiting_join, nullptr);
    auto fenced_sync = std::exchange(old_member.awaiting_sync, nullptr);
    ClassicGroupMember& member = rekey_member(group, old_id, new_id);
    // The old incarnation's parked calls are fenced at once.
    if (fenced_join) fenced_join(join_error(old_id, pb::FENCED_INSTANCE_ID));
    if (fenced_sync) fenced_sync(sync_error(pb::FENCED_INSTANCE_ID));
    member_event(GroupEventType::MemberJoined, group, member);

    group.update_member_protocols(member, req);
    member.supports_skip_assignment = req.supports_skip_assignment();
    member.awaiting_join = std::move(reply);

    if (group.is(GroupState::Stable)) {
      if (group.protocol_name.value_or("") == group.select_protocol()) {
        // Nothing the assignment depends on changed: no rebalance, just the current generation.
        bool is_leader = group.is_leader(new_id);
        pb::JoinGroupResponse resp;
        if (member.supports_skip_assignment) {
          resp = current_generation(group, new_id, is_leader);
          resp.set_skip_assignment(is_leader);
        } else {
          // Older clients get the leader id from before the swap, so a rejoined static leader
          // does not believe it must assign.
          resp = current_generation(group, new_id, false);
          resp.set_leader(leader_before.value_or(""));
        }
        return persist_static_replace(group, old_id, new_id, std::move(resp));
      }
      return maybe_prepare_rebalance_or_complete_join(group);
    }
    if (group.is(GroupState::CompletingRebalance)) {
      // The leader may already have assigned to the old id: assign again.
      return prepare_rebalance(group);
    }
    maybe_complete_join_phase(group);
  }

  // Kafka persists the swap before answering; a failed write swaps the old id back.
  void persist_static_replace(ClassicGroup& group, const MemberId& old_id, const MemberId& new_id,
                              pb::JoinGroupResponse resp) {
    std::string group_id = group.group_id;
    std::int32_t generation = group.generation_id;
    append(group.to_record(), [this, group_id, generation, old_id, new_id,
                               resp = std::move(resp)](ErrorCode error) mutable {
      ClassicGroup* g = find(group_id);
      // A rebalance since then answers the parked join itself.
      if (g == nullptr || g->generation_id != generation || !g->is(GroupState::Stable)) return;
      auto it = g->members.find(new_id);
      if (it == g->members.end() || !it->second.awaiting_join) return;
      if (error == pb::NONE) {
        std::exchange(it->second.awaiting_join, nullptr)(std::move(resp));
        return;
      }
      spdlog::warn("group {}: storing static member {} failed ({}): back to {}", group_id, new_id,
                   pb::ErrorCode_Name(error), old_id);
      ClassicGroupMember& back = rekey_member(*g, new_id, old_id);
      std::exchange(back.awaiting_join, nullptr)(join_error("", error));
    });
  }

  // Moves a member, its leadership, pending sync, static mapping and session timer to a new id.
  ClassicGroupMember& rekey_member(ClassicGroup& group, const MemberId& from, const MemberId& to) {
    auto node = group.members.extract(from);
    node.key() = to;
    node.mapped().member_id = to;
    ClassicGroupMember& member = group.members.insert(std::move(node)).position->second;
    if (group.is_leader(from)) group.leader_id = to;
    if (group.pending_sync_members.erase(from)) group.pending_sync_members.insert(to);
    if (member.group_instance_id) group.static_members[*member.group_instance_id] = to;
    renew_session(group, member);
    return member;
  }

  pb::JoinGroupResponse current_generation(const ClassicGroup& group, const MemberId& member_id,
                                           bool with_members) const {
    pb::JoinGroupResponse r;
    r.set_error_code(pb::NONE);
    r.set_generation_id(group.generation_id);
    if (group.protocol_type) r.set_protocol_type(*group.protocol_type);
    if (group.protocol_name) r.set_protocol_name(*group.protocol_name);
    r.set_leader(group.leader_id.value_or(""));
    r.set_member_id(member_id);
    if (with_members) {
      for (const auto& [id, m] : group.members) {
        auto* out = r.add_members();
        out->set_member_id(id);
        if (m.group_instance_id) out->set_group_instance_id(*m.group_instance_id);
        if (const std::string* meta = m.metadata(group.protocol_name.value_or(""))) {
          out->set_metadata(*meta);
        }
      }
    }
    return r;
  }

  // ---- Rebalance ---------------------------------------------------------------------------

  void maybe_prepare_rebalance_or_complete_join(ClassicGroup& group) {
    if (group.can_rebalance()) {
      prepare_rebalance(group);
    } else {
      maybe_complete_join_phase(group);
    }
  }

  void prepare_rebalance(ClassicGroup& group) {
    if (group.is(GroupState::CompletingRebalance)) {
      reset_and_propagate_assignment_error(group, pb::REBALANCE_IN_PROGRESS);
    }
    scheduler_.cancel(sync_key(group.group_id));
    bool initial = group.is(GroupState::Empty);
    std::string group_id = group.group_id;
    if (initial) {
      // A new group waits a little for more members before the first generation.
      Millis delay = config_.initial_rebalance_delay;
      Millis remaining = std::max(group.rebalance_timeout() - delay, Millis(0));
      schedule(join_key(group_id), delay, [this, group_id, remaining] {
        try_complete_initial_rebalance(group_id, remaining);
      });
    }
    transition(group, GroupState::PreparingRebalance);
    spdlog::info("group {}: preparing rebalance (generation {})", group_id, group.generation_id);
    if (!group.rebalance_started) group.rebalance_started = scheduler_.now();
    if (sink_) emit(event(GroupEventType::RebalanceStarted, group));
    if (!initial) {
      schedule(join_key(group_id), group.rebalance_timeout(),
               [this, group_id] { complete_join(group_id); });
      maybe_complete_join_phase(group);
    }
  }

  // Each member that joins during the initial delay extends it, up to the rebalance timeout.
  void try_complete_initial_rebalance(const std::string& group_id, Millis remaining) {
    ClassicGroup* group = find(group_id);
    if (group == nullptr) return;
    if (group->new_member_added && remaining > Millis(0)) {
      group->new_member_added = false;
      Millis next_delay = std::min(config_.initial_rebalance_delay, remaining);
      Millis next_remaining = std::max(remaining - config_.initial_rebalance_delay, Millis(0));
      schedule(join_key(group_id), next_delay, [this, group_id, next_remaining] {
        try_complete_initial_rebalance(group_id, next_remaining);
      });
      return;
    }
    complete_join(*group);
  }

  void maybe_complete_join_phase(ClassicGroup& group) {
    // The initial rebalance never completes early: its delay exists to gather members.
    if (group.is(GroupState::PreparingRebalance) && group.all_members_joined() &&
        group.previous_state != GroupState::Empty) {
      complete_join(group);
    }
  }

  void complete_join(const std::string& group_id) {
    if (ClassicGroup* group = find(group_id)) complete_join(*group);
  }

  void complete_join(ClassicGroup& group) {
    scheduler_.cancel(join_key(group.group_id));
    if (!group.is(GroupState::PreparingRebalance)) return;
    std::vector<MemberId> not_rejoined;
    for (const auto& [id, m] : group.members) {
      if (!m.is_awaiting_join() && !m.is_static()) not_rejoined.push_back(id);
    }
    for (const auto& id : not_rejoined) {
      spdlog::info("group {}: removing member {} that did not rejoin", group.group_id, id);
      drop_member(group, id, MemberExit::JoinTimeout);
    }
    if (!maybe_elect_joined_leader(group) && !group.members.empty()) {
      // Only static members that have not rejoined remain: wait for them, or for their
      // session timeouts to remove them.
      std::string group_id = group.group_id;
      schedule(join_key(group_id), group.rebalance_timeout(),
               [this, group_id] { complete_join(group_id); });
      return;
    }
    init_next_generation(group);
    if (group.is(GroupState::Empty)) {
      spdlog::info("group {}: generation {} is empty", group.group_id, group.generation_id);
      append_unacknowledged(group);
      rebalance_completed(group);
      return;
    }
    spdlog::info("group {}: generation {} formed with {} members, protocol {}", group.group_id,
                 group.generation_id, group.members.size(), group.protocol_name.value_or(""));
    std::vector<std::pair<Reply<pb::JoinGroupResponse>, pb::JoinGroupResponse>> replies;
    for (auto& [id, m] : group.members) {
      replies.emplace_back(std::exchange(m.awaiting_join, nullptr),
                           current_generation(group, id, group.is_leader(id)));
      renew_session(group, m);
      m.is_new = false;
      group.pending_sync_members.insert(id);
    }
    std::string group_id = group.group_id;
    std::int32_t generation = group.generation_id;
    schedule(sync_key(group_id), group.rebalance_timeout(),
             [this, group_id, generation] { expire_pending_sync(group_id, generation); });
    for (auto& [reply, resp] : replies) {
      if (reply) reply(std::move(resp));
    }
  }

  static bool maybe_elect_joined_leader(ClassicGroup& group) {
    if (!group.leader_id) return false;
    if (group.members.at(*group.leader_id).is_awaiting_join()) return true;
    for (const auto& [id, m] : group.members) {
      if (m.is_awaiting_join()) {
        group.leader_id = id;
        return true;
      }
    }
    return false;
  }

  void init_next_generation(ClassicGroup& group) {
    ++group.generation_id;
    if (group.members.empty()) {
      group.protocol_name.reset();
      transition(group, GroupState::Empty);
    } else {
      group.protocol_name = group.select_protocol();
      transition(group, GroupState::CompletingRebalance);
    }
    compute_subscribed_topics(group);
    group.pending_sync_members.clear();
  }

  static void compute_subscribed_topics(ClassicGroup& group) {
    group.subscribed_topics_unknown = false;
    group.subscribed_topics.reset();
    if (!group.uses_consumer_protocol()) return;
    std::set<std::string> topics;
    if (!group.members.empty()) {
      if (!group.protocol_name) return;
      for (const auto& [id, m] : group.members) {
        const std::string* meta = m.metadata(*group.protocol_name);
        auto parsed = meta ? subscription_topics(*meta) : std::nullopt;
        if (!parsed) {
          group.subscribed_topics_unknown = true;
          return;
        }
        topics.insert(parsed->begin(), parsed->end());
      }
    }
    group.subscribed_topics = std::move(topics);
  }

  void expire_pending_sync(const std::string& group_id, std::int32_t generation) {
    ClassicGroup* group = find(group_id);
    if (group == nullptr || group->generation_id != generation) return;
    if (!group->is(GroupState::CompletingRebalance) && !group->is(GroupState::Stable)) return;
    if (group->pending_sync_members.empty()) return;
    std::vector<MemberId> late(group->pending_sync_members.begin(),
                               group->pending_sync_members.end());
    for (const auto& id : late) {
      spdlog::info("group {}: removing member {}: no SyncGroup within the rebalance timeout",
                   group_id, id);
      drop_member(*group, id, MemberExit::SyncTimeout);
    }
    prepare_rebalance(*group);
  }

  // ---- SyncGroup ---------------------------------------------------------------------------

  void sync_group(const pb::SyncGroupRequest& req, Reply<pb::SyncGroupResponse> reply) {
    if (req.group_id().empty()) return reply(sync_error(pb::INVALID_GROUP_ID));
    if (auto e = unavailable(); e != pb::NONE) return reply(sync_error(e));
    if (ConsumerGroup* consumer = consumer_.find(req.group_id())) {
      return reply(consumer_.classic_sync(*consumer, req));
    }
    ClassicGroup* group = find(req.group_id());
    if (group == nullptr) return reply(sync_error(pb::UNKNOWN_MEMBER_ID));
    if (auto error = validate_sync(*group, req); error != pb::NONE) return reply(sync_error(error));
    const MemberId& member_id = req.member_id();
    switch (group->state) {
      case GroupState::Empty:
      case GroupState::Dead:
        return reply(sync_error(pb::UNKNOWN_MEMBER_ID));
      case GroupState::PreparingRebalance:
        return reply(sync_error(pb::REBALANCE_IN_PROGRESS));
      case GroupState::CompletingRebalance: {
        ClassicGroupMember& member = group->members.at(member_id);
        if (member.awaiting_sync) {
          std::exchange(member.awaiting_sync, nullptr)(sync_error(pb::REBALANCE_IN_PROGRESS));
        }
        member.awaiting_sync = std::move(reply);
        group->pending_sync_members.erase(member_id);
        if (group->is_leader(member_id)) {
          std::map<MemberId, std::string> assignment;
          for (const auto& a : req.assignments()) assignment[a.member_id()] = a.assignment();
          for (const auto& [id, m] : group->members) assignment.try_emplace(id);  // empty
          persist_assignment(*group, std::move(assignment));
        }
        return;
      }
      case GroupState::Stable: {
        group->pending_sync_members.erase(member_id);
        pb::SyncGroupResponse r = assignment_response(*group, group->members.at(member_id));
        return reply(std::move(r));
      }
    }
  }

  ErrorCode validate_sync(const ClassicGroup& group, const pb::SyncGroupRequest& req) const {
    if (group.is(GroupState::Dead)) return pb::COORDINATOR_NOT_AVAILABLE;
    if (auto error = group.validate_member(req.member_id(), instance_of(req)); error != pb::NONE) {
      return error;
    }
    if (req.generation_id() != group.generation_id) return pb::ILLEGAL_GENERATION;
    auto inconsistent = [](bool has, const std::string& value,
                           const std::optional<std::string>& current) {
      return has && current && *current != value;
    };
    if (inconsistent(req.has_protocol_type(), req.protocol_type(), group.protocol_type) ||
        inconsistent(req.has_protocol_name(), req.protocol_name(), group.protocol_name)) {
      return pb::INCONSISTENT_GROUP_PROTOCOL;
    }
    return pb::NONE;
  }

  // Kafka persists the leader's assignment before anyone sees it; until then every SyncGroup of
  // the generation waits, and a failed write starts a new rebalance.
  void persist_assignment(ClassicGroup& group, std::map<MemberId, std::string> assignment) {
    GroupMetadataRecord record = group.to_record();
    for (auto& m : record.members) m.assignment = assignment[m.member_id];
    std::string group_id = group.group_id;
    std::int32_t generation = group.generation_id;
    WriteBatch batch;
    batch.groups.push_back(std::move(record));
    append_then_apply(
        group_id, CallOrder::Writes::kGroup, std::move(batch),
        [this, group_id, generation, assignment = std::move(assignment)](ErrorCode error) mutable {
          ClassicGroup* g = find(group_id);
          if (g == nullptr || g->generation_id != generation ||
              !g->is(GroupState::CompletingRebalance)) {
            return;
          }
          if (error != pb::NONE) {
            spdlog::warn("group {}: storing generation {} failed ({}): rebalancing", group_id,
                         generation, pb::ErrorCode_Name(error));
            reset_and_propagate_assignment_error(*g, error);
            return prepare_rebalance(*g);
          }
          complete_assignment(*g, std::move(assignment));
        });
  }

  void complete_assignment(ClassicGroup& group, std::map<MemberId, std::string> assignment) {
    for (auto& [id, m] : group.members) m.assignment = std::move(assignment[id]);
    transition(group, GroupState::Stable);
    spdlog::info("group {}: generation {} is stable", group.group_id, group.generation_id);
    rebalance_completed(group);
    std::vector<std::pair<Reply<pb::SyncGroupResponse>, pb::SyncGroupResponse>> replies;
    for (auto& [id, m] : group.members) {
      if (!m.awaiting_sync) continue;
      replies.emplace_back(std::exchange(m.awaiting_sync, nullptr), assignment_response(group, m));
      renew_session(group, m);
    }
    for (auto& [reply, resp] : replies) reply(std::move(resp));
  }

  static pb::SyncGroupResponse assignment_response(const ClassicGroup& group,
                                                   const ClassicGroupMember& member) {
    pb::SyncGroupResponse r;
    r.set_error_code(pb::NONE);
    if (group.protocol_type) r.set_protocol_type(*group.protocol_type);
    if (group.protocol_name) r.set_protocol_name(*group.protocol_name);
    r.set_assignment(member.assignment);
    return r;
  }

  void reset_and_propagate_assignment_error(ClassicGroup& group, ErrorCode error) {
    std::vector<Reply<pb::SyncGroupResponse>> replies;
    for (auto& [id, m] : group.members) {
      m.assignment.clear();
      if (m.awaiting_sync) replies.push_back(std::exchange(m.awaiting_sync, nullptr));
    }
    for (auto& reply : replies) reply(sync_error(error));
  }

  // ---- Heartbeat, LeaveGroup, session expiry -------------------------------------------------

  void heartbeat(const pb::HeartbeatRequest& req, Reply<pb::HeartbeatResponse> reply) {
    if (req.group_id().empty()) return reply(heartbeat_result(pb::INVALID_GROUP_ID));
    // Kafka's one exception while loading: members keep their sessions until the group is back.
    if (state_ == PartitionState::kLoading) return reply(heartbeat_result(pb::NONE));
    if (auto e = unavailable(); e != pb::NONE) return reply(heartbeat_result(e));
    if (ConsumerGroup* consumer = consumer_.find(req.group_id())) {
      return reply(heartbeat_result(consumer_.classic_heartbeat(*consumer, req)));
    }
    ClassicGroup* group = find(req.group_id());
    if (group == nullptr) return reply(heartbeat_result(pb::UNKNOWN_MEMBER_ID));
    if (group->is(GroupState::Dead)) return reply(heartbeat_result(pb::COORDINATOR_NOT_AVAILABLE));
    if (auto error = group->validate_member(req.member_id(), instance_of(req)); error != pb::NONE) {
      return reply(heartbeat_result(error));
    }
    // Generation before state: a stale member mid-rebalance learns it is stale.
    if (req.generation_id() != group->generation_id) {
      return reply(heartbeat_result(pb::ILLEGAL_GENERATION));
    }
    switch (group->state) {
      case GroupState::Empty:
      case GroupState::Dead:
        return reply(heartbeat_result(pb::UNKNOWN_MEMBER_ID));
      case GroupState::PreparingRebalance:
        renew_session(*group, group->members.at(req.member_id()));
        return reply(heartbeat_result(pb::REBALANCE_IN_PROGRESS));
      case GroupState::CompletingRebalance:
      case GroupState::Stable:
        renew_session(*group, group->members.at(req.member_id()));
        return reply(heartbeat_result(pb::NONE));
    }
  }

  void leave_group(const pb::LeaveGroupRequest& req, Reply<pb::LeaveGroupResponse> reply) {
    pb::LeaveGroupResponse resp;
    if (req.group_id().empty()) {
      resp.set_error_code(pb::INVALID_GROUP_ID);
      return reply(std::move(resp));
    }
    if (auto e = unavailable(); e != pb::NONE) {
      resp.set_error_code(e);
      return reply(std::move(resp));
    }
    if (ConsumerGroup* consumer = consumer_.find(req.group_id())) {
      return consumer_.classic_leave(*consumer, req, std::move(reply));
    }
    ClassicGroup* group = find(req.group_id());
    if (group != nullptr && group->is(GroupState::Dead)) {
      resp.set_error_code(pb::COORDINATOR_NOT_AVAILABLE);
      return reply(std::move(resp));
    }
    bool any_left = false;
    for (const auto& identity : req.members()) {
      auto* out = resp.add_members();
      out->set_member_id(identity.member_id());
      if (identity.has_group_instance_id())
        out->set_group_instance_id(identity.group_instance_id());
      ErrorCode error = group == nullptr ? pb::UNKNOWN_MEMBER_ID : leave_one(*group, identity);
      out->set_error_code(error);
      any_left |= error == pb::NONE;
    }
    if (any_left) {
      if (group->is(GroupState::Stable) || group->is(GroupState::CompletingRebalance)) {
        maybe_prepare_rebalance_or_complete_join(*group);
      } else if (group->is(GroupState::PreparingRebalance)) {
        maybe_complete_join_phase(*group);
      }
    }
    reply(std::move(resp));
  }

  ErrorCode leave_one(ClassicGroup& group, const pb::LeaveGroupMember& identity) {
    const MemberId& member_id = identity.member_id();
    if (member_id.empty()) {
      // Admin tools remove static members by instance id alone.
      const MemberId* id = identity.has_group_instance_id()
                               ? group.static_member_id(identity.group_instance_id())
                               : nullptr;
      if (id == nullptr) return pb::UNKNOWN_MEMBER_ID;
      spdlog::info("group {}: static member {} removed by LeaveGroup", group.group_id,
                   identity.group_instance_id());
      drop_member(group, MemberId(*id), MemberExit::LeaveGroup, reason_of(identity));
      return pb::NONE;
    }
    if (group.pending_join_members.erase(member_id)) {
      scheduler_.cancel(pending_member_key(group.group_id, member_id));
      return pb::NONE;
    }
    std::optional<GroupInstanceId> instance;
    if (identity.has_group_instance_id()) instance = identity.group_instance_id();
    if (auto error = group.validate_member(member_id, instance); error != pb::NONE) return error;
    spdlog::info("group {}: member {} leaves ({})", group.group_id, member_id, reason_of(identity));
    drop_member(group, member_id, MemberExit::LeaveGroup, reason_of(identity));
    return pb::NONE;
  }

  // Removes a member (or a pending one), answering whatever it has parked.
  void drop_member(ClassicGroup& group, const MemberId& member_id, MemberExit why,
                   std::string reason = {}) {
    auto it = group.members.find(member_id);
    if (it != group.members.end()) {
      if (sink_) {
        GroupEvent e = event(why == MemberExit::LeaveGroup ? GroupEventType::MemberLeft
                                                           : GroupEventType::MemberExpired,
                             group);
        e.member_id = member_id;
        e.group_instance_id = it->second.group_instance_id;
        e.exit = why;
        e.reason = std::move(reason);
        --e.members;
        emit(std::move(e));
      }
      auto join = std::exchange(it->second.awaiting_join, nullptr);
      auto sync = std::exchange(it->second.awaiting_sync, nullptr);
      group.remove_member(member_id);
      // Answer after the removal: the member must already be gone if the callback looks.
      if (join) join(join_error("", pb::UNKNOWN_MEMBER_ID));
      if (sync) sync(sync_error(pb::UNKNOWN_MEMBER_ID));
      return;
    }
    group.remove_member(member_id);
    scheduler_.cancel(pending_member_key(group.group_id, member_id));
  }

  void expire_pending_member(const std::string& group_id, const MemberId& member_id) {
    ClassicGroup* group = find(group_id);
    if (group == nullptr || group->is(GroupState::Dead)) return;
    if (!group->pending_join_members.erase(member_id)) return;
    spdlog::info("group {}: pending member {} expired before rejoining", group_id, member_id);
    if (group->is(GroupState::PreparingRebalance)) maybe_complete_join_phase(*group);
  }

  // The group's session timer fired: expires the members found overdue, then re-arms.
  void expire_sessions(const std::string& group_id) {
    ClassicGroup* group = find(group_id);
    if (group == nullptr || group->is(GroupState::Dead)) return;
    group->session_timer_due.reset();
    std::vector<MemberId> overdue;
    for (const auto& [id, m] : group->members) {
      if (m.session_deadline && *m.session_deadline <= scheduler_.now()) overdue.push_back(id);
    }
    // One at a time, as separate timers would: each expiry may rebalance, which renews sessions.
    for (const auto& id : overdue) expire_session(*group, id);
    std::optional<Scheduler::Clock::time_point> next;
    for (const auto& [id, m] : group->members) {
      if (m.session_deadline && (!next || *m.session_deadline < *next)) next = m.session_deadline;
    }
    if (next && (!group->session_timer_due || *next < *group->session_timer_due)) {
      arm_session_timer(*group, *next);
    }
  }

  void expire_session(ClassicGroup& group, const MemberId& member_id) {
    auto it = group.members.find(member_id);
    if (it == group.members.end()) return;
    ClassicGroupMember& m = it->second;
    if (!m.session_deadline || scheduler_.now() < *m.session_deadline) return;  // renewed since
    // A known member parked in JoinGroup or SyncGroup is waiting on us, not gone.
    if (!m.is_new && (m.is_awaiting_join() || m.is_awaiting_sync())) {
      m.session_deadline.reset();
      return;
    }
    spdlog::info("group {}: member {} expired: no heartbeat within its session timeout",
                 group.group_id, member_id);
    drop_member(group, member_id, MemberExit::SessionTimeout);
    if (group.is(GroupState::Stable) || group.is(GroupState::CompletingRebalance)) {
      maybe_prepare_rebalance_or_complete_join(group);
    } else if (group.is(GroupState::PreparingRebalance) && group.all_members_joined()) {
      complete_join(group);
    }
  }

  // Renews the member's session for `timeout` from now: no timer operation unless the new
  // deadline comes before the group's session timer.
  void renew_session(ClassicGroup& group, ClassicGroupMember& m, Millis timeout) {
    m.last_heartbeat = scheduler_.now();
    m.session_deadline = m.last_heartbeat + timeout;
    if (group.session_timer_due && *group.session_timer_due <= *m.session_deadline) return;
    arm_session_timer(group, *m.session_deadline);
  }

  void arm_session_timer(ClassicGroup& group, Scheduler::Clock::time_point due) {
    group.session_timer_due = due;
    schedule(session_key(group.group_id), std::chrono::ceil<Millis>(due - scheduler_.now()),
             [this, group_id = group.group_id] { expire_sessions(group_id); });
  }

  void renew_session(ClassicGroup& group, ClassicGroupMember& m) {
    renew_session(group, m, m.session_timeout);
  }

  // ---- Offsets -----------------------------------------------------------------------------

  void offset_commit(const pb::OffsetCommitRequest& req, Reply<pb::OffsetCommitResponse> reply) {
    const Group* group = find_any(req.group_id());
    ErrorCode error = unavailable();
    if (error == pb::NONE && group == nullptr) {
      if (req.generation_id() < 0) {
        group = create_group(req.group_id());  // a simple group: commits only, no protocol
      } else {
        error = req.unknown_group_is_not_found() ? pb::GROUP_ID_NOT_FOUND : pb::ILLEGAL_GENERATION;
      }
    }
    if (error == pb::NONE) error = group->validate_offset_commit(req);
    pb::OffsetCommitResponse resp;
    if (ClassicGroup* classic = find(req.group_id());
        error == pb::NONE && classic != nullptr &&
        (classic->is(GroupState::Stable) || classic->is(GroupState::PreparingRebalance))) {
      // Commits keep a classic session alive.
      renew_session(*classic, classic->members.at(req.member_id()));
    }
    std::int64_t now = scheduler_.wall_clock_ms();
    std::optional<std::int64_t> expire;
    if (req.retention_time_ms() != -1) expire = now + req.retention_time_ms();
    WriteBatch batch;
    for (const auto& topic : req.topics()) {
      auto* out_topic = resp.add_topics();
      out_topic->set_name(topic.name());
      for (const auto& p : topic.partitions()) {
        auto* out = out_topic->add_partitions();
        out->set_partition_index(p.partition_index());
        ErrorCode partition_error = error;
        if (error == pb::NONE && p.has_committed_metadata() &&
            p.committed_metadata().size() > config_.offset_metadata_max_bytes) {
          partition_error = pb::OFFSET_METADATA_TOO_LARGE;
        }
        out->set_error_code(partition_error);
        if (partition_error != pb::NONE) continue;
        batch.offsets.push_back(OffsetCommitRecord{
            .key = {req.group_id(), topic.name(), p.partition_index()},
            .committed_offset = p.committed_offset(),
            .leader_epoch = p.committed_leader_epoch(),
            .metadata = p.committed_metadata(),
            .commit_timestamp_ms = now,
            .expire_timestamp_ms = expire,
        });
      }
    }
    if (batch.offsets.empty()) return reply(std::move(resp));
    // The offsets become visible, and the commit is acknowledged, only once they are durable.
    std::vector<OffsetCommitRecord> records = batch.offsets;
    append_then_apply(
        req.group_id(), CallOrder::Writes::kOffsets, std::move(batch),
        [this, records = std::move(records), resp = std::move(resp), member_id = req.member_id(),
         reply = std::move(reply)](ErrorCode written) mutable {
          if (written == pb::NONE) {
            std::string group_id = records.front().key.group_id;
            for (auto& r : records) apply_offset(std::move(r));
            if (sink_) {
              offsets_event(GroupEventType::OffsetsCommitted, group_id, resp.topics(), member_id);
            }
          } else {
            for (auto& topic : *resp.mutable_topics()) {
              for (auto& p : *topic.mutable_partitions()) {
                if (p.error_code() == pb::NONE) p.set_error_code(written);
              }
            }
          }
          reply(std::move(resp));
        });
  }

  // The group is still here: expiry leaves a group with a write in flight alone, and a deletion
  // is applied after the commits appended before it.
  void apply_offset(OffsetCommitRecord r) {
    offsets_[r.key.group_id][{std::move(r.key.topic), r.key.partition}] =
        CommittedOffset{r.committed_offset, r.leader_epoch, std::move(r.metadata),
                        r.commit_timestamp_ms, r.expire_timestamp_ms};
  }

  void offset_fetch(const pb::OffsetFetchGroup& req, Reply<pb::OffsetFetchGroupResponse> reply) {
    reply(committed_offsets(req));
  }

  pb::OffsetFetchGroupResponse committed_offsets(const pb::OffsetFetchGroup& req) const {
    pb::OffsetFetchGroupResponse resp;
    resp.set_group_id(req.group_id());
    if (auto e = unavailable(); e != pb::NONE) {
      resp.set_error_code(e);
      return resp;
    }
    const Group* group = find_any(req.group_id());
    if (auto e = group ? group->validate_offset_fetch(req) : pb::NONE; e != pb::NONE) {
      resp.set_error_code(e);
      return resp;
    }
    bool exists = group != nullptr && !group->is_dead();
    auto it = offsets_.find(req.group_id());
    const std::map<TopicPartition, CommittedOffset>* committed =
        exists && it != offsets_.end() ? &it->second : nullptr;
    auto fill = [](pb::OffsetFetchPartition* out, std::int32_t partition,
                   const CommittedOffset* c) {
      out->set_partition_index(partition);
      out->set_committed_offset(c ? c->offset : -1);
      out->set_committed_leader_epoch(c ? c->leader_epoch : -1);
      out->set_metadata(c ? c->metadata : "");
      out->set_error_code(pb::NONE);
    };
    if (req.all_topics()) {
      if (committed == nullptr) return resp;
      pb::OffsetFetchTopic* topic = nullptr;
      for (const auto& [tp, c] : *committed) {
        if (topic == nullptr || topic->name() != tp.first) {
          topic = resp.add_topics();
          topic->set_name(tp.first);
        }
        fill(topic->add_partitions(), tp.second, &c);
      }
      return resp;
    }
    for (const auto& t : req.topics()) {
      auto* topic = resp.add_topics();
      topic->set_name(t.name());
      for (std::int32_t partition : t.partition_indexes()) {
        const CommittedOffset* c = nullptr;
        if (committed != nullptr) {
          auto found = committed->find({t.name(), partition});
          if (found != committed->end()) c = &found->second;
        }
        fill(topic->add_partitions(), partition, c);
      }
    }
    return resp;
  }

  void offset_delete(const pb::OffsetDeleteRequest& req, Reply<pb::OffsetDeleteResponse> reply) {
    pb::OffsetDeleteResponse resp;
    const Group* group = find_any(req.group_id());
    ErrorCode error = pb::NONE;
    if (req.group_id().empty()) {
      error = pb::INVALID_GROUP_ID;
    } else if (unavailable() != pb::NONE) {
      error = unavailable();
    } else {
      error = group ? group->validate_offset_delete() : pb::GROUP_ID_NOT_FOUND;
    }
    resp.set_error_code(error);
    if (error != pb::NONE) return reply(std::move(resp));
    WriteBatch batch;
    for (const auto& t : req.topics()) {
      auto* topic = resp.add_topics();
      topic->set_name(t.name());
      bool subscribed = group->is_subscribed_to(t.name());
      for (std::int32_t partition : t.partition_indexes()) {
        auto* out = topic->add_partitions();
        out->set_partition_index(partition);
        out->set_error_code(subscribed ? pb::GROUP_SUBSCRIBED_TO_TOPIC : pb::NONE);
        if (!subscribed) batch.deleted_offsets.push_back({req.group_id(), t.name(), partition});
      }
    }
    if (batch.deleted_offsets.empty()) return reply(std::move(resp));
    std::vector<OffsetKey> keys = batch.deleted_offsets;
    append_then_apply(req.group_id(), CallOrder::Writes::kOffsets, std::move(batch),
                      [this, keys = std::move(keys), resp = std::move(resp),
                       reply = std::move(reply)](ErrorCode written) mutable {
                        if (written != pb::NONE) {
                          resp.clear_topics();
                          resp.set_error_code(written);
                        } else {
                          for (const auto& key : keys) erase_offset(key);
                          if (sink_) {
                            offsets_event(GroupEventType::OffsetsDeleted, keys.front().group_id,
                                          resp.topics(), {});
                          }
                        }
                        reply(std::move(resp));
                      });
  }

  void erase_offset(const OffsetKey& key) {
    auto it = offsets_.find(key.group_id);
    if (it == offsets_.end()) return;
    it->second.erase({key.topic, key.partition});
    if (it->second.empty()) offsets_.erase(it);
  }

  // Expiry removes at once and writes tombstones after: offsets whose tombstone is lost come back
  // on load only to expire again.
  void expire_offsets() {
    if (state_ != PartitionState::kActive) return;
    std::int64_t now = scheduler_.wall_clock_ms();
    WriteBatch batch;
    for (auto& [group_id, group] : groups_) {
      // A write in flight changes the group once applied: expired there, the offsets it
      // commits would be deleted from the store after being committed.
      if (!order_.idle(group_id)) continue;
      auto it = offsets_.find(group_id);
      if (it != offsets_.end()) {
        expire_group_offsets(group, it->second, now, batch.deleted_offsets);
        if (it->second.empty()) offsets_.erase(it);
      }
      if (group.is(GroupState::Empty) && offsets_.count(group_id) == 0 &&
          group.pending_join_members.empty()) {
        batch.deleted_groups.push_back(group_id);
      }
    }
    std::size_t classic_deleted = batch.deleted_groups.size();
    for (const auto& [group_id, group] : consumer_.groups()) {
      if (!order_.idle(group_id)) continue;
      auto it = offsets_.find(group_id);
      if (it != offsets_.end()) {
        // A consumer group's offsets count from their commit (Kafka's ConsumerGroup).
        expire_offsets_of(group, it->second, now, std::nullopt, batch.deleted_offsets);
        if (it->second.empty()) offsets_.erase(it);
      }
      if (group.members.empty() && offsets_.count(group_id) == 0) {
        batch.deleted_groups.push_back(group_id);
      }
    }
    for (std::size_t i = 0; i < batch.deleted_groups.size(); ++i) {
      const std::string& id = batch.deleted_groups[i];
      spdlog::info("group {}: empty with no offsets left: deleted", id);
      if (i < classic_deleted) {
        if (sink_) emit(event(GroupEventType::GroupDeleted, groups_.at(id)));
        groups_.erase(id);
      } else {
        consumer_.erase(id);
      }
    }
    if (!batch.empty()) append_unacknowledged(std::move(batch), "expired offsets");
  }

  // Kafka's rules (KIP-211): which clock an offset's retention counts from depends on the group.
  void expire_group_offsets(const ClassicGroup& group,
                            std::map<TopicPartition, CommittedOffset>& committed, std::int64_t now,
                            std::vector<OffsetKey>& expired_keys) const {
    bool since_empty = false;
    if (group.protocol_type) {
      if (group.is(GroupState::Empty)) {
        since_empty = true;
      } else if (!(group.uses_consumer_protocol() && group.subscribed_topics &&
                   group.is(GroupState::Stable))) {
        return;
      }
    }
    std::optional<std::int64_t> empty_since;
    if (since_empty && group.current_state_timestamp_ms >= 0)
      empty_since = group.current_state_timestamp_ms;
    expire_offsets_of(group, committed, now, empty_since, expired_keys);
  }

  // Removes the offsets whose retention, counted from `since` or else from their commit, has
  // passed, unless the group subscribes to their topic.
  void expire_offsets_of(const Group& group, std::map<TopicPartition, CommittedOffset>& committed,
                         std::int64_t now, std::optional<std::int64_t> since,
                         std::vector<OffsetKey>& expired_keys) const {
    for (auto it = committed.begin(); it != committed.end();) {
      const CommittedOffset& c = it->second;
      std::int64_t base = since.value_or(c.commit_timestamp_ms);
      bool expired = c.expire_timestamp_ms ? now >= *c.expire_timestamp_ms
                                           : now - base >= config_.offsets_retention.count();
      if (expired && !group.is_subscribed_to(it->first.first)) {
        expired_keys.push_back({group.id(), it->first.first, it->first.second});
        it = committed.erase(it);
      } else {
        ++it;
      }
    }
  }

  // ---- Admin --------------------------------------------------------------------------------

  void describe_group(const std::string& group_id, Reply<pb::DescribedGroup> reply) {
    reply(described(group_id));
  }

  pb::DescribedGroup described(const std::string& group_id) const {
    pb::DescribedGroup d;
    d.set_group_id(group_id);
    if (auto e = unavailable(); e != pb::NONE) {
      d.set_error_code(e);
      return d;
    }
    d.set_error_code(pb::NONE);
    const ClassicGroup* group = find(group_id);
    if (group == nullptr) {
      d.set_group_state(state_name(GroupState::Dead));
      return d;
    }
    d.set_group_state(state_name(group->state));
    d.set_protocol_type(group->protocol_type.value_or(""));
    bool stable = group->is(GroupState::Stable);
    if (stable) d.set_protocol_data(group->protocol_name.value_or(""));
    for (const auto& [id, m] : group->members) {
      auto* out = d.add_members();
      out->set_member_id(id);
      if (m.group_instance_id) out->set_group_instance_id(*m.group_instance_id);
      out->set_client_id(m.client_id);
      out->set_client_host(m.client_host);
      // Metadata and assignment mean something only for a stable generation.
      if (stable) {
        if (const std::string* meta = m.metadata(group->protocol_name.value_or(""))) {
          out->set_member_metadata(*meta);
        }
        out->set_member_assignment(m.assignment);
      }
    }
    return d;
  }

  ErrorCode list_groups(const pb::ListGroupsRequest& req, std::vector<pb::ListedGroup>& out) const {
    // A partition of another coordinator's has nothing to list here.
    if (state_ == PartitionState::kNotOwned) return pb::NONE;
    if (auto e = unavailable(); e != pb::NONE) return e;
    auto matches = [](const auto& filter, const std::string& value) {
      if (filter.empty()) return true;
      return std::any_of(filter.begin(), filter.end(),
                         [&](const std::string& f) { return equals_ignore_case(f, value); });
    };
    for (const auto& [id, group] : groups_) {
      if (group.is(GroupState::Dead)) continue;
      std::string state = state_name(group.state);
      if (!matches(req.states_filter(), state) || !matches(req.types_filter(), "classic")) continue;
      pb::ListedGroup g;
      g.set_group_id(id);
      g.set_protocol_type(group.protocol_type.value_or(""));
      g.set_group_state(state);
      g.set_group_type("classic");
      out.push_back(std::move(g));
    }
    for (const auto& [id, group] : consumer_.groups()) {
      if (group.dead) continue;
      std::string state = consumer_group_state_name(group.state());
      if (!matches(req.states_filter(), state) || !matches(req.types_filter(), "consumer"))
        continue;
      pb::ListedGroup g;
      g.set_group_id(id);
      g.set_protocol_type("consumer");
      g.set_group_state(state);
      g.set_group_type("consumer");
      out.push_back(std::move(g));
    }
    return pb::NONE;
  }

  void delete_group(const std::string& group_id, Reply<ErrorCode> reply) {
    if (auto e = unavailable(); e != pb::NONE) return reply(e);
    if (ConsumerGroup* consumer = consumer_.find(group_id)) {
      return delete_consumer_group(*consumer, std::move(reply));
    }
    ClassicGroup* group = find(group_id);
    if (group == nullptr || group->is(GroupState::Dead)) return reply(pb::GROUP_ID_NOT_FOUND);
    if (!group->is(GroupState::Empty)) return reply(pb::NON_EMPTY_GROUP);
    stop_classic_timers(*group);
    // Dead while the tombstone is written, for the reads that do not wait (ListGroups, the
    // admin views); the group's calls wait for the outcome.
    std::int64_t empty_since = group->current_state_timestamp_ms;
    group->transition_to(GroupState::Dead, scheduler_.wall_clock_ms());
    WriteBatch batch;
    batch.deleted_groups.push_back(group_id);
    append_then_apply(group_id, CallOrder::Writes::kGroup, std::move(batch),
                      [this, group_id, empty_since, reply = std::move(reply)](ErrorCode error) {
                        if (error != pb::NONE) {
                          if (ClassicGroup* g = find(group_id)) {
                            g->state = GroupState::Empty;
                            g->current_state_timestamp_ms = empty_since;
                          }
                          return reply(error);
                        }
                        offsets_.erase(group_id);
                        if (const ClassicGroup* g = find(group_id); sink_ && g) {
                          emit(event(GroupEventType::GroupDeleted, *g));
                        }
                        groups_.erase(group_id);
                        spdlog::info("group {}: deleted", group_id);
                        reply(pb::NONE);
                      });
  }

  void delete_consumer_group(ConsumerGroup& group, Reply<ErrorCode> reply) {
    if (group.dead) return reply(pb::GROUP_ID_NOT_FOUND);
    if (group.state() != ConsumerGroupState::kEmpty) return reply(pb::NON_EMPTY_GROUP);
    // Dead while the deletion is written, as a classic group is.
    group.dead = true;
    WriteBatch batch;
    batch.deleted_groups.push_back(group.group_id);
    append_then_apply(group.group_id, CallOrder::Writes::kGroup, std::move(batch),
                      [this, group_id = group.group_id, reply = std::move(reply)](ErrorCode error) {
                        ConsumerGroup* g = consumer_.find(group_id);
                        if (error != pb::NONE) {
                          if (g) g->dead = false;
                          return reply(error);
                        }
                        offsets_.erase(group_id);
                        if (sink_ && g) {
                          emit(consumer_.event(GroupEventType::GroupDeleted, *g));
                        }
                        consumer_.erase(group_id);
                        spdlog::info("consumer group {}: deleted", group_id);
                        reply(pb::NONE);
                      });
  }

  // ---- ConsumerGroupHeartbeat and ConsumerGroupDescribe (KIP-848) ---------------------------

  void consumer_group_heartbeat(const pb::ConsumerGroupHeartbeatRequest& req,
                                Reply<pb::ConsumerGroupHeartbeatResponse> reply) {
    auto fail = [&](ErrorCode e, std::string message) {
      pb::ConsumerGroupHeartbeatResponse resp;
      resp.set_error_code(e);
      if (!message.empty()) resp.set_error_message(std::move(message));
      reply(std::move(resp));
    };
    if (!config_.consumer_protocol) {
      return fail(pb::UNSUPPORTED_VERSION, "The consumer group protocol is not enabled.");
    }
    if (auto e = unavailable(); e != pb::NONE) return fail(e, "");
    if (ClassicGroup* classic = find(req.group_id())) {
      bool empty = classic->is(GroupState::Empty) && classic->pending_join_members.empty();
      // Kafka replaces an empty classic group by a consumer group of the same id, and converts
      // one with members as the migration policy allows; its offsets stay. The classic record
      // stays in the store too: the consumer group's records win.
      if (req.member_epoch() != 0 || (!empty && !upgrade(*classic, req))) {
        return fail(pb::GROUP_ID_NOT_FOUND,
                    fmt::format("Group {} is not a consumer group.", req.group_id()));
      }
      stop_classic_timers(*classic);
      groups_.erase(req.group_id());
    }
    consumer_.heartbeat(req, std::move(reply));
  }

  // Converts a classic group with members for a joining consumer-protocol member. Its members'
  // JoinGroup and SyncGroup in flight are told to rejoin, as Kafka does.
  bool upgrade(ClassicGroup& classic, const pb::ConsumerGroupHeartbeatRequest& req) {
    if (!consumer_.may_upgrade(classic)) return false;
    if (!consumer_.upgrade(classic, req.has_catalog() ? &req.catalog() : nullptr)) return false;
    for (auto& [member_id, m] : classic.members) {
      if (m.awaiting_join) {
        std::exchange(m.awaiting_join, nullptr)(join_error(member_id, pb::REBALANCE_IN_PROGRESS));
      }
      if (m.awaiting_sync) {
        std::exchange(m.awaiting_sync, nullptr)(sync_error(pb::REBALANCE_IN_PROGRESS));
      }
    }
    return true;
  }

  // A classic group's timers, when it stops being one.
  void stop_classic_timers(ClassicGroup& group) {
    for (const auto& id : group.pending_join_members) {
      scheduler_.cancel(pending_member_key(group.group_id, id));
    }
    group.pending_join_members.clear();
    scheduler_.cancel(session_key(group.group_id));
    group.session_timer_due.reset();
    scheduler_.cancel(join_key(group.group_id));
    scheduler_.cancel(sync_key(group.group_id));
  }

  // A consumer group whose last consumer-protocol member left: a classic group again, which
  // rebalances at once (Kafka's convertToClassicGroup).
  void downgrade(ClassicGroup classic, WriteBatch batch) {
    const std::string id = classic.group_id;
    compute_subscribed_topics(classic);
    batch.groups.push_back(classic.to_record());
    ClassicGroup& group = groups_.insert_or_assign(id, std::move(classic)).first->second;
    for (auto& [member_id, m] : group.members) renew_session(group, m);
    append_unacknowledged(std::move(batch), "the downgrade of group " + id);
    prepare_rebalance(group);
  }

  void consumer_group_describe(const std::string& group_id,
                               Reply<pb::ConsumerGroupDescribed> reply) {
    pb::ConsumerGroupDescribed d;
    d.set_group_id(group_id);
    if (auto e = unavailable(); e != pb::NONE) {
      d.set_error_code(e);
      return reply(std::move(d));
    }
    const ConsumerGroup* group = consumer_.find(group_id);
    if (group == nullptr || group->dead) {
      d.set_error_code(pb::GROUP_ID_NOT_FOUND);
      d.set_error_message(find(group_id) != nullptr
                              ? fmt::format("Group {} is not a consumer group.", group_id)
                              : fmt::format("Group {} not found.", group_id));
      return reply(std::move(d));
    }
    reply(consumer_.describe(*group));
  }

  // ---- Events ------------------------------------------------------------------------------

  // Callers check sink_ first, so nobody pays for events when nobody listens.
  GroupEvent event(GroupEventType type, const ClassicGroup& group) const {
    GroupEvent e;
    e.type = type;
    e.group_id = group.group_id;
    e.timestamp_ms = scheduler_.wall_clock_ms();
    e.generation_id = group.generation_id;
    e.state = group.state;
    e.members = static_cast<std::int32_t>(group.members.size());
    return e;
  }

  void emit(const GroupEvent& e) { sink_->on_event(e); }

  void set_event_sink(GroupEventSink* sink) {
    sink_ = sink;
    consumer_.set_event_sink(sink);
  }

  void transition(ClassicGroup& group, GroupState to) {
    GroupState from = group.state;
    group.transition_to(to, scheduler_.wall_clock_ms());
    if (!sink_ || from == to) return;
    GroupEvent e = event(GroupEventType::StateChanged, group);
    e.previous_state = from;
    emit(e);
  }

  void member_event(GroupEventType type, const ClassicGroup& group, const ClassicGroupMember& m) {
    if (!sink_) return;
    GroupEvent e = event(type, group);
    e.member_id = m.member_id;
    e.group_instance_id = m.group_instance_id;
    emit(e);
  }

  void rebalance_completed(ClassicGroup& group) {
    auto started = std::exchange(group.rebalance_started, std::nullopt);
    if (!sink_) return;
    GroupEvent e = event(GroupEventType::RebalanceCompleted, group);
    if (started) {
      e.rebalance_duration = std::chrono::duration_cast<Millis>(scheduler_.now() - *started);
    }
    emit(e);
  }

  void offsets_event(GroupEventType type, const std::string& group_id,
                     const google::protobuf::RepeatedPtrField<pb::TopicPartitionErrors>& topics,
                     const MemberId& member_id) {
    const ConsumerGroup* consumer = consumer_.find(group_id);
    const ClassicGroup* classic = find(group_id);
    if (consumer == nullptr && classic == nullptr) return;
    GroupEvent e = consumer ? consumer_.event(type, *consumer) : event(type, *classic);
    e.member_id = member_id;
    for (const auto& t : topics) {
      int done = 0;
      for (const auto& p : t.partitions()) done += p.error_code() == pb::NONE;
      if (done == 0) continue;
      e.partitions += done;
      e.topics.push_back(t.name());
    }
    if (e.partitions > 0) emit(e);
  }

  static std::string reason_of(const pb::LeaveGroupMember& identity) {
    return identity.has_reason() ? identity.reason() : "no reason given";
  }

  // ---- Shared -------------------------------------------------------------------------------

  template <class Req>
  static std::optional<GroupInstanceId> instance_of(const Req& req) {
    if (!req.has_group_instance_id()) return std::nullopt;
    return req.group_instance_id();
  }

  // The group of either protocol.
  const Group* find_any(const std::string& group_id) const {
    if (const ClassicGroup* g = find(group_id)) return g;
    return consumer_.find(group_id);
  }

  ClassicGroup* find(const std::string& group_id) {
    auto it = groups_.find(group_id);
    return it == groups_.end() ? nullptr : &it->second;
  }
  const ClassicGroup* find(const std::string& group_id) const {
    auto it = groups_.find(group_id);
    return it == groups_.end() ? nullptr : &it->second;
  }

  // Runs op(req, reply) now, or once the group's writes that it reads are applied.
  template <class Req, class Resp>
  void in_order(CallOrder::Reads reads, const std::string& group_id, const Req& req,
                Reply<Resp> reply, void (Impl::*op)(const Req&, Reply<Resp>)) {
    if (!order_.must_wait(group_id, reads)) return (this->*op)(req, std::move(reply));
    order_.wait(group_id, reads, [this, req, reply = std::move(reply), op]() mutable {
      (this->*op)(req, std::move(reply));
    });
  }

  // Appends a batch whose effect `done` applies once it is durable; until then the group's calls
  // that read it wait.
  void append_then_apply(const std::string& group_id, CallOrder::Writes what, WriteBatch batch,
                         GroupLog::Done done) {
    order_.write_started(group_id, what);
    log_.append(std::move(batch), [this, group_id, what, done = std::move(done)](ErrorCode e) {
      done(e);
      order_.write_done(group_id, what);
    });
  }

  void append(GroupMetadataRecord record, GroupLog::Done done) {
    WriteBatch batch;
    batch.groups.push_back(std::move(record));
    log_.append(std::move(batch), std::move(done));
  }

  // Records nobody waits for: Kafka logs a failed write and carries on. A group's next record
  // holds its whole state, so it repairs a lost one.
  void append_unacknowledged(WriteBatch batch, std::string what) {
    log_.append(std::move(batch), [what = std::move(what)](ErrorCode error) {
      if (error != pb::NONE) {
        spdlog::warn("storing {} failed: {}", what, pb::ErrorCode_Name(error));
      }
    });
  }
  void append_unacknowledged(const ClassicGroup& group) {
    WriteBatch batch;
    batch.groups.push_back(group.to_record());
    append_unacknowledged(std::move(batch), "the metadata of group " + group.group_id);
  }

  // Timers act only while the partition is served: once unloaded, a timer that fires, or one a
  // write still in flight sets, must not change (or write) groups that are another's now.
  void schedule(const std::string& key, Millis delay, std::function<void()> fn) {
    if (state_ != PartitionState::kActive) return;
    scheduler_.schedule(key, delay, [this, fn = std::move(fn)] {
      if (state_ == PartitionState::kActive) fn();
    });
  }

  ClassicGroup* create_group(const std::string& group_id) {
    ClassicGroup& g = groups_[group_id];
    g.group_id = group_id;
    g.current_state_timestamp_ms = scheduler_.wall_clock_ms();
    return &g;
  }

  GroupConfig config_;
  Scheduler& scheduler_;
  GroupLog& log_;
  PartitionState state_;
  CallOrder order_;
  std::map<std::string, ClassicGroup> groups_;
  std::map<std::string, std::map<TopicPartition, CommittedOffset>> offsets_;
  ConsumerGroupManager consumer_;
  GroupEventSink* sink_ = nullptr;
};

GroupPartition::GroupPartition(const GroupConfig& config, Scheduler& scheduler, GroupLog& log,
                               PartitionState state)
    : impl_(std::make_unique<Impl>(config, scheduler, log, state)) {}

GroupPartition::~GroupPartition() = default;

void GroupPartition::load(StoredGroups stored) {
  impl_->load(std::move(stored));
}
PartitionState GroupPartition::state() const {
  return impl_->state();
}
void GroupPartition::unload() {
  impl_->unload();
}

using Reads = CallOrder::Reads;

void GroupPartition::join_group(const pb::JoinGroupRequest& req,
                                Reply<pb::JoinGroupResponse> reply) {
  impl_->in_order(Reads::kGroup, req.group_id(), req, std::move(reply), &Impl::join_group);
}
void GroupPartition::sync_group(const pb::SyncGroupRequest& req,
                                Reply<pb::SyncGroupResponse> reply) {
  impl_->in_order(Reads::kGroup, req.group_id(), req, std::move(reply), &Impl::sync_group);
}
void GroupPartition::heartbeat(const pb::HeartbeatRequest& req,
                               Reply<pb::HeartbeatResponse> reply) {
  impl_->in_order(Reads::kSession, req.group_id(), req, std::move(reply), &Impl::heartbeat);
}
void GroupPartition::leave_group(const pb::LeaveGroupRequest& req,
                                 Reply<pb::LeaveGroupResponse> reply) {
  impl_->in_order(Reads::kGroup, req.group_id(), req, std::move(reply), &Impl::leave_group);
}
void GroupPartition::offset_commit(const pb::OffsetCommitRequest& req,
                                   Reply<pb::OffsetCommitResponse> reply) {
  impl_->in_order(Reads::kGroup, req.group_id(), req, std::move(reply), &Impl::offset_commit);
}
void GroupPartition::delete_group(const std::string& group_id, Reply<pb::ErrorCode> reply) {
  impl_->in_order(Reads::kGroup, group_id, group_id, std::move(reply), &Impl::delete_group);
}
void GroupPartition::offset_delete(const pb::OffsetDeleteRequest& req,
                                   Reply<pb::OffsetDeleteResponse> reply) {
  impl_->in_order(Reads::kGroup, req.group_id(), req, std::move(reply), &Impl::offset_delete);
}
void GroupPartition::offset_fetch(const pb::OffsetFetchGroup& req,
                                  Reply<pb::OffsetFetchGroupResponse> reply) {
  impl_->in_order(Reads::kGroupAndOffsets, req.group_id(), req, std::move(reply),
                  &Impl::offset_fetch);
}
void GroupPartition::describe_group(const std::string& group_id, Reply<pb::DescribedGroup> reply) {
  impl_->in_order(Reads::kGroup, group_id, group_id, std::move(reply), &Impl::describe_group);
}
pb::ErrorCode GroupPartition::list_groups(const pb::ListGroupsRequest& req,
                                          std::vector<pb::ListedGroup>& out) const {
  return impl_->list_groups(req, out);
}
void GroupPartition::expire_offsets() {
  impl_->expire_offsets();
}
const ClassicGroup* GroupPartition::find_group(const std::string& group_id) const {
  return impl_->find(group_id);
}
void GroupPartition::set_event_sink(GroupEventSink* sink) {
  impl_->set_event_sink(sink);
}
void GroupPartition::consumer_group_heartbeat(const pb::ConsumerGroupHeartbeatRequest& req,
                                              Reply<pb::ConsumerGroupHeartbeatResponse> reply) {
  // A heartbeat reads and writes its group on arrival, like a classic Heartbeat it never waits
  // for writes in flight: the log applies its records after theirs.
  impl_->in_order(Reads::kSession, req.group_id(), req, std::move(reply),
                  &Impl::consumer_group_heartbeat);
}
void GroupPartition::consumer_group_describe(const std::string& group_id,
                                             Reply<pb::ConsumerGroupDescribed> reply) {
  impl_->in_order(Reads::kGroup, group_id, group_id, std::move(reply),
                  &Impl::consumer_group_describe);
}
const Group* GroupPartition::find_any_group(const std::string& group_id) const {
  return impl_->find_any(group_id);
}
const ConsumerGroup* GroupPartition::find_consumer_group(const std::string& group_id) const {
  return impl_->consumer_.find(group_id);
}
const std::string& GroupPartition::default_assignor() const {
  return impl_->config_.consumer_assignors.front();
}
const std::map<std::string, ConsumerGroup>& GroupPartition::consumer_groups() const {
  return impl_->consumer_.groups();
}
const std::map<std::string, ClassicGroup>& GroupPartition::groups() const {
  return impl_->groups_;
}
const std::map<TopicPartition, CommittedOffset>* GroupPartition::committed_offsets(
    const std::string& group_id) const {
  auto it = impl_->offsets_.find(group_id);
  return it == impl_->offsets_.end() ? nullptr : &it->second;
}
Scheduler::Clock::time_point GroupPartition::now() const {
  return impl_->scheduler_.now();
}

}  // namespace groupwire::coordinator
