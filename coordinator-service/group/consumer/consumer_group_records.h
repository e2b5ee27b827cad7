// A consumer group's records (storage/records.h), written as Kafka writes them: one per changed
// piece of state, so a heartbeat that changes one member writes that member only. And the group
// rebuilt from them at load.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "group/consumer/consumer_group.h"
#include "storage/records.h"

namespace groupwire::coordinator {

ConsumerGroupRecord group_metadata_record(const ConsumerGroup& group);
ConsumerGroupRecord member_metadata_record(const std::string& group_id,
                                           const ConsumerGroupMember& m);
ConsumerGroupRecord current_assignment_record(const std::string& group_id,
                                              const ConsumerGroupMember& m);
ConsumerGroupRecord target_assignment_record(const std::string& group_id, const MemberId& id,
                                             const TopicPartitionsById& assignment);
ConsumerGroupRecord target_assignment_metadata_record(const ConsumerGroup& group);
// The tombstones of a member's three records.
void append_member_tombstones(const std::string& group_id, const MemberId& id,
                              std::vector<ConsumerGroupRecord>& out);
// Every record of the group as it is now: what repairs the store after a lost write.
std::vector<ConsumerGroupRecord> all_records(const ConsumerGroup& group);
// A tombstone for each of them: the group is gone (its offsets stay).
std::vector<ConsumerGroupRecord> tombstones(const ConsumerGroup& group);

// The groups the records describe, keyed by group id. Members come back with their epochs and
// assignments; their sessions start anew.
std::map<std::string, ConsumerGroup> load_consumer_groups(
    const std::vector<ConsumerGroupRecord>& records);

}  // namespace groupwire::coordinator
