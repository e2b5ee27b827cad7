// The CallBatches a Calls stream reads into, each on an arena of its own: parsing a batch takes
// its calls from the arena's block instead of allocating each call and field, and a batch whose
// calls have all run is reset and read into again.
#pragma once

#include <cstddef>
#include <memory>
#include <mutex>
#include <vector>

#include <google/protobuf/arena.h>

#include "groupwire/coordinator/v1/coordinator.pb.h"

namespace groupwire::coordinator {

namespace pb = groupwire::coordinator::v1;

class ReadBatches final : public std::enable_shared_from_this<ReadBatches> {
 public:
  static std::shared_ptr<ReadBatches> make();
  ~ReadBatches();

  // An empty batch. Whoever holds it may read it; once the last holder lets go it is back here.
  std::shared_ptr<pb::CallBatch> take();

 private:
  ReadBatches();
  struct Slot;
  void give_back(Slot* slot);

  std::mutex mu_;
  std::vector<std::unique_ptr<Slot>> free_;
};

}  // namespace groupwire::coordinator
