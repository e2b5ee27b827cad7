// Every top-level Kafka message the gateway decodes or encodes, for code that handles them all.
#pragma once

#include <tuple>

#include "kafka/codec/messages/api_versions.h"
#include "kafka/codec/messages/consumer_group_describe.h"
#include "kafka/codec/messages/consumer_group_heartbeat.h"
#include "kafka/codec/messages/consumer_protocol.h"
#include "kafka/codec/messages/delete_groups.h"
#include "kafka/codec/messages/describe_groups.h"
#include "kafka/codec/messages/fetch.h"
#include "kafka/codec/messages/find_coordinator.h"
#include "kafka/codec/messages/heartbeat.h"
#include "kafka/codec/messages/join_group.h"
#include "kafka/codec/messages/leave_group.h"
#include "kafka/codec/messages/list_groups.h"
#include "kafka/codec/messages/list_offsets.h"
#include "kafka/codec/messages/metadata.h"
#include "kafka/codec/messages/offset_commit.h"
#include "kafka/codec/messages/offset_delete.h"
#include "kafka/codec/messages/offset_fetch.h"
#include "kafka/codec/messages/produce.h"
#include "kafka/codec/messages/sasl_authenticate.h"
#include "kafka/codec/messages/sasl_handshake.h"
#include "kafka/codec/messages/sync_group.h"

namespace groupwire::kafka {

using AllTopLevelMessages =
    std::tuple<ApiVersionsRequest, ApiVersionsResponse, MetadataRequest, MetadataResponse,
               OffsetCommitRequest, OffsetCommitResponse, OffsetFetchRequest, OffsetFetchResponse,
               FindCoordinatorRequest, FindCoordinatorResponse, JoinGroupRequest, JoinGroupResponse,
               HeartbeatRequest, HeartbeatResponse, LeaveGroupRequest, LeaveGroupResponse,
               SyncGroupRequest, SyncGroupResponse, DescribeGroupsRequest, DescribeGroupsResponse,
               ListGroupsRequest, ListGroupsResponse, DeleteGroupsRequest, DeleteGroupsResponse,
               OffsetDeleteRequest, OffsetDeleteResponse, ListOffsetsRequest, ListOffsetsResponse,
               FetchRequest, FetchResponse, SaslHandshakeRequest, SaslHandshakeResponse,
               SaslAuthenticateRequest, SaslAuthenticateResponse, ProduceRequest, ProduceResponse,
               ConsumerGroupHeartbeatRequest, ConsumerGroupHeartbeatResponse,
               ConsumerGroupDescribeRequest, ConsumerGroupDescribeResponse>;

}  // namespace groupwire::kafka
