// Which group a coordinator call is about, for routing it: a call about one group travels with
// that group's other calls (same coordinator, same stream, in order).
#pragma once

#include <string>

#include "groupwire/coordinator/v1/coordinator.pb.h"

namespace groupwire::gateway {

namespace pb = groupwire::coordinator::v1;

// The group of a single-group call, or of a call spanning groups that names just one; null for
// the others.
template <class Req>
const std::string* group_of(const Req& req) {
  if constexpr (requires { req.group_id(); }) {
    return &req.group_id();
  } else if constexpr (requires { req.groups(0).group_id(); }) {
    return req.groups_size() == 1 ? &req.groups(0).group_id() : nullptr;
  } else if constexpr (requires { req.group_ids(0); }) {
    return req.group_ids_size() == 1 ? &req.group_ids(0) : nullptr;
  } else {
    return nullptr;
  }
}

}  // namespace groupwire::gateway
