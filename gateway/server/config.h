// The gateway's command line: the contract that tests, docs and deploy files rely on.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <spdlog/common.h>

#include "host_port.h"
#include "logging.h"
#include "options.h"
#include "secrets/client_tls.h"

namespace groupwire::gateway {

struct TopicSpec {
  std::string name;
  std::int32_t partitions = 1;
};

// PEM files of a TLS listener: its certificate chain and key, and the CA that signs the client
// certificates it requires (optional).
struct TlsFiles {
  std::string certificate;
  std::string key;
  std::optional<std::string> client_ca;
};

struct UpstreamSaslConfig {
  std::string mechanism;
  std::string user;
  std::string password;  // from --upstream-sasl-password-file or the environment, never a flag
};

struct GatewayConfig {
  HostPort listen{"127.0.0.1", 9092};
  std::optional<HostPort> advertise;  // defaults to the bound listen address
  std::vector<HostPort> coordinator{{"127.0.0.1", 9093}};
  // Deadline of coordinator calls other than the JoinGroup and SyncGroup long-polls.
  std::chrono::milliseconds coordinator_timeout{5000};
  // One Calls stream per channel. One is fastest on small machines: every call that queues
  // meanwhile rides in the same batch, one gRPC message and one coordinator wake-up for all of
  // them.
  std::size_t coordinator_channels = 1;
  // TLS to the coordinators (--coordinator-tls-*): the CA their certificates chain to, and the
  // client certificate they ask gateways for. None: plaintext.
  std::optional<ClientTls> coordinator_tls;
  std::optional<std::int32_t> node_id;  // defaults to one derived from the advertised address
  spdlog::level::level_enum log_level = spdlog::level::info;
  std::size_t max_frame_bytes = 100 * 1024 * 1024;  // Kafka's socket.request.max.bytes
  std::size_t max_connections = 10000;
  std::chrono::milliseconds idle_timeout{600000};  // Kafka's connections.max.idle.ms
  std::chrono::milliseconds frame_timeout{30000};
  std::size_t threads = 2;
  std::vector<TopicSpec> topics;
  std::vector<HostPort> upstream;  // empty: catalog mode
  int broker_port_base = 0;        // upstream broker N listens on BASE+N; 0: free ports
  std::chrono::milliseconds upstream_timeout{30000};
  std::chrono::milliseconds upstream_refresh{30000};
  LogFormat log_format = LogFormat::Text;
  std::optional<HostPort> metrics_listen;  // Prometheus /metrics over HTTP; none: not served
  std::optional<HostPort> health_listen;   // the HTTP /healthz and /readyz endpoint; off if empty
  // SIGTERM: how long in-flight requests may take to finish before connections are closed.
  std::chrono::milliseconds shutdown_timeout{10000};

  // Security of the Kafka listeners: TLS, SASL and ACLs. Files are re-read when they change.
  std::optional<TlsFiles> tls;
  std::vector<std::string> sasl_mechanisms;            // empty: no SASL
  std::optional<std::string> sasl_users;               // the salted credentials file
  std::chrono::milliseconds sasl_session_lifetime{0};  // Kafka's connections.max.reauth.ms
  std::optional<std::string> acl_file;
  std::chrono::milliseconds reload_interval{5000};  // how often changed files are noticed

  // The gateway's own login to the upstream.
  bool upstream_tls = false;
  std::optional<std::string> upstream_tls_ca;  // none: the system's trusted CAs
  std::optional<UpstreamSaslConfig> upstream_sasl;
};

using ParsedArgs = groupwire::ParsedOptions<GatewayConfig>;

// The upstream password, when no --upstream-sasl-password-file names a file.
inline constexpr char kUpstreamPasswordVariable[] = "GROUPWIRE_GATEWAY_UPSTREAM_SASL_PASSWORD";

// Flags first, then GROUPWIRE_GATEWAY_* variables of `env` for the flags not given.
ParsedArgs parse_gateway_args(int argc, const char* const argv[],
                              const Environment& env = process_environment());

}  // namespace groupwire::gateway
