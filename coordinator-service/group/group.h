// What every group answers whatever its protocol: Kafka's Group interface. ClassicGroup
// (JoinGroup/SyncGroup) and ConsumerGroup (KIP-848) implement it, so that offsets, the admin
// views and the operators' tools ask a group without naming its kind.
#pragma once

#include <cstddef>
#include <string>

#include "groupwire/coordinator/v1/coordinator.pb.h"

namespace groupwire::coordinator {

class Group {
 public:
  virtual ~Group() = default;

  virtual const std::string& id() const = 0;
  virtual const char* type() const = 0;         // ListGroups' GroupType: "classic", "consumer"
  virtual const char* kafka_state() const = 0;  // Kafka's name of its state
  virtual std::size_t size() const = 0;         // its members
  virtual bool is_empty() const = 0;            // in Kafka's Empty state
  virtual bool is_dead() const = 0;
  virtual bool has_member(const std::string& member_id) const = 0;
  // The member a static member's instance id names, nullptr when none.
  virtual const std::string* static_member_id(const std::string& instance_id) const = 0;

  // Kafka's validateOffsetCommit, validateOffsetFetch and validateOffsetDelete: NONE, or the
  // error the request is answered with.
  virtual v1::ErrorCode validate_offset_commit(const v1::OffsetCommitRequest& req) const = 0;
  virtual v1::ErrorCode validate_offset_fetch(const v1::OffsetFetchGroup& req) const = 0;
  virtual v1::ErrorCode validate_offset_delete() const = 0;
  // Whether a member subscribes to the topic: its offsets neither expire nor may be deleted.
  virtual bool is_subscribed_to(const std::string& topic) const = 0;

 protected:
  Group() = default;
  Group(const Group&) = default;
  Group& operator=(const Group&) = default;
};

}  // namespace groupwire::coordinator
