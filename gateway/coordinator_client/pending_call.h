// A call sent on a Calls stream and not yet answered, as the stream sees it: something to
// complete exactly once, with its answer or with why there is none.
#pragma once

#include <grpcpp/grpcpp.h>

#include "groupwire/coordinator/v1/coordinator.pb.h"

namespace groupwire::gateway {

namespace pb = groupwire::coordinator::v1;

class PendingCall {
 public:
  virtual ~PendingCall() = default;
  // `answer` is null unless the status is OK. Runs on a gRPC thread or the deadline thread,
  // never under a lock of the stream's.
  virtual void complete(const grpc::Status& status, pb::Answer* answer) = 0;
};

}  // namespace groupwire::gateway
