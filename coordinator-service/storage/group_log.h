// Where a group partition's records become durable: Kafka's __consumer_offsets partition. The
// state machine appends and acts on the outcome; it never waits, so heartbeats keep flowing while
// a write is in flight. SqliteStore is the embedded default implementation.
#pragma once

#include <functional>

#include "groupwire/coordinator/v1/coordinator.pb.h"
#include "storage/records.h"

namespace groupwire::coordinator {

class GroupLog {
 public:
  // NONE once the batch is durable, else the Kafka error the failed write maps to
  // (COORDINATOR_NOT_AVAILABLE or NOT_COORDINATOR). Called in append order, on the thread the
  // implementation names: the store's own, or a partition's for the log Partitions hands it.
  using Done = std::function<void(v1::ErrorCode)>;

  virtual ~GroupLog() = default;
  virtual void append(WriteBatch batch, Done done) = 0;
};

}  // namespace groupwire::coordinator
