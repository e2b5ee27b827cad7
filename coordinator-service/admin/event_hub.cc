#include "admin/event_hub.h"

#include <algorithm>

#include "admin/group_view.h"

namespace groupwire::coordinator::admin {

namespace {

apb::EventType to_proto(GroupEventType t) {
  switch (t) {
    case GroupEventType::MemberJoined:
      return apb::MEMBER_JOINED;
    case GroupEventType::MemberLeft:
      return apb::MEMBER_LEFT;
    case GroupEventType::MemberExpired:
      return apb::MEMBER_EXPIRED;
    case GroupEventType::RebalanceStarted:
      return apb::REBALANCE_STARTED;
    case GroupEventType::RebalanceCompleted:
      return apb::REBALANCE_COMPLETED;
    case GroupEventType::StateChanged:
      return apb::STATE_CHANGED;
    case GroupEventType::OffsetsCommitted:
      return apb::OFFSETS_COMMITTED;
    case GroupEventType::OffsetsDeleted:
      return apb::OFFSETS_DELETED;
    case GroupEventType::GroupDeleted:
      return apb::GROUP_DELETED;
  }
  return apb::EVENT_TYPE_UNSPECIFIED;
}

}  // namespace

apb::GroupEvent to_proto(const GroupEvent& e) {
  apb::GroupEvent out;
  out.set_type(to_proto(e.type));
  out.set_group_id(e.group_id);
  out.set_timestamp_ms(e.timestamp_ms);
  out.set_generation_id(e.generation_id);
  out.set_member_id(e.member_id);
  if (e.group_instance_id) out.set_group_instance_id(*e.group_instance_id);
  if (e.exit) {
    out.set_reason(e.reason.empty() ? member_exit_name(*e.exit)
                                    : std::string(member_exit_name(*e.exit)) + ": " + e.reason);
  }
  out.set_state(e.consumer_state ? admin::to_proto(*e.consumer_state) : admin::to_proto(e.state));
  if (e.type == GroupEventType::StateChanged) {
    out.set_previous_state(admin::to_proto(e.previous_state));
  }
  out.set_members(e.members);
  out.set_rebalance_duration_ms(e.rebalance_duration.count());
  out.set_partitions(e.partitions);
  out.mutable_topics()->Add(e.topics.begin(), e.topics.end());
  return out;
}

bool EventHub::Filter::matches(const std::string& group_id) const {
  return (group_ids.empty() || group_ids.count(group_id) > 0) &&
         group_id.compare(0, prefix.size(), prefix) == 0;
}

void EventHub::on_event(const GroupEvent& event) {
  if (count_.load() == 0) return;
  apb::GroupEvent e = to_proto(event);
  std::lock_guard lock(mu_);
  for (auto& [s, filter] : subscribers_) {
    if (filter.matches(event.group_id)) s->deliver(e);
  }
}

bool EventHub::subscribe(Subscriber* s, Filter filter) {
  std::lock_guard lock(mu_);
  if (closed_) return false;
  subscribers_.emplace_back(s, std::move(filter));
  count_.store(subscribers_.size());
  return true;
}

void EventHub::unsubscribe(Subscriber* s) {
  std::lock_guard lock(mu_);
  std::erase_if(subscribers_, [s](const auto& entry) { return entry.first == s; });
  count_.store(subscribers_.size());
}

void EventHub::close_all() {
  std::lock_guard lock(mu_);
  closed_ = true;
  for (auto& [s, filter] : subscribers_) s->close();
}

}  // namespace groupwire::coordinator::admin
