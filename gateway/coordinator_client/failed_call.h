// What a call that got no answer from a coordinator answers: the error a coordinator that could
// not serve it would give, wherever the API carries group errors (all of them retriable, so
// Kafka clients try again).
#pragma once

#include <grpcpp/grpcpp.h>

#include "groupwire/coordinator/v1/coordinator.pb.h"

namespace groupwire::gateway {

namespace pb = groupwire::coordinator::v1;

// COORDINATOR_LOAD_IN_PROGRESS for a call that failed because its group's partition is moving
// to another coordinator of a cluster (status ABORTED): the group will be served once its new
// owner has loaded it, and clients wait and retry without looking for another coordinator (with
// the gateway as every group's coordinator, librdkafka would only drop its connection to it and
// the requests on it). COORDINATOR_NOT_AVAILABLE otherwise: no coordinator answers.
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

}  // namespace groupwire::gateway
