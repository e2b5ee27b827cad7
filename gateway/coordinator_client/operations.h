// The coordinator's operations, listed once: X(Name, field) for each, with Name as in the
// proto's NameRequest and NameResponse, and field as in Call and Answer.
#pragma once

#define GROUPWIRE_COORDINATOR_OPERATIONS(X)           \
  X(JoinGroup, join_group)                            \
  X(SyncGroup, sync_group)                            \
  X(Heartbeat, heartbeat)                             \
  X(LeaveGroup, leave_group)                          \
  X(OffsetCommit, offset_commit)                      \
  X(OffsetFetch, offset_fetch)                        \
  X(DescribeGroups, describe_groups)                  \
  X(ListGroups, list_groups)                          \
  X(DeleteGroups, delete_groups)                      \
  X(OffsetDelete, offset_delete)                      \
  X(ConsumerGroupHeartbeat, consumer_group_heartbeat) \
  X(ConsumerGroupDescribe, consumer_group_describe)

// In a class with a Done<Req, Resp> template: one call() overload per operation.
#define GROUPWIRE_DECLARE_COORDINATOR_CALL(Name, field)               \
  void call(pb::Name##Request req, std::chrono::milliseconds timeout, \
            Done<pb::Name##Request, pb::Name##Response> done);
