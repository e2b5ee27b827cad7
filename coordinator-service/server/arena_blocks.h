// Arena options whose blocks come from a free list shared by the whole process: an arena that is
// reset and reused for every batch costs no allocation once the list holds enough blocks.
#pragma once

#include <google/protobuf/arena.h>

namespace groupwire::coordinator {

// Protobuf arenas keep a block per thread that allocates in them, so an arena filled by several
// threads takes a block for each; its reset (or destruction) hands them back.
google::protobuf::ArenaOptions pooled_arena_options();

}  // namespace groupwire::coordinator
