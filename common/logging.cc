#include "logging.h"

#include <chrono>

#include <fmt/chrono.h>
#include <fmt/format.h>
#include <spdlog/sinks/stdout_sinks.h>

namespace groupwire {

namespace {

void append_json_string(std::string& out, std::string_view s) {
  out += '"';
  for (char c : s) {
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      default:
        if (static_cast<unsigned char>(c) < 0x20) {
          out += fmt::format("\\u{:04x}", static_cast<unsigned>(c));
        } else {
          out += c;
        }
    }
  }
  out += '"';
}

// The group a message is about: "group <id>: ..." (the id is up to the first ": ").
std::optional<std::string_view> group_of(std::string_view message) {
  constexpr std::string_view kPrefix = "group ";
  if (message.substr(0, kPrefix.size()) != kPrefix) return std::nullopt;
  auto end = message.find(": ", kPrefix.size());
  if (end == std::string_view::npos) return std::nullopt;
  return message.substr(kPrefix.size(), end - kPrefix.size());
}

class JsonFormatter final : public spdlog::formatter {
 public:
  void format(const spdlog::details::log_msg& msg, spdlog::memory_buf_t& dest) override {
    auto since_epoch = msg.time.time_since_epoch();
    auto seconds = std::chrono::duration_cast<std::chrono::seconds>(since_epoch);
    auto millis = std::chrono::duration_cast<std::chrono::milliseconds>(since_epoch - seconds);
    std::string time =
        fmt::format("{:%Y-%m-%dT%H:%M:%S}.{:03}Z",
                    fmt::gmtime(static_cast<std::time_t>(seconds.count())), millis.count());
    auto level = spdlog::level::to_string_view(msg.level);
    std::string line =
        json_log_line(time, std::string_view(level.data(), level.size()),
                      std::string_view(msg.logger_name.data(), msg.logger_name.size()),
                      msg.thread_id, std::string_view(msg.payload.data(), msg.payload.size()));
    line += '\n';
    dest.append(line.data(), line.data() + line.size());
  }
  std::unique_ptr<spdlog::formatter> clone() const override {
    return std::make_unique<JsonFormatter>();
  }
};

}  // namespace

std::optional<spdlog::level::level_enum> parse_log_level(std::string_view name) {
  auto level = spdlog::level::from_str(std::string(name));
  // from_str maps anything unknown to "off": only accept "off" when it was asked for.
  if (level == spdlog::level::off && name != "off") return std::nullopt;
  return level;
}

std::optional<LogFormat> parse_log_format(std::string_view name) {
  if (name == "text") return LogFormat::Text;
  if (name == "json") return LogFormat::Json;
  return std::nullopt;
}

std::string json_log_line(std::string_view time_utc, std::string_view level,
                          std::string_view logger, std::size_t thread, std::string_view message) {
  std::string out = "{\"time\":";
  append_json_string(out, time_utc);
  out += ",\"level\":";
  append_json_string(out, level);
  out += ",\"logger\":";
  append_json_string(out, logger);
  out += fmt::format(",\"thread\":{}", thread);
  if (auto group = group_of(message)) {
    out += ",\"group\":";
    append_json_string(out, *group);
  }
  out += ",\"msg\":";
  append_json_string(out, message);
  out += '}';
  return out;
}

void init_logging(std::string_view program, spdlog::level::level_enum level, LogFormat format) {
  auto logger = spdlog::stderr_logger_mt(std::string(program));
  if (format == LogFormat::Json) {
    logger->set_formatter(std::make_unique<JsonFormatter>());
  } else {
    logger->set_pattern("%Y-%m-%dT%H:%M:%S.%e %^%l%$ [%n] %v");
  }
  logger->set_level(level);
  logger->flush_on(spdlog::level::trace);
  spdlog::set_default_logger(logger);
}

}  // namespace groupwire
