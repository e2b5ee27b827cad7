// What a call that got no answer from a coordinator answers: the error a coordinator that could
// not serve it would give, wherever the API carries group errors (all of them retriable, so
// Kafka clients try again).
#pragma once

#include <grpcpp/grpcpp.h>

#include "groupwire/coordinator/v1/coordinator.pb.h"

namespace groupwire::gateway {

namespace pb = groupwire::coordinator::v1;

// COORDINATOR_LOAD_IN_PROGRESS: the gateway is every group's coordinator as clients see it, and
// while the coordinator service cannot answer for a group (it restarts, or the group's partition
// moves to another coordinator of a cluster) the group is, to them, being loaded: they wait and
// retry on the same gateway. COORDINATOR_NOT_AVAILABLE would send them looking for another
// coordinator, only to find this gateway again, and librdkafka answers it on an OffsetCommit by
// dropping its connection to the coordinator with every request on it; committing in a loop,
// that repeats until its session times out and it rejoins. COORDINATOR_NOT_AVAILABLE only for a
// call cancelled because the gateway stops: clients go to another gateway.
pb::ErrorCode failure_error(const grpc::Status& status);

pb::JoinGroupResponse failed_reply(const pb::JoinGroupRequest& req, pb::ErrorCode e);
pb::SyncGroupResponse failed_reply(const pb::SyncGroupRequest& req, pb::ErrorCode e);
pb::HeartbeatResponse failed_reply(const pb::HeartbeatRequest& req, pb::ErrorCode e);
pb::LeaveGroupResponse failed_reply(const pb::LeaveGroupRequest& req, pb::ErrorCode e);
pb::OffsetCommitResponse failed_reply(const pb::OffsetCommitRequest& req, pb::ErrorCode e);
pb::OffsetFetchResponse failed_reply(const pb::OffsetFetchRequest& req, pb::ErrorCode e);
pb::DescribeGroupsResponse failed_reply(const pb::DescribeGroupsRequest& req, pb::ErrorCode e);
pb::ListGroupsResponse failed_reply(const pb::ListGroupsRequest& req, pb::ErrorCode e);
pb::DeleteGroupsResponse failed_reply(const pb::DeleteGroupsRequest& req, pb::ErrorCode e);
pb::OffsetDeleteResponse failed_reply(const pb::OffsetDeleteRequest& req, pb::ErrorCode e);
pb::ConsumerGroupHeartbeatResponse failed_reply(const pb::ConsumerGroupHeartbeatRequest& req,
                                                pb::ErrorCode e);
pb::ConsumerGroupDescribeResponse failed_reply(const pb::ConsumerGroupDescribeRequest& req,
                                               pb::ErrorCode e);

}  // namespace groupwire::gateway
