// Member ids the coordinator hands out: random (version 4) UUIDs in their text form, as Kafka's.
#pragma once

#include <string>

namespace groupwire::coordinator {

std::string random_member_id();

}  // namespace groupwire::coordinator
