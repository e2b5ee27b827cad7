// What the admin API shows of a group: ClassicGroup and its committed offsets as
// groupwire.admin.v1 messages. Pure functions, called on the group's partition thread.
#pragma once

#include <map>
#include <optional>
#include <set>
#include <string>

#include "group/classic_group.h"
#include "group/committed_offset.h"
#include "group/consumer/consumer_group.h"
#include "group/scheduler.h"
#include "groupwire/admin/v1/admin.pb.h"

namespace groupwire::coordinator::admin {

namespace apb = groupwire::admin::v1;

using Offsets = std::map<TopicPartition, CommittedOffset>;

apb::GroupState to_proto(GroupState s);

apb::GroupState to_proto(ConsumerGroupState s);

apb::GroupSummary summarize(const ClassicGroup& group);
apb::GroupSummary summarize(const ConsumerGroup& group);

// Subscriptions and assignments are decoded when the protocol type is "consumer" and they parse.
apb::DescribeGroupResponse describe(const ClassicGroup& group, Scheduler::Clock::time_point now);
// A consumer group: its epochs, and each member's subscription, epochs, current, pending and
// target assignments, topics by name. `default_assignor` when no member names one.
apb::DescribeGroupResponse describe(const ConsumerGroup& group, Scheduler::Clock::time_point now,
                                    const std::string& default_assignor);

// The committed offsets the request asks for (all when it names none), with lag where the
// request supplies the end offset. `committed` may be null (nothing committed).
apb::GetOffsetsResponse offsets_view(const apb::GroupSummary& group, const Offsets* committed,
                                     const apb::GetOffsetsRequest& req);

// The partitions a request names: a topic without partitions stands for its committed ones, and
// no topics at all for every committed partition.
std::set<TopicPartition> select_partitions(
    const Offsets* committed,
    const google::protobuf::RepeatedPtrField<apb::TopicPartitions>& asked);

// Offsets supplied by the caller, by partition.
std::map<TopicPartition, std::int64_t> by_partition(
    const google::protobuf::RepeatedPtrField<apb::PartitionOffset>& offsets);

}  // namespace groupwire::coordinator::admin
