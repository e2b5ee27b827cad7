// A JoinGroup answered with an error, as Kafka answers it: the member id echoed, generation -1.
#pragma once

#include <string>

#include "groupwire/coordinator/v1/coordinator.pb.h"

namespace groupwire::coordinator {

inline v1::JoinGroupResponse join_error(const std::string& member_id, v1::ErrorCode error) {
  v1::JoinGroupResponse r;
  r.set_error_code(error);
  r.set_member_id(member_id);
  r.set_generation_id(-1);
  return r;
}

}  // namespace groupwire::coordinator
