// ResetOffsets' arithmetic: which offset each partition moves to, as Kafka's
// kafka-consumer-groups.sh --reset-offsets computes it. Pure; the service applies the result.
#pragma once

#include <vector>

#include <grpcpp/support/status.h>

#include "admin/group_view.h"

namespace groupwire::coordinator::admin {

// Fills `changes` (one per partition, ordered) or answers INVALID_ARGUMENT saying what is
// missing: no target, no partitions, an end offset the target needs, nothing to shift from.
// Targets are bounded by the earliest and latest offsets where the request supplies them.
grpc::Status plan_reset(const Offsets* committed, const apb::ResetOffsetsRequest& req,
                        std::vector<apb::OffsetChange>& changes);

}  // namespace groupwire::coordinator::admin
