// Drives one GroupPartition with a manual clock: requests are built with Kafka-like defaults,
// and long-polls come back as Pending values the test can check before and after time moves.
#pragma once

#include <memory>
#include <optional>

#include <gtest/gtest.h>

#include "group/group_partition.h"
#include "kafka/codec/messages/consumer_protocol.h"
#include "manual_log.h"
#include "manual_scheduler.h"

namespace groupwire::coordinator::testing {

using namespace std::chrono_literals;

template <class T>
class Pending {
 public:
  Reply<T> reply() {
    return [v = value_](T r) {
      ASSERT_FALSE(v->has_value()) << "a reply was sent twice";
      *v = std::move(r);
    };
  }
  bool done() const { return value_->has_value(); }
  const T& operator*() const {
    EXPECT_TRUE(done()) << "no reply yet";
    return **value_;
  }
  const T* operator->() const { return &**this; }

 private:
  std::shared_ptr<std::optional<T>> value_ = std::make_shared<std::optional<T>>();
};

// Makes a call whose reply may come later.
template <class Req, class Resp>
Pending<Resp> ask(GroupPartition& partition, void (GroupPartition::*op)(const Req&, Reply<Resp>),
                  const Req& req) {
  Pending<Resp> out;
  (partition.*op)(req, out.reply());
  return out;
}

// The reply of a call that is answered at once: nothing it reads is being written.
template <class Req, class Resp>
Resp answered_now(GroupPartition& partition, void (GroupPartition::*op)(const Req&, Reply<Resp>),
                  const Req& req) {
  auto out = ask(partition, op, req);
  EXPECT_TRUE(out.done()) << "the call waits";
  return out.done() ? *out : Resp();
}

inline pb::OffsetFetchGroupResponse fetch_now(GroupPartition& partition,
                                              const pb::OffsetFetchGroup& req) {
  return answered_now(partition, &GroupPartition::offset_fetch, req);
}
inline pb::DescribedGroup describe_now(GroupPartition& partition, const std::string& group) {
  return answered_now(partition, &GroupPartition::describe_group, group);
}

inline std::string subscription(std::vector<std::string> topics) {
  kafka::ConsumerProtocolSubscription sub;
  sub.topics = std::move(topics);
  return kafka::encode_consumer_protocol(sub, 1);
}

struct JoinOptions {
  std::string member_id{};
  std::optional<std::string> instance{};
  std::string protocol_type = "consumer";
  std::vector<std::pair<std::string, std::string>> protocols = {{"range", subscription({"t"})}};
  int session_timeout_ms = 10000;
  int rebalance_timeout_ms = 5000;
  bool require_known_member_id = false;
  bool supports_skip_assignment = false;
  std::string client_id = "client";
};

class GroupTest : public ::testing::Test {
 protected:
  explicit GroupTest(GroupConfig config = {}) : config_(config), partition_(config_, clock_, log_) {
    partition_.load({});
  }

  Pending<pb::JoinGroupResponse> join(const std::string& group, const JoinOptions& o = {}) {
    pb::JoinGroupRequest req;
    req.set_group_id(group);
    req.set_member_id(o.member_id);
    if (o.instance) req.set_group_instance_id(*o.instance);
    req.set_client_id(o.client_id);
    req.set_client_host("/127.0.0.1");
    req.set_session_timeout_ms(o.session_timeout_ms);
    req.set_rebalance_timeout_ms(o.rebalance_timeout_ms);
    req.set_protocol_type(o.protocol_type);
    for (const auto& [name, meta] : o.protocols) {
      auto* p = req.add_protocols();
      p->set_name(name);
      p->set_metadata(meta);
    }
    req.set_require_known_member_id(o.require_known_member_id);
    req.set_supports_skip_assignment(o.supports_skip_assignment);
    Pending<pb::JoinGroupResponse> out;
    partition_.join_group(req, out.reply());
    return out;
  }

  Pending<pb::SyncGroupResponse> sync(
      const std::string& group, const std::string& member, int generation,
      std::vector<std::pair<std::string, std::string>> assignments = {},
      std::optional<std::string> instance = std::nullopt) {
    pb::SyncGroupRequest req;
    req.set_group_id(group);
    req.set_member_id(member);
    req.set_generation_id(generation);
    if (instance) req.set_group_instance_id(*instance);
    for (const auto& [id, bytes] : assignments) {
      auto* a = req.add_assignments();
      a->set_member_id(id);
      a->set_assignment(bytes);
    }
    Pending<pb::SyncGroupResponse> out;
    partition_.sync_group(req, out.reply());
    return out;
  }

