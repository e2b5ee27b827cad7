#include "server/config.h"

#include <charconv>

#include <fmt/format.h>
#include <boost/program_options.hpp>

#include "command_line.h"
#include "logging.h"
#include "secrets/pem_file.h"

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

constexpr std::string_view kMechanisms[] = {"PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512"};

std::string mechanism_flag(const std::string& flag, const std::string& name) {
  for (auto known : kMechanisms) {
    if (name == known) return name;
  }
  throw BadOption{flag, fmt::format("unknown SASL mechanism '{}' (PLAIN, SCRAM-SHA-256 or "
                                    "SCRAM-SHA-512)",
                                    name)};
}

std::optional<std::string> optional_flag(const po::variables_map& vm, const char* flag) {
  if (!vm.count(flag)) return std::nullopt;
  return vm[flag].as<std::string>();
}

// A flag that needs another: names both.
void requires_flag(const po::variables_map& vm, const char* flag, const char* needed) {
  if (vm.count(flag) && !vm.count(needed)) {
    throw BadOption{flag, fmt::format("needs --{} too", needed)};
  }
}

// A secret's file: its first line, so that `echo secret > file` works.
std::string secret_file(const char* flag, const std::string& path) {
  std::string error;
  auto text = read_secret_file(path, error);
  if (!text) throw BadOption{flag, error};
  return text->substr(0, text->find('\n'));
}

void read_security(const po::variables_map& vm, const Environment& env, GatewayConfig& c) {
  requires_flag(vm, "tls-cert", "tls-key");
  requires_flag(vm, "tls-key", "tls-cert");
  requires_flag(vm, "tls-client-ca", "tls-cert");
  if (vm.count("tls-cert")) {
    c.tls = TlsFiles{vm["tls-cert"].as<std::string>(), vm["tls-key"].as<std::string>(),
                     optional_flag(vm, "tls-client-ca")};
  }
  requires_flag(vm, "sasl-mechanisms", "sasl-users");
  requires_flag(vm, "sasl-users", "sasl-mechanisms");
  if (vm.count("sasl-mechanisms")) {
    for (const auto& m : comma_list(vm["sasl-mechanisms"].as<std::string>())) {
      c.sasl_mechanisms.push_back(mechanism_flag("sasl-mechanisms", m));
    }
    c.sasl_users = vm["sasl-users"].as<std::string>();
  }
  auto lifetime = vm["sasl-session-lifetime-ms"].as<long long>();
  if (lifetime < 0) {
    throw BadOption{"sasl-session-lifetime-ms",
                    fmt::format("must not be negative, got {}", lifetime)};
  }
  c.sasl_session_lifetime = std::chrono::milliseconds(lifetime);
  c.acl_file = optional_flag(vm, "acl-file");
  c.reload_interval =
      std::chrono::milliseconds(positive_flag<std::int64_t>(vm, "reload-interval-ms"));

  c.upstream_tls = vm["upstream-tls"].as<bool>() || vm.count("upstream-tls-ca");
  c.upstream_tls_ca = optional_flag(vm, "upstream-tls-ca");
  requires_flag(vm, "upstream-sasl-mechanism", "upstream-sasl-user");
  requires_flag(vm, "upstream-sasl-user", "upstream-sasl-mechanism");
  if (vm.count("upstream-sasl-mechanism")) {
    UpstreamSaslConfig sasl;
    sasl.mechanism =
        mechanism_flag("upstream-sasl-mechanism", vm["upstream-sasl-mechanism"].as<std::string>());
    sasl.user = vm["upstream-sasl-user"].as<std::string>();
    if (vm.count("upstream-sasl-password-file")) {
      sasl.password = secret_file("upstream-sasl-password-file",
                                  vm["upstream-sasl-password-file"].as<std::string>());
    } else if (auto password = env(kUpstreamPasswordVariable)) {
      sasl.password = *password;
    } else {
      throw BadOption{
          "upstream-sasl-mechanism",
          fmt::format("needs --upstream-sasl-password-file or {}", kUpstreamPasswordVariable)};
    }
    c.upstream_sasl = std::move(sasl);
  }
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
      "on SIGTERM, how long in-flight requests may take to finish before connections close")(
      "tls-cert", po::value<std::string>(),
      "PEM certificate chain: every Kafka listener speaks TLS (re-read when the file changes)")(
      "tls-key", po::value<std::string>(), "PEM private key of --tls-cert")(
      "tls-client-ca", po::value<std::string>(),
      "PEM CA: clients must present a certificate it signed; their principal is User:<subject CN>")(
      "sasl-mechanisms", po::value<std::string>(),
      "SASL mechanisms clients must authenticate with, comma-separated: PLAIN, SCRAM-SHA-256, "
      "SCRAM-SHA-512")(
      "sasl-users", po::value<std::string>(),
      "file of salted SCRAM credentials (groupwire users add); PLAIN is checked against them")(
      "sasl-session-lifetime-ms",
      po::value<long long>()->default_value(c.sasl_session_lifetime.count()),
      "a SASL session ends after this unless the client re-authenticates (KIP-368); 0: never")(
      "acl-file", po::value<std::string>(),
      "ACL rules, one a line: allow|deny PRINCIPAL OPERATION group|topic literal|prefixed NAME; "
      "what no rule allows is denied")(
      "reload-interval-ms", po::value<long long>()->default_value(c.reload_interval.count()),
      "how often certificate, credential and ACL files are checked for changes (also on SIGHUP)")(
      "upstream-tls", po::bool_switch(), "connect to the upstream with TLS")(
      "upstream-tls-ca", po::value<std::string>(),
      "PEM CA that signs the upstream's certificates (implies --upstream-tls; default: the "
      "system's)")("upstream-sasl-mechanism", po::value<std::string>(),
                   "log in to the upstream with this SASL mechanism")(
      "upstream-sasl-user", po::value<std::string>(), "the gateway's user on the upstream")(
      "upstream-sasl-password-file", po::value<std::string>(),
      "file holding the upstream password (or set GROUPWIRE_GATEWAY_UPSTREAM_SASL_PASSWORD)");

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
    read_security(vm, env, c);
  } catch (const BadOption& e) {
    return reader.failure<GatewayConfig>(e);
  } catch (const po::error& e) {
    return reader.failure<GatewayConfig>(e);
  }
  return {std::move(c), {}, 0};
}

}  // namespace groupwire::gateway
