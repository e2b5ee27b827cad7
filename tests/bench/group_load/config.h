// The load generator's command line.
#pragma once

#include <sys/types.h>
#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include "group_load/consumer_membership.h"
#include "host_port.h"
#include "kafka/codec/schema.h"
#include "upstream/upstream_login.h"

namespace groupwire::bench {

using Millis = std::chrono::milliseconds;

enum class Mode {
  Groups,      // members join, sync, heartbeat in a closed loop, leave
  Heartbeats,  // heartbeats only, no group: against the echo server
  Idle,        // connections that say ApiVersions once and then hold still
};

// How members of a group coordinate (Groups mode).
enum class Protocol {
  Classic,   // JoinGroup, SyncGroup, Heartbeat, LeaveGroup
  Consumer,  // ConsumerGroupHeartbeat (KIP-848)
};

struct WatchedProcess {
  std::string name;
  pid_t pid = 0;
};

struct Config {
  HostPort bootstrap;
  Mode mode = Mode::Groups;
  Protocol protocol = Protocol::Classic;
  int groups = 1;
  int members = 1;       // per group
  int late_members = 0;  // per group, joining once every group is Stable
  // Each late member joins at a random moment this long after every group is Stable, rather
  // than in step with the other members' heartbeats.
  Millis late_join_spread{0};
  // The topic members subscribe to. Looked up (Metadata: its id and partitions) when named with
  // --topic; otherwise classic leaders assign nothing.
  std::string topic = "bench";
  bool look_up_topic = false;
  // Consumer: check every Stable group with ConsumerGroupDescribe. Off for a peer that lacks it
  // (librdkafka's mock): Stable is then only as the members see it.
  bool describe = true;
  TopicRegex topic_regex = TopicRegex::Null;  // consumer
  int connections = 0;                        // Idle mode
  int pipeline = 1;                           // heartbeats in flight per member
  int threads = 1;
  Millis duration{5000};  // the measured heartbeat window (Idle: how long connections are held)
  Millis warmup{500};     // after every group is Stable, before the window opens
  Millis session_timeout{30000};
  Millis rebalance_timeout{30000};
  // How often a member waiting for the other groups to become Stable heartbeats: it learns of
  // a rebalance only that way.
  Millis join_heartbeat{100};
  Millis join_timeout{60000};
  kafka::ApiVersion heartbeat_version = 4;  // Heartbeats mode (nothing to negotiate with)
  // Connections being opened at once: librdkafka's mock listens with a backlog of 5, and a
  // connection beyond it waits for a SYN retransmission (a second or more).
  int connect_concurrency = 4;
  int loopback_sources = 1;  // bind connections round-robin to 127.0.0.1, 127.0.0.2, ...
  // TLS, trusting these CA certificates (PEM); every broker's certificate must name its host.
  std::optional<std::string> tls_ca_pem;
  std::optional<gateway::UpstreamCredentials> sasl;  // every connection logs in first
  std::vector<WatchedProcess> processes;
  std::string group_prefix;  // default: unique per run
  std::string label;
  bool json = false;
  // Once every group is Stable: print "stable" on stderr and keep the members (heartbeating
  // every join_heartbeat) until standard input ends, then sample the processes again. Lets
  // several generators, one per gateway, hold more members at once than one process may open.
  bool hold_stable = false;

  int total_connections() const {
    return mode == Mode::Idle ? connections : groups * (members + late_members);
  }
};

struct ParsedArgs {
  std::optional<Config> config;  // nullopt: print message and exit with exit_code
  std::string message;
  int exit_code = 0;
};

ParsedArgs parse_args(int argc, const char* const argv[]);

}  // namespace groupwire::bench