  pb::ErrorCode heartbeat(const std::string& group, const std::string& member, int generation,
                          std::optional<std::string> instance = std::nullopt) {
    pb::HeartbeatRequest req;
    req.set_group_id(group);
    req.set_member_id(member);
    req.set_generation_id(generation);
    if (instance) req.set_group_instance_id(*instance);
    Pending<pb::HeartbeatResponse> out;
    partition_.heartbeat(req, out.reply());
    return out->error_code();
  }

  pb::LeaveGroupResponse leave(
      const std::string& group,
      std::vector<std::pair<std::string, std::optional<std::string>>> members) {
    pb::LeaveGroupRequest req;
    req.set_group_id(group);
    for (const auto& [id, instance] : members) {
      auto* m = req.add_members();
      m->set_member_id(id);
      if (instance) m->set_group_instance_id(*instance);
    }
    Pending<pb::LeaveGroupResponse> out;
    partition_.leave_group(req, out.reply());
    return *out;
  }

  // Commits offset `offset` for topic t partition 0; returns the partition's error.
  pb::ErrorCode commit(const std::string& group, const std::string& member, int generation,
                       std::int64_t offset = 42, bool v9 = false, std::string topic = "t",
                       std::optional<std::string> metadata = std::nullopt,
                       std::int64_t retention_ms = -1) {
    auto out = commit_async(group, member, generation, offset, v9, std::move(topic),
                            std::move(metadata), retention_ms);
    return out->topics(0).partitions(0).error_code();
  }

  // The same commit, answered when the log says so.
  Pending<pb::OffsetCommitResponse> commit_async(const std::string& group,
                                                 const std::string& member, int generation,
                                                 std::int64_t offset = 42, bool v9 = false,
                                                 std::string topic = "t",
                                                 std::optional<std::string> metadata = {},
                                                 std::int64_t retention_ms = -1) {
    pb::OffsetCommitRequest req;
    req.set_group_id(group);
    req.set_member_id(member);
    req.set_generation_id(generation);
    req.set_retention_time_ms(retention_ms);
    req.set_unknown_group_is_not_found(v9);
    auto* t = req.add_topics();
    t->set_name(topic);
    auto* p = t->add_partitions();
    p->set_partition_index(0);
    p->set_committed_offset(offset);
    p->set_committed_leader_epoch(-1);
    if (metadata) p->set_committed_metadata(*metadata);
    Pending<pb::OffsetCommitResponse> out;
    partition_.offset_commit(req, out.reply());
    return out;
  }

  Pending<pb::ErrorCode> delete_group_async(const std::string& group) {
    Pending<pb::ErrorCode> out;
    partition_.delete_group(group, out.reply());
    return out;
  }
  pb::ErrorCode delete_group(const std::string& group) { return *delete_group_async(group); }

  Pending<pb::OffsetDeleteResponse> delete_offsets_async(const std::string& group,
                                                         const std::string& topic,
                                                         std::vector<std::int32_t> partitions) {
    pb::OffsetDeleteRequest req;
    req.set_group_id(group);
    auto* t = req.add_topics();
    t->set_name(topic);
    for (auto p : partitions) t->add_partition_indexes(p);
    Pending<pb::OffsetDeleteResponse> out;
    partition_.offset_delete(req, out.reply());
    return out;
  }
  pb::OffsetDeleteResponse delete_offsets(const std::string& group, const std::string& topic,
                                          std::vector<std::int32_t> partitions) {
    return *delete_offsets_async(group, topic, std::move(partitions));
  }

  // The committed offset of topic partition 0, answered at once.
  std::int64_t fetch(const std::string& group, const std::string& topic = "t") {
    auto out = fetch_async(group, topic);
    EXPECT_TRUE(out.done()) << "the fetch waits";
    return out.done() ? committed_offset(*out) : -2;
  }

  // The same fetch, answered once the writes it reads are applied.
  Pending<pb::OffsetFetchGroupResponse> fetch_async(const std::string& group,
                                                    const std::string& topic = "t") {
    pb::OffsetFetchGroup req;
    req.set_group_id(group);
    auto* t = req.add_topics();
    t->set_name(topic);
    t->add_partition_indexes(0);
    return ask(partition_, &GroupPartition::offset_fetch, req);
  }

