// Standard base64 (RFC 4648 section 4, padded), as SCRAM messages and the --sasl-users file use it.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace groupwire::security {

std::string base64_encode(std::string_view bytes);

// nullopt unless text is canonical padded base64: no whitespace, no missing padding.
std::optional<std::string> base64_decode(std::string_view text);

}  // namespace groupwire::security
