// groupwire-dev-upstream: librdkafka's mock Kafka cluster as a standalone broker process, for
// development and tests. Its brokers listen on random loopback ports (librdkafka 2.0.2 cannot
// fix them); the one line "bootstrap HOST:PORT,..." on stdout says where. It runs until SIGINT
// or SIGTERM. The mock keeps everything in memory and implements only part of the protocol:
// ApiVersions lists what it serves; an API or version outside that closes the connection, and
// Metadata creates unknown topics (4 partitions).
#include <pthread.h>
#include <csignal>
#include <cstdio>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include <fmt/format.h>
#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>
#include <spdlog/spdlog.h>
#include <boost/program_options.hpp>

#include "logging.h"
#include "options.h"

namespace {

namespace po = boost::program_options;

constexpr const char* kProgram = "groupwire-dev-upstream";

struct TopicSpec {
  std::string name;
  int partitions = 0;
};

struct Config {
  int brokers = 3;
  std::vector<TopicSpec> topics;
  spdlog::level::level_enum log_level = spdlog::level::info;
};

using ParsedArgs = groupwire::ParsedOptions<Config>;
using groupwire::BadOption;

bool legal_topic_name(const std::string& name) {
  // Kafka's rule: 1-249 characters of [a-zA-Z0-9._-], and not "." or "..".
  if (name.empty() || name.size() > 249 || name == "." || name == "..") return false;
  for (char ch : name) {
    bool ok = (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
              ch == '.' || ch == '_' || ch == '-';
    if (!ok) return false;
  }
  return true;
}

TopicSpec topic_flag(const std::string& text) {
  auto colon = text.rfind(':');
  if (colon != std::string::npos) {
    std::string name = text.substr(0, colon);
    std::string count = text.substr(colon + 1);
    std::size_t used = 0;
    long long partitions = 0;
    try {
      partitions = std::stoll(count, &used);
    } catch (const std::exception&) {
      used = 0;
    }
    if (legal_topic_name(name) && !count.empty() && used == count.size() && partitions > 0 &&
        partitions <= 100000)
      return {name, static_cast<int>(partitions)};
  }
  throw BadOption{"topic", fmt::format("'{}' is not NAME:PARTITIONS (NAME of [a-zA-Z0-9._-], "
                                       "1 <= PARTITIONS <= 100000)",
                                       text)};
}

ParsedArgs parse_args(int argc, const char* const argv[], const groupwire::Environment& env) {
  Config c;
  po::options_description opts("groupwire-dev-upstream options");
  opts.add_options()("help", "print this help and exit")(
      "brokers", po::value<long long>()->default_value(c.brokers),
      "number of mock brokers (ids 1..N), each on a random 127.0.0.1 port")(
      "topic", po::value<std::vector<std::string>>(),
      "NAME:PARTITIONS of a topic to create (repeatable); replication factor 1 is asked "
      "for, but librdkafka 2.0.2's mock makes every broker a replica")(
      "log-level", po::value<std::string>()->default_value("info"),
      "trace|debug|info|warn|error|critical|off (trace also turns on librdkafka's mock "
      "debug log)");

  groupwire::OptionReader reader(kProgram, "GROUPWIRE_DEV_UPSTREAM_", env);
  po::variables_map vm;
  try {
    reader.read(argc, argv, opts, vm);
    if (vm.count("help")) {
      return {std::nullopt,
              reader.help(opts,
                          "Runs librdkafka's mock Kafka cluster on loopback and prints one line,\n"
                          "'bootstrap HOST:PORT,...', to stdout; stops on SIGINT or SIGTERM."),
              0};
    }

    auto brokers = vm["brokers"].as<long long>();
    if (brokers < 1 || brokers > 100)
      throw BadOption{"brokers", fmt::format("must be between 1 and 100, got {}", brokers)};
    c.brokers = static_cast<int>(brokers);

    std::set<std::string> seen;
    if (vm.count("topic")) {
      for (const auto& t : vm["topic"].as<std::vector<std::string>>()) {
        TopicSpec spec = topic_flag(t);
        if (!seen.insert(spec.name).second)
          throw BadOption{"topic", fmt::format("'{}' is given more than once", spec.name)};
        c.topics.push_back(std::move(spec));
      }
    }

    const auto& level_name = vm["log-level"].as<std::string>();
    auto level = groupwire::parse_log_level(level_name);
    if (!level) throw BadOption{"log-level", fmt::format("unknown level '{}'", level_name)};
    c.log_level = *level;
  } catch (const BadOption& e) {
    return reader.failure<Config>(e);
  } catch (const po::error& e) {
    return reader.failure<Config>(e);
  }
  return {std::move(c), {}, 0};
}

// librdkafka logs with syslog levels, from its own threads; spdlog's logger is thread-safe.
void log_from_librdkafka(const rd_kafka_t*, int level, const char* facility, const char* text) {
  // The handle is only the mock cluster's host and never connects anywhere.
  if (std::string_view(facility) == "CONFWARN" &&
      std::string_view(text).find("bootstrap.servers") != std::string_view::npos)
    return;
  spdlog::level::level_enum to = level <= 2   ? spdlog::level::critical
                                 : level == 3 ? spdlog::level::err
                                 : level == 4 ? spdlog::level::warn
                                 : level <= 6 ? spdlog::level::info
                                              : spdlog::level::debug;
  spdlog::log(to, "librdkafka {}: {}", facility, text);
}

// The syslog level librdkafka should log at, so it does not format what spdlog would drop.
int librdkafka_log_level(spdlog::level::level_enum level) {
  switch (level) {
    case spdlog::level::trace:
    case spdlog::level::debug:
      return 7;
    case spdlog::level::info:
      return 6;
    case spdlog::level::warn:
      return 4;
    case spdlog::level::err:
      return 3;
    default:
      return 2;
  }
}

bool set_conf(rd_kafka_conf_t* conf, const char* name, const std::string& value) {
  char err[512];
  if (rd_kafka_conf_set(conf, name, value.c_str(), err, sizeof err) == RD_KAFKA_CONF_OK)
    return true;
  spdlog::critical("librdkafka config {}={}: {}", name, value, err);
  return false;
}

}  // namespace

int main(int argc, char** argv) {
  ParsedArgs args = parse_args(argc, argv, groupwire::process_environment());
  if (!args.config) {
    std::fputs(args.message.c_str(), args.exit_code == 0 ? stdout : stderr);
    return args.exit_code;
  }
  const Config& config = *args.config;
  groupwire::init_logging(kProgram, config.log_level);

  // Blocked before librdkafka starts its threads, which inherit the mask: the signals stay
  // pending until sigwait below takes them, so a SIGTERM that arrives early still stops cleanly.
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGINT);
  sigaddset(&stop_signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);

