#include "server/config.h"

#include <charconv>

#include <fmt/format.h>
#include <boost/program_options.hpp>

#include "command_line.h"
#include "logging.h"

namespace groupwire::gateway {

namespace po = boost::program_options;

namespace {

template <class Int>
Int positive_flag(const po::variables_map& vm, const char* flag) {
  auto v = vm[flag].as<long long>();
  if (v <= 0) throw BadOption{flag, fmt::format("must be positive, got {}", v)};
  return static_cast<Int>(v);
}

TopicSpec topic_flag(const std::string& text) {
  auto colon = text.rfind(':');
  std::int32_t partitions = 0;
  if (colon != std::string::npos && colon > 0) {
    const char* end = text.data() + text.size();
    auto [p, ec] = std::from_chars(text.data() + colon + 1, end, partitions);
    if (ec == std::errc() && p == end && partitions > 0) return {text.substr(0, colon), partitions};
  }
  throw BadOption{"topic", fmt::format("'{}' is not NAME:PARTITIONS with PARTITIONS > 0", text)};
}

}  // namespace

ParsedArgs parse_gateway_args(int argc, const char* const argv[], const Environment& env) {
  GatewayConfig c;
  po::options_description opts("groupwire-gateway options");
  opts.add_options()("help", "print this help and exit")(
      "listen", po::value<std::string>()->default_value(c.listen.to_string()),
      "HOST:PORT to accept Kafka clients on (port 0 picks a free port)")(
      "advertise", po::value<std::string>(),
      "HOST:PORT that Metadata and FindCoordinator name (default: the bound listen address)")(
      "coordinator", po::value<std::string>()->default_value(c.coordinator.front().to_string()),
      "HOST:PORT[,HOST:PORT...] of the coordinator service (gRPC): one coordinator, or any of a "
      "cluster's (a name may resolve to several addresses); the gateway asks them which "
      "coordinator serves each group")(
      "coordinator-timeout-ms",
      po::value<long long>()->default_value(c.coordinator_timeout.count()),
      "deadline of coordinator calls (JoinGroup adds it to the rebalance timeout; SyncGroup "
      "waits at least 5 minutes)")(
      "coordinator-channels",
      po::value<long long>()->default_value(static_cast<long long>(c.coordinator_channels)),
      "gRPC channels to the coordinator, one Calls stream each; groups are spread over them")(
      "coordinator-tls-ca", po::value<std::string>(),
      "FILE: speak TLS to the coordinators, trusting these CA certificates (PEM; default: the "
      "system's)")("coordinator-tls-cert", po::value<std::string>(),
                   "FILE: speak TLS to the coordinators and present this client certificate "
                   "(PEM; with --coordinator-tls-key)")(
      "coordinator-tls-key", po::value<std::string>(),
      "FILE: the private key of --coordinator-tls-cert (PEM)")(
      "node-id", po::value<long long>(),
      "broker id this gateway reports (default: derived from the advertised address)")(
      "log-level", po::value<std::string>()->default_value("info"),
      "trace|debug|info|warn|error|critical|off")(
      "log-format", po::value<std::string>()->default_value("text"), "text|json")(
      "metrics-listen", po::value<std::string>(),
      "HOST:PORT to serve Prometheus metrics on (GET /metrics); port 0 picks a free port")(
      "max-frame-bytes",
      po::value<long long>()->default_value(static_cast<long long>(c.max_frame_bytes)),
      "largest request frame accepted; a larger one closes the connection")(
      "max-connections",
      po::value<long long>()->default_value(static_cast<long long>(c.max_connections)),
      "connections beyond this are closed on accept")(
      "idle-timeout-ms", po::value<long long>()->default_value(c.idle_timeout.count()),
      "close a connection with no request in flight after this long without bytes")(
      "frame-timeout-ms", po::value<long long>()->default_value(c.frame_timeout.count()),
      "close a connection whose started frame does not complete within this time")(
      "threads", po::value<long long>()->default_value(static_cast<long long>(c.threads)),
      "I/O threads")("topic", po::value<std::vector<std::string>>(),
                     "NAME:PARTITIONS of the topic catalog served by Metadata (repeatable)")(
      "upstream", po::value<std::string>(),
      "HOST:PORT[,HOST:PORT...] of a Kafka-compatible cluster that serves the records; without "
      "it the gateway serves the --topic catalog as empty topics")(
      "broker-port-base", po::value<long long>()->default_value(-1),
      "with --upstream: upstream broker N is reached through this gateway's port BASE+N (0: free "
      "ports; default: the listen port + 1000)")(
      "upstream-timeout-ms", po::value<long long>()->default_value(c.upstream_timeout.count()),
      "an upstream broker that does not answer within this closes the client's connection")(
      "upstream-refresh-ms", po::value<long long>()->default_value(c.upstream_refresh.count()),
      "how often the upstream's topics are re-read to validate offset commits")(
      "health-listen", po::value<std::string>(),
      "HOST:PORT of the HTTP health endpoint: GET /healthz (serving) and /readyz (accepting, "
      "coordinator connected); off without it")(
      "shutdown-timeout-ms", po::value<long long>()->default_value(c.shutdown_timeout.count()),
      "on SIGTERM, how long in-flight requests may take to finish before connections close");

  OptionReader reader("groupwire-gateway", "GROUPWIRE_GATEWAY_", env);
  po::variables_map vm;
  try {
    reader.read(argc, argv, opts, vm);
    if (vm.count("help")) return {std::nullopt, reader.help(opts), 0};

    c.listen = host_port_flag(vm, "listen");
    if (vm.count("advertise")) c.advertise = host_port_flag(vm, "advertise");
    c.coordinator = host_ports_flag(vm, "coordinator");
    c.coordinator_timeout =
        std::chrono::milliseconds(positive_flag<std::int64_t>(vm, "coordinator-timeout-ms"));
    c.coordinator_channels = positive_flag<std::size_t>(vm, "coordinator-channels");
    c.coordinator_tls =
        client_tls_flags(vm, "coordinator-tls-ca", "coordinator-tls-cert", "coordinator-tls-key");
    if (vm.count("node-id")) {
      auto id = vm["node-id"].as<long long>();
      if (id < 0 || id > INT32_MAX) throw BadOption{"node-id", fmt::format("out of range: {}", id)};
      c.node_id = static_cast<std::int32_t>(id);
    }
    auto level = parse_log_level(vm["log-level"].as<std::string>());
    if (!level) {
      throw BadOption{"log-level",
                      fmt::format("unknown level '{}'", vm["log-level"].as<std::string>())};
    }
    c.log_level = *level;
    auto format = parse_log_format(vm["log-format"].as<std::string>());
    if (!format) throw BadOption{"log-format", "must be text or json"};
    c.log_format = *format;
    if (vm.count("metrics-listen")) c.metrics_listen = host_port_flag(vm, "metrics-listen");
    c.max_frame_bytes = positive_flag<std::size_t>(vm, "max-frame-bytes");
    c.max_connections = positive_flag<std::size_t>(vm, "max-connections");
    c.idle_timeout = std::chrono::milliseconds(positive_flag<std::int64_t>(vm, "idle-timeout-ms"));
    c.frame_timeout =
        std::chrono::milliseconds(positive_flag<std::int64_t>(vm, "frame-timeout-ms"));
    c.threads = positive_flag<std::size_t>(vm, "threads");
    if (vm.count("topic")) {
      for (const auto& t : vm["topic"].as<std::vector<std::string>>())
        c.topics.push_back(topic_flag(t));
    }
    if (vm.count("upstream")) c.upstream = host_ports_flag(vm, "upstream");
    auto base = vm["broker-port-base"].as<long long>();
    if (base < -1 || base > 65535) {
      throw BadOption{"broker-port-base", fmt::format("out of range: {}", base)};
    }
    c.broker_port_base = base == -1 ? c.listen.port + 1000 : static_cast<int>(base);
    c.upstream_timeout =
        std::chrono::milliseconds(positive_flag<std::int64_t>(vm, "upstream-timeout-ms"));
    c.upstream_refresh =
        std::chrono::milliseconds(positive_flag<std::int64_t>(vm, "upstream-refresh-ms"));
    if (vm.count("health-listen")) c.health_listen = host_port_flag(vm, "health-listen");
    c.shutdown_timeout =
        std::chrono::milliseconds(positive_flag<std::int64_t>(vm, "shutdown-timeout-ms"));
  } catch (const BadOption& e) {
    return reader.failure<GatewayConfig>(e);
  } catch (const po::error& e) {
    return reader.failure<GatewayConfig>(e);
  }
  return {std::move(c), {}, 0};
}

}  // namespace groupwire::gateway
