#include "group_load/consumer_membership.h"

#include <algorithm>
#include <random>

#include "kafka/error_code.h"
#include "security/base64.h"

namespace groupwire::bench {

namespace {

using kafka::ErrorCode;
using kafka::to_wire;

// The assignment's partitions of our topic, sorted: the only topic the member subscribes to.
std::vector<std::int32_t> partitions_of(const kafka::ConsumerGroupHeartbeatResponse::Assignment& a,
                                        const kafka::Uuid& topic) {
  std::vector<std::int32_t> out;
  for (const auto& t : a.topic_partitions) {
    if (t.topic_id == topic) out.insert(out.end(), t.partitions.begin(), t.partitions.end());
  }
  std::sort(out.begin(), out.end());
  return out;
}

}  // namespace

ConsumerMembership::ConsumerMembership(std::string group_id, std::string member_id,
                                       const BenchTopic& topic, Millis rebalance_timeout,
                                       TopicRegex regex)
    : group_id_(std::move(group_id)),
      member_id_(std::move(member_id)),
      topic_(&topic),
      rebalance_timeout_(rebalance_timeout),
      regex_(regex) {}

kafka::ConsumerGroupHeartbeatRequest ConsumerMembership::next_heartbeat() {
  kafka::ConsumerGroupHeartbeatRequest req;
  req.group_id = group_id_;
  req.member_id = member_id_;
  req.member_epoch = joining_ ? 0 : epoch_;
  if (joining_ || resend_all_) {
    req.rebalance_timeout_ms = static_cast<std::int32_t>(rebalance_timeout_.count());
    req.subscribed_topic_names = std::vector<std::string>{topic_->name};
    if (regex_ == TopicRegex::Empty) req.subscribed_topic_regex = std::string();
  }
  // Joining, it owns nothing; later it says what it owns whenever that changed.
  if (joining_ || resend_all_ || owned_ != sent_owned_) {
    auto& owned = req.topic_partitions.emplace();
    if (!owned_.empty()) owned.push_back({topic_->id, owned_});
    sent_owned_ = owned_;
  }
  resend_all_ = false;
  return req;
}

kafka::ConsumerGroupHeartbeatRequest ConsumerMembership::leave_heartbeat() const {
  kafka::ConsumerGroupHeartbeatRequest req;
  req.group_id = group_id_;
  req.member_id = member_id_;
  req.member_epoch = -1;
  return req;
}

HeartbeatOutcome ConsumerMembership::apply(const kafka::ConsumerGroupHeartbeatResponse& answer) {
  if (answer.error_code == to_wire(ErrorCode::FENCED_MEMBER_EPOCH) ||
      answer.error_code == to_wire(ErrorCode::UNKNOWN_MEMBER_ID)) {
    give_up_everything();
    return HeartbeatOutcome::Rejoin;
  }
  if (answer.error_code != 0) {
    // The coordinator may not have read it: the next heartbeat says everything again.
    resend_all_ = true;
    return HeartbeatOutcome::Retry;
  }
  joining_ = false;
  epoch_ = answer.member_epoch;
  // Still at epoch 0 (librdkafka's mock leaves a new member there until its partitions are
  // free): at epoch 0 a heartbeat must say everything, as a join does.
  resend_all_ = epoch_ == 0;
  heartbeat_interval_ = Millis(answer.heartbeat_interval_ms);
  if (answer.assignment) {
    owned_ = partitions_of(*answer.assignment, topic_->id);
  }
  return HeartbeatOutcome::Ok;
}

void ConsumerMembership::give_up_everything() {
  owned_.clear();
  sent_owned_.clear();
  joining_ = true;
  epoch_ = 0;
}

std::string ConsumerMembership::random_member_id() {
  thread_local std::mt19937_64 random{std::random_device{}()};
  std::string bytes(16, '\0');
  for (auto& b : bytes) b = static_cast<char>(random() & 0xff);
  std::string id = security::base64_encode(bytes);
  std::erase(id, '=');
  std::replace(id.begin(), id.end(), '+', '-');
  std::replace(id.begin(), id.end(), '/', '_');
  return id;
}

}  // namespace groupwire::bench
