#include "logging.h"

#include <spdlog/sinks/stdout_sinks.h>

namespace groupwire {

std::optional<spdlog::level::level_enum> parse_log_level(std::string_view name) {
  auto level = spdlog::level::from_str(std::string(name));
  // from_str maps anything unknown to "off": only accept "off" when it was asked for.
  if (level == spdlog::level::off && name != "off") return std::nullopt;
  return level;
}

void init_logging(std::string_view program, spdlog::level::level_enum level) {
  auto logger = spdlog::stderr_logger_mt(std::string(program));
  logger->set_pattern("%Y-%m-%dT%H:%M:%S.%e %^%l%$ [%n] %v");
  logger->set_level(level);
  logger->flush_on(spdlog::level::trace);
  spdlog::set_default_logger(logger);
}

}  // namespace groupwire
