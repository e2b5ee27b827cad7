// Process-wide logging setup shared by both binaries.
#pragma once

#include <optional>
#include <string_view>

#include <spdlog/spdlog.h>

namespace groupwire {

// Parses trace|debug|info|warn|error|critical|off; nullopt for anything else.
std::optional<spdlog::level::level_enum> parse_log_level(std::string_view name);

// Logs go to stderr with a timestamp, level and thread id.
void init_logging(std::string_view program, spdlog::level::level_enum level);

}  // namespace groupwire
