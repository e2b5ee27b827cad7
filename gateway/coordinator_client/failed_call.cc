#include "coordinator_client/failed_call.h"

namespace groupwire::gateway {

namespace {

// APIs whose only error is the top-level one.
template <class Resp>
Resp top_level(pb::ErrorCode e) {
  Resp out;
  out.set_error_code(e);
  return out;
}

// Kafka's error entries of a describe leave everything but the group id empty.
template <class Resp, class Req>
Resp failed_groups(const Req& req, pb::ErrorCode e) {
  Resp out;
  for (const auto& id : req.group_ids()) {
    auto* group = out.add_groups();
    group->set_group_id(id);
    group->set_error_code(e);
  }
  return out;
}

}  // namespace

pb::ErrorCode failure_error(const grpc::Status& status) {
  return status.error_code() == grpc::StatusCode::CANCELLED ? pb::COORDINATOR_NOT_AVAILABLE
                                                            : pb::COORDINATOR_LOAD_IN_PROGRESS;
}

pb::JoinGroupResponse failed_reply(const pb::JoinGroupRequest& req, pb::ErrorCode e) {
  // Kafka's coordinator-level errors echo the request's member id.
  auto out = top_level<pb::JoinGroupResponse>(e);
  out.set_generation_id(-1);
  out.set_member_id(req.member_id());
  return out;
}

pb::SyncGroupResponse failed_reply(const pb::SyncGroupRequest&, pb::ErrorCode e) {
  return top_level<pb::SyncGroupResponse>(e);
}

pb::HeartbeatResponse failed_reply(const pb::HeartbeatRequest&, pb::ErrorCode e) {
  return top_level<pb::HeartbeatResponse>(e);
}

// A whole-request failure: top-level error, no member list (as Kafka's error response).
pb::LeaveGroupResponse failed_reply(const pb::LeaveGroupRequest&, pb::ErrorCode e) {
  return top_level<pb::LeaveGroupResponse>(e);
}

pb::OffsetCommitResponse failed_reply(const pb::OffsetCommitRequest& req, pb::ErrorCode e) {
  // Group-level errors are reported in every partition.
  pb::OffsetCommitResponse out;
  for (const auto& t : req.topics()) {
    auto* topic = out.add_topics();
    topic->set_name(t.name());
    for (const auto& p : t.partitions()) {
      auto* partition = topic->add_partitions();
      partition->set_partition_index(p.partition_index());
      partition->set_error_code(e);
    }
  }
  return out;
}

pb::OffsetFetchResponse failed_reply(const pb::OffsetFetchRequest& req, pb::ErrorCode e) {
  pb::OffsetFetchResponse out;
  for (const auto& g : req.groups()) {
    auto* group = out.add_groups();
    group->set_group_id(g.group_id());
    group->set_error_code(e);
  }
  return out;
}

pb::DescribeGroupsResponse failed_reply(const pb::DescribeGroupsRequest& req, pb::ErrorCode e) {
  return failed_groups<pb::DescribeGroupsResponse>(req, e);
}

pb::ListGroupsResponse failed_reply(const pb::ListGroupsRequest&, pb::ErrorCode e) {
  return top_level<pb::ListGroupsResponse>(e);
}

pb::DeleteGroupsResponse failed_reply(const pb::DeleteGroupsRequest& req, pb::ErrorCode e) {
  pb::DeleteGroupsResponse out;
  for (const auto& id : req.group_ids()) {
    auto* result = out.add_results();
    result->set_group_id(id);
    result->set_error_code(e);
  }
  return out;
}

pb::OffsetDeleteResponse failed_reply(const pb::OffsetDeleteRequest&, pb::ErrorCode e) {
  return top_level<pb::OffsetDeleteResponse>(e);
}

pb::ConsumerGroupHeartbeatResponse failed_reply(const pb::ConsumerGroupHeartbeatRequest&,
                                                pb::ErrorCode e) {
  return top_level<pb::ConsumerGroupHeartbeatResponse>(e);
}

pb::ConsumerGroupDescribeResponse failed_reply(const pb::ConsumerGroupDescribeRequest& req,
                                               pb::ErrorCode e) {
  return failed_groups<pb::ConsumerGroupDescribeResponse>(req, e);
}

}  // namespace groupwire::gateway
