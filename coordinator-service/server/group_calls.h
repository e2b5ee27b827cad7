// The group operations gateways call, routed to the partitions that own the groups. Both ways
// in share it: the unary RPCs and the Calls stream. A reply runs on the thread where the answer
// is ready: the group's partition thread, or for a call spanning partitions the last one's.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>

#include "group/group_partition.h"
#include "server/batch_answers.h"
#include "server/partitions.h"

namespace groupwire::coordinator {

class GroupCalls {
 public:
  explicit GroupCalls(Partitions& partitions) : partitions_(partitions) {}

  void join_group(pb::JoinGroupRequest req, Reply<pb::JoinGroupResponse> reply);
  void sync_group(pb::SyncGroupRequest req, Reply<pb::SyncGroupResponse> reply);
  void heartbeat(pb::HeartbeatRequest req, Reply<pb::HeartbeatResponse> reply);
  void leave_group(pb::LeaveGroupRequest req, Reply<pb::LeaveGroupResponse> reply);
  void offset_commit(pb::OffsetCommitRequest req, Reply<pb::OffsetCommitResponse> reply);
  void offset_delete(pb::OffsetDeleteRequest req, Reply<pb::OffsetDeleteResponse> reply);
  void offset_fetch(pb::OffsetFetchRequest req, Reply<pb::OffsetFetchResponse> reply);
  void describe_groups(pb::DescribeGroupsRequest req, Reply<pb::DescribeGroupsResponse> reply);
  void list_groups(pb::ListGroupsRequest req, Reply<pb::ListGroupsResponse> reply);
  void delete_groups(pb::DeleteGroupsRequest req, Reply<pb::DeleteGroupsResponse> reply);
  void consumer_group_heartbeat(pb::ConsumerGroupHeartbeatRequest req,
                                Reply<pb::ConsumerGroupHeartbeatResponse> reply);
  void consumer_group_describe(pb::ConsumerGroupDescribeRequest req,
                               Reply<pb::ConsumerGroupDescribeResponse> reply);

  // Starts every call of a batch (which the calls' work keeps), each answered into `sink` under its
  // id; each partition runs its calls in the batch's order. A batch costs one post per worker
  // thread, not one per call, and the answers ready by the time its calls have run reach `sink`
  // together: that is most of what batching saves on this side. A call with no request set is
  // answered with an empty Answer (an unknown operation from a newer gateway).
  void start(std::shared_ptr<pb::CallBatch> batch, const std::shared_ptr<AnswerSink>& sink);

  // Where a call's work for a partition goes: posted at once (a unary RPC), or into a stream
  // batch's work for that partition, which runs in the batch's order.
  using Post = std::function<void(std::size_t partition, std::function<void(GroupPartition&)>)>;

 private:
  Post post_now();
  void offset_fetch(pb::OffsetFetchRequest req, Reply<pb::OffsetFetchResponse> reply,
                    const Post& post);
  void describe_groups(pb::DescribeGroupsRequest req, Reply<pb::DescribeGroupsResponse> reply,
                       const Post& post);
  void list_groups(pb::ListGroupsRequest req, Reply<pb::ListGroupsResponse> reply,
                   const Post& post);
  void delete_groups(pb::DeleteGroupsRequest req, Reply<pb::DeleteGroupsResponse> reply,
                     const Post& post);
  void consumer_group_describe(pb::ConsumerGroupDescribeRequest req,
                               Reply<pb::ConsumerGroupDescribeResponse> reply, const Post& post);

  Partitions& partitions_;
};

}  // namespace groupwire::coordinator
