// The server-side partition assignors of KIP-848 (Kafka's ConsumerGroupPartitionAssignor): the
// coordinator computes a consumer group's target assignment from its members' subscriptions, the
// subscribed topics' partition counts and the current target assignment. Pure logic, no I/O.
#pragma once

#include <array>
#include <compare>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <string_view>

namespace groupwire::coordinator {

// A topic's id as KIP-848 names topics: Kafka's Uuid, 16 bytes.
struct TopicId {
  std::array<std::uint8_t, 16> bytes{};

  auto operator<=>(const TopicId&) const = default;

  static TopicId from_bytes(std::string_view b);  // the zero id when b is not 16 bytes
  std::string to_bytes() const;                   // 16 bytes
  std::string to_string() const;  // Kafka's base64url form without padding, for logs
};

using PartitionSet = std::set<std::int32_t>;
using TopicPartitionsById = std::map<TopicId, PartitionSet>;  // an assignment
using MemberId = std::string;

struct MemberSubscription {
  std::optional<std::string> rack_id;  // unused: Kafka's server-side assignors ignore racks
  std::set<TopicId> subscribed_topic_ids;
  TopicPartitionsById assignment;  // the member's current target assignment, for stickiness
  // group.instance.id of a static member: the range assignor orders static members by it, so a
  // static member that rejoins under a new member id gets its ranges back.
  std::optional<std::string> instance_id;
};

struct TopicMetadata {
  std::string name;
  std::int32_t partitions = 0;
  bool operator==(const TopicMetadata&) const = default;
};
using SubscribedTopicMetadata = std::map<TopicId, TopicMetadata>;

struct GroupSpec {
  std::map<MemberId, MemberSubscription> members;
};

// Every member of the GroupSpec is present, with an empty assignment if it gets nothing. Topics
// a member gets no partition of are absent from its assignment.
using GroupAssignment = std::map<MemberId, TopicPartitionsById>;

// Subscribed topic ids missing from the metadata are ignored: the caller resolves subscriptions
// against the metadata. assign() never throws and prints nothing.
class PartitionAssignor {
 public:
  virtual ~PartitionAssignor() = default;
  virtual std::string_view name() const = 0;  // "uniform", "range"
  virtual GroupAssignment assign(const GroupSpec& group,
                                 const SubscribedTopicMetadata& topics) const = 0;
};

std::unique_ptr<PartitionAssignor> make_uniform_assignor();
std::unique_ptr<PartitionAssignor> make_range_assignor();
// By Kafka's name (group.consumer.assignors): nullptr when unknown.
std::unique_ptr<PartitionAssignor> make_assignor(std::string_view name);

}  // namespace groupwire::coordinator
