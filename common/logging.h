// Process-wide logging setup shared by both binaries.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include <spdlog/spdlog.h>

namespace groupwire {

// Parses trace|debug|info|warn|error|critical|off; nullopt for anything else.
std::optional<spdlog::level::level_enum> parse_log_level(std::string_view name);

// text: "TIME LEVEL [program] message". json: one object per line with time (UTC), level,
// logger, thread, msg, and group for lines about a group (those whose message starts
// "group <id>: ", the form every group-related line takes).
enum class LogFormat { Text, Json };
std::optional<LogFormat> parse_log_format(std::string_view name);

// Logs go to stderr.
void init_logging(std::string_view program, spdlog::level::level_enum level,
                  LogFormat format = LogFormat::Text);

// The JSON line for one message, without the newline: what LogFormat::Json writes.
std::string json_log_line(std::string_view time_utc, std::string_view level,
                          std::string_view logger, std::size_t thread, std::string_view message);

}  // namespace groupwire
