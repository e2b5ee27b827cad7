#include "server/config.h"

#include <cstdint>

#include <fmt/format.h>
#include <boost/program_options.hpp>

#include "command_line.h"
#include "group/assignor/partition_assignor.h"
#include "logging.h"
#include "secrets/pem_file.h"

namespace groupwire::coordinator {

namespace po = boost::program_options;

namespace {

// --grpc-tls-cert, --grpc-tls-key, --grpc-client-ca and the admin token. A bearer token needs
// TLS: in plaintext anyone on the path could read it and replay it.
void read_grpc_security(const po::variables_map& vm, const Environment& env, CoordinatorConfig& c) {
  auto cert = pem_file_flag(vm, "grpc-tls-cert");
  auto key = pem_file_flag(vm, "grpc-tls-key");
  auto client_ca = pem_file_flag(vm, "grpc-client-ca");
  if (cert && !key) throw BadOption{"grpc-tls-cert", "needs --grpc-tls-key too"};
  if (key && !cert) throw BadOption{"grpc-tls-key", "needs --grpc-tls-cert too"};
  if (client_ca && !cert)
    throw BadOption{"grpc-client-ca", "needs --grpc-tls-cert and --grpc-tls-key"};
  if (cert) c.grpc_tls = GrpcTls{std::move(*cert), std::move(*key), std::move(client_ca)};

  if (auto variable = env(kAdminTokenVariable)) {
    c.admin_token = trimmed_token(std::move(*variable));
    if (!c.admin_token) {
      throw BadOption{"admin-token-file",
                      fmt::format("the token in {} is empty", kAdminTokenVariable)};
    }
  }
  if (vm.count("admin-token-file")) {
    if (c.admin_token) {
      throw BadOption{"admin-token-file",
                      fmt::format("give it or {}, not both", kAdminTokenVariable)};
    }
    c.admin_token_file = vm["admin-token-file"].as<std::string>();
    std::string error;
    auto text = read_secret_file(*c.admin_token_file, error);
    if (!text) throw BadOption{"admin-token-file", error};
    if (!trimmed_token(std::move(*text))) {
      throw BadOption{"admin-token-file", fmt::format("{} is empty", *c.admin_token_file)};
    }
  }
  if ((c.admin_token || c.admin_token_file) && !c.grpc_tls) {
    throw BadOption{"admin-token-file",
                    fmt::format("an admin token (this flag or {}) needs --grpc-tls-cert and "
                                "--grpc-tls-key: in plaintext it could be read off the network",
                                kAdminTokenVariable)};
  }
}

// The consumer group protocol's settings (KIP-848), with Kafka's ranges.
void read_consumer_protocol(const po::variables_map& vm, GroupConfig& gc) {
  auto protocols = comma_list(vm["group-protocols"].as<std::string>());
  gc.classic_protocol = gc.consumer_protocol = false;
  for (const auto& p : protocols) {
    if (p == "classic") {
      gc.classic_protocol = true;
    } else if (p == "consumer") {
      gc.consumer_protocol = true;
    } else {
      throw BadOption{"group-protocols",
                      fmt::format("unknown protocol '{}' (expected classic, consumer)", p)};
    }
  }
  // Kafka requires the classic protocol: consumers find their coordinator through it.
  if (!gc.classic_protocol) throw BadOption{"group-protocols", "must include classic"};
  gc.consumer_heartbeat_interval = millis_flag(vm, "consumer-heartbeat-interval-ms", 1, INT32_MAX);
  gc.consumer_session_timeout = millis_flag(vm, "consumer-session-timeout-ms", 1, INT32_MAX);
  if (gc.consumer_heartbeat_interval >= gc.consumer_session_timeout) {
    throw BadOption{"consumer-heartbeat-interval-ms",
                    "must be below --consumer-session-timeout-ms"};
  }
  gc.consumer_max_size = static_cast<std::int32_t>(int_flag(vm, "consumer-max-size", 1, INT32_MAX));
  gc.consumer_assignors = comma_list(vm["consumer-assignors"].as<std::string>());
  if (gc.consumer_assignors.empty()) throw BadOption{"consumer-assignors", "must not be empty"};
  for (const auto& name : gc.consumer_assignors) {
    if (!make_assignor(name)) {
      throw BadOption{"consumer-assignors",
                      fmt::format("unknown assignor '{}' (expected uniform, range)", name)};
    }
  }
  const auto policy = vm["consumer-migration-policy"].as<std::string>();
  if (policy == "bidirectional") {
    gc.consumer_migration_policy = ConsumerMigrationPolicy::kBidirectional;
  } else if (policy == "upgrade") {
    gc.consumer_migration_policy = ConsumerMigrationPolicy::kUpgrade;
  } else if (policy == "downgrade") {
    gc.consumer_migration_policy = ConsumerMigrationPolicy::kDowngrade;
  } else if (policy == "disabled") {
    gc.consumer_migration_policy = ConsumerMigrationPolicy::kDisabled;
  } else {
    throw BadOption{"consumer-migration-policy",
                    fmt::format("unknown policy '{}' (expected bidirectional, upgrade, downgrade, "
                                "disabled)",
                                policy)};
  }
}

}  // namespace

ParsedArgs parse_coordinator_args(int argc, const char* const argv[], const Environment& env) {
  CoordinatorConfig c;
  const GroupConfig& g = c.group;
  po::options_description opts("groupwire-coordinator options");
  opts.add_options()("help", "print this help and exit")(
      "listen", po::value<std::string>()->default_value(c.listen.to_string()),
      "HOST:PORT to serve gRPC on (port 0 picks a free port)")(
      "group-partitions",
      po::value<long long>()->default_value(static_cast<long long>(c.group_partitions)),
      "group partitions, like offsets.topic.num.partitions")(
      "threads", po::value<long long>()->default_value(static_cast<long long>(c.threads)),
      "worker threads the group partitions are spread over")(
      "log-level", po::value<std::string>()->default_value("info"),
      "trace|debug|info|warn|error|critical|off")(
      "data-dir", po::value<std::string>()->default_value(c.data_dir),
      "directory of the coordinator's SQLite database (created if missing)")(
      "postgres", po::value<std::string>(),
      "CONNINFO: keep groups and offsets in this PostgreSQL database (a libpq connection string "
      "or postgres:// URI) instead of SQLite in --data-dir; coordinators sharing one database form "
      "a cluster")("lease-ms", po::value<long long>()->default_value(c.lease.count()),
                   "with --postgres: how long a group partition's lease holds without renewal")(
      "advertise", po::value<std::string>(),
      "with --postgres: HOST:PORT gateways reach this coordinator at, its name in the cluster "
      "(default: the listen address)")(
      "fsync", po::value<std::string>()->default_value("true"),
      "true|false: false acknowledges writes before they reach the disk (benchmarks only)")(
      "initial-rebalance-delay-ms",
      po::value<long long>()->default_value(g.initial_rebalance_delay.count()),
      "group.initial.rebalance.delay.ms: how long a new group waits for more members")(
      "min-session-timeout-ms",
      po::value<long long>()->default_value(g.min_session_timeout.count()),
      "group.min.session.timeout.ms: smallest session timeout a member may ask for")(
      "max-session-timeout-ms",
      po::value<long long>()->default_value(g.max_session_timeout.count()),
      "group.max.session.timeout.ms: largest session timeout a member may ask for")(
      "max-group-size", po::value<long long>()->default_value(g.max_group_size),
      "group.max.size: members a group may have")(
      "offset-metadata-max-bytes",
      po::value<long long>()->default_value(static_cast<long long>(g.offset_metadata_max_bytes)),
      "offset.metadata.max.bytes: largest metadata string of a committed offset")(
      "offsets-retention-minutes",
      po::value<long long>()->default_value(g.offsets_retention.count() / 60000),
      "offsets.retention.minutes: how long committed offsets of an empty group are kept")(
      "offsets-retention-check-interval-ms",
      po::value<long long>()->default_value(g.offsets_retention_check_interval.count()),
      "offsets.retention.check.interval.ms: how often expired offsets are removed")(
      "group-protocols", po::value<std::string>()->default_value("classic,consumer"),
      "group.coordinator.rebalance.protocols: the group protocols served, of classic and "
      "consumer (KIP-848: ConsumerGroupHeartbeat)")(
      "consumer-heartbeat-interval-ms",
      po::value<long long>()->default_value(g.consumer_heartbeat_interval.count()),
      "group.consumer.heartbeat.interval.ms: how often consumer-protocol members heartbeat")(
      "consumer-session-timeout-ms",
      po::value<long long>()->default_value(g.consumer_session_timeout.count()),
      "group.consumer.session.timeout.ms: how long a consumer-protocol member may go without a "
      "heartbeat")("consumer-max-size", po::value<long long>()->default_value(g.consumer_max_size),
                   "group.consumer.max.size: members a consumer group may have")(
      "consumer-assignors", po::value<std::string>()->default_value("uniform,range"),
      "group.consumer.assignors: the server-side assignors, of uniform and range; the first is "
      "the default")(
      "consumer-migration-policy", po::value<std::string>()->default_value("bidirectional"),
      "group.consumer.migration.policy: bidirectional|upgrade|downgrade|disabled, which online "
      "conversions between the classic and the consumer protocol a group may make")(
      "log-format", po::value<std::string>()->default_value("text"), "text|json")(
      "metrics-listen", po::value<std::string>(),
      "HOST:PORT to serve Prometheus metrics on (GET /metrics); port 0 picks a free port")(
      "console-listen", po::value<std::string>(),
      "HOST:PORT to serve the web console on (read-only; port 0 picks a free port); off unless "
      "given")(
      "lag-bootstrap", po::value<std::string>(),
      "HOST:PORT[,...] of a Kafka bootstrap (a gateway, or the upstream cluster) to read end "
      "offsets from: lag of the groups served here, in the console, ListGroups and the "
      "groupwire_group_lag metric")(
      "lag-interval-ms", po::value<long long>()->default_value(c.lag_interval.count()),
      "how often the lag of the groups served here is sampled (with --lag-bootstrap)")(
      "shutdown-timeout-ms", po::value<long long>()->default_value(c.shutdown_timeout.count()),
      "on SIGTERM, how long in-flight calls may take to finish before they are cancelled")(
      "grpc-tls-cert", po::value<std::string>(),
      "FILE: the gRPC port speaks TLS with this certificate chain (PEM; with --grpc-tls-key); "
      "also this coordinator's client certificate when it passes an admin call to another")(
      "grpc-tls-key", po::value<std::string>(), "FILE: the private key of --grpc-tls-cert (PEM)")(
      "grpc-client-ca", po::value<std::string>(),
      "FILE: CA certificates (PEM) client certificates must chain to; then the Coordinator "
      "service serves only callers with such a certificate, and the Admin service those or "
      "callers with the admin token. Also the roots other coordinators' certificates must "
      "chain to")(
      "admin-token-file", po::value<std::string>(),
      "FILE holding the bearer token the Admin service accepts, re-read when it changes (needs "
      "TLS); the token itself may instead be in the variable "
      "GROUPWIRE_COORDINATOR_ADMIN_TOKEN");

  OptionReader reader("groupwire-coordinator", "GROUPWIRE_COORDINATOR_", env);
  po::variables_map vm;
  try {
    reader.read(argc, argv, opts, vm);
    if (vm.count("help")) return {std::nullopt, reader.help(opts), 0};

    c.listen = host_port_flag(vm, "listen");
    // Partition numbers are Kafka's int32 hash modulo the count.
    c.group_partitions = static_cast<std::size_t>(int_flag(vm, "group-partitions", 1, INT32_MAX));
    c.threads = static_cast<std::size_t>(int_flag(vm, "threads", 1, 1024));
    auto level = parse_log_level(vm["log-level"].as<std::string>());
    if (!level) {
      throw BadOption{"log-level",
                      fmt::format("unknown level '{}'", vm["log-level"].as<std::string>())};
    }
    c.log_level = *level;
    c.data_dir = vm["data-dir"].as<std::string>();
    if (c.data_dir.empty()) throw BadOption{"data-dir", "must not be empty"};
    c.lease = millis_flag(vm, "lease-ms", 1000, INT32_MAX);
    if (vm.count("advertise")) c.advertise = host_port_flag(vm, "advertise");
    if (vm.count("postgres")) {
      c.postgres = vm["postgres"].as<std::string>();
      if (c.postgres->empty()) throw BadOption{"postgres", "must not be empty"};
    }
    auto fsync = vm["fsync"].as<std::string>();
    if (fsync != "true" && fsync != "false") {
      throw BadOption{"fsync", fmt::format("expected true or false, got '{}'", fsync)};
    }
    c.fsync = fsync == "true";
    auto format = parse_log_format(vm["log-format"].as<std::string>());
    if (!format) throw BadOption{"log-format", "must be text or json"};
    c.log_format = *format;
    if (vm.count("metrics-listen")) c.metrics_listen = host_port_flag(vm, "metrics-listen");
    if (vm.count("console-listen")) c.console_listen = host_port_flag(vm, "console-listen");
    if (vm.count("lag-bootstrap")) {
      c.lag_bootstrap = vm["lag-bootstrap"].as<std::string>();
      if (c.lag_bootstrap->empty()) throw BadOption{"lag-bootstrap", "must not be empty"};
    }
    c.lag_interval = millis_flag(vm, "lag-interval-ms", 100, INT32_MAX);

    // Ranges follow Kafka's config definitions (INT settings, and their validators). The check
    // interval is a LONG in Kafka; capped here so it converts to a steady_clock duration safely.
    GroupConfig& gc = c.group;
    gc.initial_rebalance_delay = millis_flag(vm, "initial-rebalance-delay-ms", 0, INT32_MAX);
    gc.min_session_timeout = millis_flag(vm, "min-session-timeout-ms", 0, INT32_MAX);
    gc.max_session_timeout = millis_flag(vm, "max-session-timeout-ms", 0, INT32_MAX);
    if (gc.min_session_timeout > gc.max_session_timeout) {
      throw BadOption{
          "min-session-timeout-ms",
          fmt::format("{} is above {} {}", gc.min_session_timeout.count(),
                      reader.origin("max-session-timeout-ms"), gc.max_session_timeout.count())};
    }
    gc.max_group_size = static_cast<std::int32_t>(int_flag(vm, "max-group-size", 1, INT32_MAX));
    gc.offset_metadata_max_bytes =
        static_cast<std::size_t>(int_flag(vm, "offset-metadata-max-bytes", 0, INT32_MAX));
    gc.offsets_retention =
        Millis(int_flag(vm, "offsets-retention-minutes", 1, INT32_MAX) * 60 * 1000);
    gc.offsets_retention_check_interval =
        millis_flag(vm, "offsets-retention-check-interval-ms", 1, INT32_MAX);
    read_consumer_protocol(vm, gc);
    c.shutdown_timeout = millis_flag(vm, "shutdown-timeout-ms", 1, INT32_MAX);
    read_grpc_security(vm, env, c);
  } catch (const BadOption& e) {
    return reader.failure<CoordinatorConfig>(e);
  } catch (const po::error& e) {
    return reader.failure<CoordinatorConfig>(e);
  }
  return {std::move(c), {}, 0};
}

}  // namespace groupwire::coordinator
