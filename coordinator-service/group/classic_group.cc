#include "group/classic_group.h"

#include <algorithm>

#include "kafka/principal.h"

namespace groupwire::coordinator {

const char* state_name(GroupState s) {
  switch (s) {
    case GroupState::Empty:
      return "Empty";
    case GroupState::PreparingRebalance:
      return "PreparingRebalance";
    case GroupState::CompletingRebalance:
      return "CompletingRebalance";
    case GroupState::Stable:
      return "Stable";
    case GroupState::Dead:
      return "Dead";
  }
  return "Dead";
}

const std::string* ClassicGroupMember::metadata(const std::string& protocol) const {
  for (const auto& [name, meta] : protocols) {
    if (name == protocol) return &meta;
  }
  return nullptr;
}

bool ClassicGroupMember::matches(const pb::JoinGroupRequest& req) const {
  if (static_cast<std::size_t>(req.protocols_size()) != protocols.size()) return false;
  for (std::size_t i = 0; i < protocols.size(); ++i) {
    const auto& p = req.protocols(static_cast<int>(i));
    if (p.name() != protocols[i].first || p.metadata() != protocols[i].second) return false;
  }
  return true;
}

const MemberId* ClassicGroup::static_member_id(const GroupInstanceId& id) const {
  auto it = static_members.find(id);
  return it == static_members.end() ? nullptr : &it->second;
}

Millis ClassicGroup::rebalance_timeout() const {
  Millis out{0};
  for (const auto& [id, m] : members) out = std::max(out, m.rebalance_timeout);
  return out;
}

int ClassicGroup::awaiting_join_count() const {
  return static_cast<int>(std::count_if(members.begin(), members.end(),
                                        [](const auto& e) { return e.second.is_awaiting_join(); }));
}

bool ClassicGroup::all_members_joined() const {
  return static_cast<int>(members.size()) == awaiting_join_count() && pending_join_members.empty();
}

bool ClassicGroup::supports_protocols(const std::string& type,
                                      const pb::JoinGroupRequest& req) const {
  if (is(GroupState::Empty)) return !type.empty() && req.protocols_size() > 0;
  if (!protocol_type || *protocol_type != type) return false;
  for (const auto& p : req.protocols()) {
    auto it = protocol_support.find(p.name());
    if (it != protocol_support.end() && it->second == static_cast<int>(members.size())) {
      return true;
    }
  }
  return false;
}

std::string ClassicGroup::select_protocol() const {
  // Each member votes for its most preferred protocol among those every member supports.
  std::map<std::string, int> votes;
  for (const auto& [id, m] : members) {
    for (const auto& [name, meta] : m.protocols) {
      auto it = protocol_support.find(name);
      if (it != protocol_support.end() && it->second == static_cast<int>(members.size())) {
        ++votes[name];
        break;
      }
    }
  }
  std::string best;
  int best_votes = -1;
  for (const auto& [name, n] : votes) {
    if (n > best_votes) {
      best = name;
      best_votes = n;
    }
  }
  return best;
}

bool ClassicGroup::can_rebalance() const {
  return is(GroupState::Stable) || is(GroupState::CompletingRebalance) || is(GroupState::Empty);
}

void ClassicGroup::add_member(ClassicGroupMember member, const std::string& type) {
  if (members.empty()) protocol_type = type;
  if (!leader_id) leader_id = member.member_id;
  for (const auto& [name, meta] : member.protocols) ++protocol_support[name];
  if (member.group_instance_id) static_members[*member.group_instance_id] = member.member_id;
  pending_join_members.erase(member.member_id);
  MemberId id = member.member_id;
  members.insert_or_assign(id, std::move(member));
}

void ClassicGroup::remove_member(const MemberId& id) {
  auto it = members.find(id);
  if (it != members.end()) {
    for (const auto& [name, meta] : it->second.protocols) {
      if (--protocol_support[name] == 0) protocol_support.erase(name);
    }
    if (it->second.group_instance_id) static_members.erase(*it->second.group_instance_id);
    members.erase(it);
  }
  if (is_leader(id)) {
    leader_id = members.empty() ? std::nullopt : std::optional<MemberId>(members.begin()->first);
  }
  pending_join_members.erase(id);
  pending_sync_members.erase(id);
}

void ClassicGroup::update_member_protocols(ClassicGroupMember& m, const pb::JoinGroupRequest& req) {
  for (const auto& [name, meta] : m.protocols) {
    if (--protocol_support[name] == 0) protocol_support.erase(name);
  }
  m.protocols.clear();
  for (const auto& p : req.protocols()) {
    m.protocols.emplace_back(p.name(), p.metadata());
    ++protocol_support[p.name()];
  }
  m.rebalance_timeout = Millis(req.rebalance_timeout_ms());
  m.session_timeout = Millis(req.session_timeout_ms());
  m.principal = kafka::principal_or_anonymous(req.principal());
}

GroupMetadataRecord ClassicGroup::to_record() const {
  GroupMetadataRecord r;
  r.group_id = group_id;
  r.generation_id = generation_id;
  r.protocol_type = protocol_type;
  r.protocol_name = protocol_name;
  r.leader_id = leader_id;
  r.current_state_timestamp_ms = current_state_timestamp_ms;
  for (const auto& [id, m] : members) {
    const std::string* meta = protocol_name ? m.metadata(*protocol_name) : nullptr;
    r.members.push_back(StoredMember{
        .member_id = id,
        .group_instance_id = m.group_instance_id,
        .client_id = m.client_id,
        .client_host = m.client_host,
        .session_timeout_ms = static_cast<std::int32_t>(m.session_timeout.count()),
        .rebalance_timeout_ms = static_cast<std::int32_t>(m.rebalance_timeout.count()),
        .metadata = meta ? *meta : std::string(),
        .assignment = m.assignment,
    });
  }
  return r;
}

pb::ErrorCode ClassicGroup::validate_member(const MemberId& member_id,
                                            const std::optional<GroupInstanceId>& instance) const {
  if (instance) {
    const MemberId* mapped = static_member_id(*instance);
    if (mapped == nullptr) return pb::UNKNOWN_MEMBER_ID;
    if (*mapped != member_id) return pb::FENCED_INSTANCE_ID;
  }
  return has_member(member_id) ? pb::NONE : pb::UNKNOWN_MEMBER_ID;
}

pb::ErrorCode ClassicGroup::validate_offset_commit(const pb::OffsetCommitRequest& req) const {
  if (is(GroupState::Dead)) return pb::COORDINATOR_NOT_AVAILABLE;
  // Admin tools and standalone consumers commit with generation -1 to an empty group.
  if (req.generation_id() < 0 && is(GroupState::Empty)) return pb::NONE;
  if (req.generation_id() >= 0 || !req.member_id().empty() || req.has_group_instance_id()) {
    std::optional<GroupInstanceId> instance;
    if (req.has_group_instance_id()) instance = req.group_instance_id();
    if (auto error = validate_member(req.member_id(), instance); error != pb::NONE) return error;
    if (req.generation_id() != generation_id) return pb::ILLEGAL_GENERATION;
  } else if (!is(GroupState::Empty)) {
    return pb::UNKNOWN_MEMBER_ID;
  }
  if (is(GroupState::CompletingRebalance)) return pb::REBALANCE_IN_PROGRESS;
  return pb::NONE;
}

pb::ErrorCode ClassicGroup::validate_offset_delete() const {
  if (is(GroupState::Dead)) return pb::GROUP_ID_NOT_FOUND;
  // Groups of the embedded consumer protocol may delete the offsets of topics they do not use.
  if (!is(GroupState::Empty) && !uses_consumer_protocol()) return pb::NON_EMPTY_GROUP;
  return pb::NONE;
}

ClassicGroup ClassicGroup::from_record(const GroupMetadataRecord& r) {
  ClassicGroup g;
  g.group_id = r.group_id;
  g.generation_id = r.generation_id;
  g.protocol_type = r.protocol_type;
  g.protocol_name = r.protocol_name;
  g.current_state_timestamp_ms = r.current_state_timestamp_ms;
  for (const auto& s : r.members) {
    ClassicGroupMember m;
    m.member_id = s.member_id;
    m.group_instance_id = s.group_instance_id;
    m.client_id = s.client_id;
    m.client_host = s.client_host;
    m.session_timeout = Millis(s.session_timeout_ms);
    m.rebalance_timeout = Millis(s.rebalance_timeout_ms);
    if (r.protocol_name) m.protocols.emplace_back(*r.protocol_name, s.metadata);
    m.assignment = s.assignment;
    g.add_member(std::move(m), r.protocol_type.value_or(""));
  }
  if (!g.members.empty()) {
    if (r.leader_id && g.has_member(*r.leader_id)) g.leader_id = r.leader_id;
    g.state = GroupState::Stable;
  }
  return g;
}

}  // namespace groupwire::coordinator
