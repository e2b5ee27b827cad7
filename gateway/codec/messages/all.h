// Every top-level Kafka message the gateway decodes or encodes, for code that handles them all.
#pragma once

#include <tuple>

#include "codec/messages/api_versions.h"
#include "codec/messages/consumer_protocol.h"
#include "codec/messages/delete_groups.h"
#include "codec/messages/describe_groups.h"
#include "codec/messages/fetch.h"
#include "codec/messages/find_coordinator.h"
#include "codec/messages/heartbeat.h"
#include "codec/messages/join_group.h"
#include "codec/messages/leave_group.h"
#include "codec/messages/list_groups.h"
#include "codec/messages/list_offsets.h"
#include "codec/messages/metadata.h"
#include "codec/messages/offset_commit.h"
#include "codec/messages/offset_delete.h"
#include "codec/messages/offset_fetch.h"
#include "codec/messages/sync_group.h"

namespace groupwire::kafka {

using AllTopLevelMessages =
    std::tuple<ApiVersionsRequest, ApiVersionsResponse, MetadataRequest, MetadataResponse,
               OffsetCommitRequest, OffsetCommitResponse, OffsetFetchRequest, OffsetFetchResponse,
               FindCoordinatorRequest, FindCoordinatorResponse, JoinGroupRequest, JoinGroupResponse,
               HeartbeatRequest, HeartbeatResponse, LeaveGroupRequest, LeaveGroupResponse,
               SyncGroupRequest, SyncGroupResponse, DescribeGroupsRequest, DescribeGroupsResponse,
               ListGroupsRequest, ListGroupsResponse, DeleteGroupsRequest, DeleteGroupsResponse,
               OffsetDeleteRequest, OffsetDeleteResponse, ListOffsetsRequest, ListOffsetsResponse,
               FetchRequest, FetchResponse>;

}  // namespace groupwire::kafka
