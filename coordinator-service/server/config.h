// The coordinator's command line: the contract that tests, docs and deploy files rely on.
#pragma once

#include <chrono>
#include <cstddef>
#include <optional>
#include <string>

#include <spdlog/common.h>

#include "group/group_config.h"
#include "host_port.h"
#include "logging.h"
#include "options.h"

namespace groupwire::coordinator {

// The gRPC port over TLS, as PEM text read from --grpc-tls-cert and --grpc-tls-key; with
// client_ca_pem (--grpc-client-ca) client certificates are asked for and must chain to it.
struct GrpcTls {
  std::string cert_pem;
  std::string key_pem;
  std::optional<std::string> client_ca_pem;
};

struct CoordinatorConfig {
  HostPort listen{"127.0.0.1", 9093};
  std::size_t group_partitions = 50;  // Kafka's offsets.topic.num.partitions
  std::size_t threads = 2;            // workers the partitions are spread over
  spdlog::level::level_enum log_level = spdlog::level::info;
  std::string data_dir = "groupwire-data";  // holds the SQLite database
  // A PostgreSQL connection string or URI: the store instead of SQLite in data_dir.
  std::optional<std::string> postgres;
  // With postgres, a cluster: how long a partition lease holds without renewal, and the address
  // other processes reach this coordinator at (its id in the leases; default: the listen address).
  std::chrono::milliseconds lease{10000};
  std::optional<HostPort> advertise;
  bool fsync = true;  // false only for measuring what durability costs
  GroupConfig group;
  // SIGTERM: how long in-flight calls may take to finish before they are cancelled.
  std::chrono::milliseconds shutdown_timeout{10000};
  LogFormat log_format = LogFormat::Text;
  std::optional<HostPort> metrics_listen;  // Prometheus /metrics over HTTP; none: not served
  std::optional<HostPort> console_listen;  // the web console over HTTP; none: not served
  // A Kafka bootstrap to read end offsets from, for lag; none: lag is not known.
  std::optional<std::string> lag_bootstrap;
  std::chrono::milliseconds lag_interval{10000};
  std::optional<GrpcTls> grpc_tls;  // none: plaintext
  // The Admin service's bearer token: a file, re-read when it changes, or the token itself
  // (the environment variable kAdminTokenVariable). Neither: no token is accepted.
  std::optional<std::string> admin_token_file;
  std::optional<std::string> admin_token;
};

// The variable holding the admin token itself, for deployments that inject secrets as
// variables. Not a flag: a token on the command line would show in every process listing.
inline constexpr char kAdminTokenVariable[] = "GROUPWIRE_COORDINATOR_ADMIN_TOKEN";

using ParsedArgs = groupwire::ParsedOptions<CoordinatorConfig>;

// Flags first, then GROUPWIRE_COORDINATOR_* variables of `env` for the flags not given.
ParsedArgs parse_coordinator_args(int argc, const char* const argv[],
                                  const Environment& env = process_environment());

}  // namespace groupwire::coordinator
