// Admin messages as the console's JSON: protobuf's JSON mapping with the proto's field names,
// defaults printed, enums by name (int64 become strings, as the mapping says).
#pragma once

#include <string>

#include <google/protobuf/message.h>

namespace groupwire::coordinator::console {

std::string to_json(const google::protobuf::Message& message);

}  // namespace groupwire::coordinator::console
