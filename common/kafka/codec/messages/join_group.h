// JoinGroup (key 11): a member joins a classic group and waits for the join phase to complete.
#pragma once

#include "kafka/codec/api_key.h"
#include "kafka/codec/schema.h"

namespace groupwire::kafka {

struct JoinGroupRequest {
  static constexpr ApiKey kApiKey = ApiKey::JoinGroup;
  static constexpr Versions kValid = between(0, 9);
  static constexpr Versions kFlexible = since(6);

  struct Protocol {
    std::string name;
    Bytes metadata;
    static void fields(auto& m, auto& v) {
      v(m.name, {"name", since(0)});
      v(m.metadata, {"metadata", since(0)});
    }
    bool operator==(const Protocol&) const = default;
  };

  std::string group_id;
  std::int32_t session_timeout_ms = 0;
  std::int32_t rebalance_timeout_ms = -1;
  std::string member_id;
  std::optional<std::string> group_instance_id;
  std::string protocol_type;
  std::vector<Protocol> protocols;
  std::optional<std::string> reason;

  static void fields(auto& m, auto& v) {
    v(m.group_id, {"group_id", since(0)});
    v(m.session_timeout_ms, {"session_timeout_ms", since(0)});
    v(m.rebalance_timeout_ms, {"rebalance_timeout_ms", since(1)});
    v(m.member_id, {"member_id", since(0)});
    v(m.group_instance_id, {"group_instance_id", since(5), since(5)});
    v(m.protocol_type, {"protocol_type", since(0)});
    v(m.protocols, {"protocols", since(0)});
    v(m.reason, {"reason", since(8), since(8)});
  }
  bool operator==(const JoinGroupRequest&) const = default;
};

struct JoinGroupResponse {
  static constexpr ApiKey kApiKey = ApiKey::JoinGroup;
  static constexpr Versions kValid = JoinGroupRequest::kValid;
  static constexpr Versions kFlexible = JoinGroupRequest::kFlexible;

  struct Member {
    std::string member_id;
    std::optional<std::string> group_instance_id;
    Bytes metadata;
    static void fields(auto& m, auto& v) {
      v(m.member_id, {"member_id", since(0)});
      v(m.group_instance_id, {"group_instance_id", since(5), since(5)});
      v(m.metadata, {"metadata", since(0)});
    }
    bool operator==(const Member&) const = default;
  };

  std::int32_t throttle_time_ms = 0;
  std::int16_t error_code = 0;
  std::int32_t generation_id = -1;
  std::optional<std::string> protocol_type;
  // Present in every version but nullable only from v7; Kafka's default is "", not null.
  std::optional<std::string> protocol_name = "";
  std::string leader;
  bool skip_assignment = false;
  std::string member_id;
  std::vector<Member> members;

  static void fields(auto& m, auto& v) {
    v(m.throttle_time_ms, {"throttle_time_ms", since(2)});
    v(m.error_code, {"error_code", since(0)});
    v(m.generation_id, {"generation_id", since(0)});
    v(m.protocol_type, {"protocol_type", since(7), since(7)});
    v(m.protocol_name, {"protocol_name", since(0), since(7)});
    v(m.leader, {"leader", since(0)});
    v(m.skip_assignment, {"skip_assignment", since(9)});
    v(m.member_id, {"member_id", since(0)});
    v(m.members, {"members", since(0)});
  }
  bool operator==(const JoinGroupResponse&) const = default;
};

}  // namespace groupwire::kafka