  static std::int64_t committed_offset(const pb::OffsetFetchGroupResponse& resp) {
    EXPECT_EQ(resp.topics(0).partitions(0).error_code(), pb::NONE);
    return resp.topics(0).partitions(0).committed_offset();
  }

  const ClassicGroup& group(const std::string& id) {
    const ClassicGroup* g = partition_.find_group(id);
    EXPECT_NE(g, nullptr) << id;
    return *g;
  }
  GroupState state(const std::string& id) { return group(id).state; }

  // A new dynamic member joins through the v4 two-step join and waits in the join phase.
  Pending<pb::JoinGroupResponse> join_two_step(const std::string& group, JoinOptions o = {}) {
    o.require_known_member_id = true;
    auto first = join(group, o);
    EXPECT_EQ(first->error_code(), pb::MEMBER_ID_REQUIRED);
    o.member_id = first->member_id();
    return join(group, o);
  }

  // Forms a Stable group of `n` dynamic members (no initial delay wait left): returns member ids;
  // the first is the leader.
  std::vector<std::string> stable_group(const std::string& group, int n, JoinOptions o = {}) {
    std::vector<Pending<pb::JoinGroupResponse>> joins;
    for (int i = 0; i < n; ++i) joins.push_back(join(group, o));
    // Members after the first extend the initial delay, up to the rebalance timeout.
    clock_.advance(std::max(config_.initial_rebalance_delay, Millis(o.rebalance_timeout_ms)));
    std::vector<std::string> ids;
    for (auto& j : joins) {
      EXPECT_TRUE(j.done());
      EXPECT_EQ(j->error_code(), pb::NONE);
      ids.push_back(j->member_id());
    }
    std::string leader = joins[0]->leader();
    std::partition(ids.begin(), ids.end(), [&](const std::string& id) { return id == leader; });
    int generation = joins[0]->generation_id();
    std::vector<Pending<pb::SyncGroupResponse>> syncs;
    for (std::size_t i = 1; i < ids.size(); ++i) syncs.push_back(sync(group, ids[i], generation));
    std::vector<std::pair<std::string, std::string>> assignment;
    for (const auto& id : ids) assignment.emplace_back(id, "assignment-of-" + id);
    auto leader_sync = sync(group, leader, generation, assignment);
    EXPECT_EQ(leader_sync->error_code(), pb::NONE);
    for (auto& s : syncs) EXPECT_EQ(s->error_code(), pb::NONE);
    EXPECT_EQ(state(group), GroupState::Stable);
    return ids;
  }

  // Forms a Stable group of static members, one per instance id, joined in that order: returns
  // their member ids in the same order (the first is the leader). Leader assignments are
  // "assignment-of-<member id>".
  std::vector<std::string> stable_static_group(const std::string& group,
                                               const std::vector<std::string>& instances,
                                               JoinOptions o = {}) {
    std::vector<Pending<pb::JoinGroupResponse>> joins;
    for (const auto& instance : instances) {
      o.instance = instance;
      joins.push_back(join(group, o));
    }
    clock_.advance(std::max(config_.initial_rebalance_delay, Millis(o.rebalance_timeout_ms)));
    std::vector<std::string> ids;
    for (auto& j : joins) {
      EXPECT_TRUE(j.done());
      EXPECT_EQ(j->error_code(), pb::NONE);
      ids.push_back(j->member_id());
    }
    EXPECT_EQ(joins[0]->leader(), ids[0]);
    int generation = joins[0]->generation_id();
    std::vector<Pending<pb::SyncGroupResponse>> syncs;
    for (std::size_t i = 1; i < ids.size(); ++i) {
      syncs.push_back(sync(group, ids[i], generation, {}, instances[i]));
    }
    std::vector<std::pair<std::string, std::string>> assignment;
    for (const auto& id : ids) assignment.emplace_back(id, "assignment-of-" + id);
    auto leader_sync = sync(group, ids[0], generation, assignment, instances[0]);
    EXPECT_EQ(leader_sync->error_code(), pb::NONE);
    for (auto& s : syncs) EXPECT_EQ(s->error_code(), pb::NONE);
    EXPECT_EQ(state(group), GroupState::Stable);
    return ids;
  }

  GroupConfig config_;
  ManualScheduler clock_;
  ManualLog log_;
  GroupPartition partition_;
};

}  // namespace groupwire::coordinator::testing
