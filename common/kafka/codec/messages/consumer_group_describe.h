// ConsumerGroupDescribe (key 69, KIP-848): an admin client reads consumer groups: their epochs,
// assignor, and each member's subscription, assignment and target assignment. v1 (KIP-1099) adds
// each member's type.
#pragma once

#include "kafka/codec/api_key.h"
#include "kafka/codec/schema.h"

namespace groupwire::kafka {

struct ConsumerGroupDescribeRequest {
  static constexpr ApiKey kApiKey = ApiKey::ConsumerGroupDescribe;
  static constexpr Versions kValid = between(0, 1);
  static constexpr Versions kFlexible = since(0);

  std::vector<std::string> group_ids;
  bool include_authorized_operations = false;

  static void fields(auto& m, auto& v) {
    v(m.group_ids, {"group_ids", since(0)});
    v(m.include_authorized_operations, {"include_authorized_operations", since(0)});
  }
  bool operator==(const ConsumerGroupDescribeRequest&) const = default;
};

struct ConsumerGroupDescribeResponse {
  static constexpr ApiKey kApiKey = ApiKey::ConsumerGroupDescribe;
  static constexpr Versions kValid = ConsumerGroupDescribeRequest::kValid;
  static constexpr Versions kFlexible = ConsumerGroupDescribeRequest::kFlexible;

  struct TopicPartitions {
    Uuid topic_id{};
    std::string topic_name;
    std::vector<std::int32_t> partitions;
    static void fields(auto& m, auto& v) {
      v(m.topic_id, {"topic_id", since(0)});
      v(m.topic_name, {"topic_name", since(0)});
      v(m.partitions, {"partitions", since(0)});
    }
    bool operator==(const TopicPartitions&) const = default;
  };
  struct Assignment {
    std::vector<TopicPartitions> topic_partitions;
    static void fields(auto& m, auto& v) { v(m.topic_partitions, {"topic_partitions", since(0)}); }
    bool operator==(const Assignment&) const = default;
  };
  // KIP-1099's member types.
  static constexpr std::int8_t kUnknownMember = -1;
  static constexpr std::int8_t kClassicMember = 0;
  static constexpr std::int8_t kConsumerMember = 1;
  struct Member {
    std::string member_id;
    std::optional<std::string> instance_id;
    std::optional<std::string> rack_id;
    std::int32_t member_epoch = 0;
    std::string client_id;
    std::string client_host;
    std::vector<std::string> subscribed_topic_names;
    std::optional<std::string> subscribed_topic_regex;
    Assignment assignment;
    Assignment target_assignment;
    std::int8_t member_type = kUnknownMember;
    static void fields(auto& m, auto& v) {
      v(m.member_id, {"member_id", since(0)});
      v(m.instance_id, {"instance_id", since(0), since(0)});
      v(m.rack_id, {"rack_id", since(0), since(0)});
      v(m.member_epoch, {"member_epoch", since(0)});
      v(m.client_id, {"client_id", since(0)});
      v(m.client_host, {"client_host", since(0)});
      v(m.subscribed_topic_names, {"subscribed_topic_names", since(0)});
      v(m.subscribed_topic_regex, {"subscribed_topic_regex", since(0), since(0)});
      v(m.assignment, {"assignment", since(0)});
      v(m.target_assignment, {"target_assignment", since(0)});
      v(m.member_type, {"member_type", since(1)});
    }
    bool operator==(const Member&) const = default;
  };
  struct DescribedGroup {
    std::int16_t error_code = 0;
    std::optional<std::string> error_message;
    std::string group_id;
    std::string group_state;
    std::int32_t group_epoch = 0;
    std::int32_t assignment_epoch = 0;
    std::string assignor_name;
    std::vector<Member> members;
    std::int32_t authorized_operations = INT32_MIN;
    static void fields(auto& m, auto& v) {
      v(m.error_code, {"error_code", since(0)});
      v(m.error_message, {"error_message", since(0), since(0)});
      v(m.group_id, {"group_id", since(0)});
      v(m.group_state, {"group_state", since(0)});
      v(m.group_epoch, {"group_epoch", since(0)});
      v(m.assignment_epoch, {"assignment_epoch", since(0)});
      v(m.assignor_name, {"assignor_name", since(0)});
      v(m.members, {"members", since(0)});
      v(m.authorized_operations, {"authorized_operations", since(0)});
    }
    bool operator==(const DescribedGroup&) const = default;
  };

  std::int32_t throttle_time_ms = 0;
  std::vector<DescribedGroup> groups;

  static void fields(auto& m, auto& v) {
    v(m.throttle_time_ms, {"throttle_time_ms", since(0)});
    v(m.groups, {"groups", since(0)});
  }
  bool operator==(const ConsumerGroupDescribeResponse&) const = default;
};

}  // namespace groupwire::kafka