  // The mock cluster needs a client handle for its bookkeeping; this producer never sends.
  rd_kafka_conf_t* conf = rd_kafka_conf_new();
  rd_kafka_conf_set_log_cb(conf, log_from_librdkafka);
  if (!set_conf(conf, "client.id", kProgram) ||
      !set_conf(conf, "log_level", std::to_string(librdkafka_log_level(config.log_level))) ||
      (config.log_level == spdlog::level::trace && !set_conf(conf, "debug", "mock"))) {
    rd_kafka_conf_destroy(conf);
    return 1;
  }
  char err[512];
  rd_kafka_t* rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, err, sizeof err);
  if (!rk) {
    spdlog::critical("cannot create the librdkafka handle: {}", err);
    rd_kafka_conf_destroy(conf);
    return 1;
  }

  rd_kafka_mock_cluster_t* cluster = rd_kafka_mock_cluster_new(rk, config.brokers);
  if (!cluster) {
    spdlog::critical("cannot create a mock cluster of {} brokers", config.brokers);
    rd_kafka_destroy(rk);
    return 1;
  }
  for (const auto& topic : config.topics) {
    rd_kafka_resp_err_t e =
        rd_kafka_mock_topic_create(cluster, topic.name.c_str(), topic.partitions, 1);
    if (e != RD_KAFKA_RESP_ERR_NO_ERROR) {
      spdlog::critical("cannot create topic {} ({} partitions): {}", topic.name, topic.partitions,
                       rd_kafka_err2str(e));
      rd_kafka_mock_cluster_destroy(cluster);
      rd_kafka_destroy(rk);
      return 1;
    }
    spdlog::info("topic {}: {} partitions", topic.name, topic.partitions);
  }

  std::string bootstrap = rd_kafka_mock_cluster_bootstraps(cluster);
  // Logged first, so whoever has read the stdout line finds it in the log too.
  spdlog::info("bootstrap {} ({} brokers)", bootstrap, config.brokers);
  std::printf("bootstrap %s\n", bootstrap.c_str());
  std::fflush(stdout);

  int sig = 0;
  while (sigwait(&stop_signals, &sig) != 0) {}
  spdlog::info("signal {}: stopping", sig);

  rd_kafka_mock_cluster_destroy(cluster);
  rd_kafka_destroy(rk);
  spdlog::info("stopped");
  return 0;
}
