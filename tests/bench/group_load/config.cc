#include "group_load/config.h"

#include <unistd.h>
#include <sstream>

#include <fmt/format.h>
#include <boost/program_options.hpp>

#include "command_line.h"
#include "secrets/pem_file.h"

namespace groupwire::bench {

namespace po = boost::program_options;

namespace {

constexpr const char* kProgram = "groupwire-bench-groups";

WatchedProcess process_flag(const std::string& text) {
  auto eq = text.find('=');
  if (eq != std::string::npos && eq > 0) {
    try {
      std::size_t used = 0;
      long long pid = std::stoll(text.substr(eq + 1), &used);
      if (used == text.size() - eq - 1 && pid > 0) {
        return {text.substr(0, eq), static_cast<pid_t>(pid)};
      }
    } catch (const std::exception&) {}
  }
  throw BadOption{"pid", fmt::format("'{}' is not NAME=PID", text)};
}

}  // namespace

ParsedArgs parse_args(int argc, const char* const argv[]) {
  Config c;
  po::options_description opts("groupwire-bench-groups options");
  opts.add_options()("help", "print this help and exit")("bootstrap", po::value<std::string>(),
                                                         "HOST:PORT of a broker (required)")(
      "groups", po::value<long long>()->default_value(c.groups), "groups")(
      "members", po::value<long long>()->default_value(c.members),
      "members per group, each on its own connection")(
      "protocol", po::value<std::string>()->default_value("classic"),
      "group protocol: classic (JoinGroup, SyncGroup, Heartbeat) or consumer "
      "(ConsumerGroupHeartbeat v1, KIP-848; needs --topic)")(
      "topic", po::value<std::string>(),
      "the topic members subscribe to, which must exist: Metadata names its id and partitions, "
      "and classic leaders assign them with the range assignor (default: subscribe to 'bench' "
      "and assign nothing)")(
      "empty-topic-regex",
      "consumer: send SubscribedTopicRegex \"\" with the topic names, as librdkafka does (its mock "
      "cluster requires it)")(
      "no-describe",
      "consumer: do not check Stable groups with ConsumerGroupDescribe (for a broker that lacks "
      "it; Stable is then only as the members' answers show it)")(
      "late-members", po::value<long long>()->default_value(c.late_members),
      "members per group that join once every group is Stable (reported: time to Stable again, "
      "partitions moved and revoked, time until each owns a partition)")(
      "late-join-spread-ms", po::value<long long>()->default_value(c.late_join_spread.count()),
      "each late member joins at a random moment (uniform) within this long after every group "
      "is Stable, out of step with the others' heartbeats")(
      "pipeline", po::value<long long>()->default_value(c.pipeline),
      "heartbeats each member keeps in flight")(
      "duration-ms", po::value<long long>()->default_value(c.duration.count()),
      "length of the measured heartbeat window (0: join, sync, leave); with --idle-connections, "
      "how long they are held")("warmup-ms",
                                po::value<long long>()->default_value(c.warmup.count()),
                                "closed-loop heartbeats before the window opens")(
      "threads", po::value<long long>()->default_value(c.threads), "generator I/O threads")(
      "session-timeout-ms", po::value<long long>()->default_value(c.session_timeout.count()),
      "JoinGroup session timeout")(
      "rebalance-timeout-ms", po::value<long long>()->default_value(c.rebalance_timeout.count()),
      "JoinGroup rebalance timeout")(
      "join-heartbeat-ms", po::value<long long>()->default_value(c.join_heartbeat.count()),
      "classic: heartbeat interval of a synced member until the window opens")(
      "join-timeout-ms", po::value<long long>()->default_value(c.join_timeout.count()),
      "give up waiting for every group to be Stable after this long (reported)")(
      "no-join",
      "heartbeats only, without FindCoordinator, ApiVersions or a group (for an echo server)")(
      "heartbeat-version", po::value<long long>()->default_value(c.heartbeat_version),
      "Heartbeat version with --no-join (otherwise negotiated)")(
      "idle-connections", po::value<long long>(),
      "open this many connections (each answers ApiVersions) and hold them for --duration-ms")(
      "connect-concurrency", po::value<long long>()->default_value(c.connect_concurrency),
      "connections being opened (connect and ApiVersions) at once")(
      "loopback-sources", po::value<long long>()->default_value(c.loopback_sources),
      "bind connections round-robin to this many addresses 127.0.0.1.. (more than ~28,000 "
      "connections to one port need several)")(
      "tls-ca", po::value<std::string>(),
      "connect with TLS, trusting the CA certificates in this PEM file (the broker's certificate "
      "must name the host it was reached by)")("sasl-user", po::value<std::string>(),
                                               "log every connection in with SASL as this user")(
      "sasl-password", po::value<std::string>(), "the --sasl-user's password")(
      "sasl-mechanism", po::value<std::string>()->default_value("SCRAM-SHA-512"),
      "PLAIN, SCRAM-SHA-256 or SCRAM-SHA-512")(
      "pid", po::value<std::vector<std::string>>(),
      "NAME=PID of a server process whose CPU time and RSS to report (repeatable)")(
      "group-prefix", po::value<std::string>(), "group ids are PREFIX0, PREFIX1, ...")(
      "label", po::value<std::string>()->default_value(""), "name of the target in the report")(
      "json", "print the report as one JSON object")(
      "hold-stable",
      "once every group is Stable, print \"stable\" on stderr and hold the members until "
      "standard input ends (the Stable sample is taken then)");

  std::ostringstream help;
  help << "Usage: " << kProgram << " --bootstrap HOST:PORT [options]\n\n"
       << "Kafka consumer-group load over many connections from few threads: G groups of M\n"
       << "members join (JoinGroup, MEMBER_ID_REQUIRED, SyncGroup; or with --protocol consumer\n"
       << "ConsumerGroupHeartbeat at the interval the coordinator gives), heartbeat in a closed\n"
       << "loop for --duration-ms and leave. Reports heartbeats/s, latency, errors by code,\n"
       << "time to Stable and the CPU time and RSS of the processes given with --pid.\n\n"
       << opts;
  po::variables_map vm;
  try {
    po::store(po::command_line_parser(argc, argv).options(opts).run(), vm);
    po::notify(vm);
    if (vm.count("help")) return {std::nullopt, help.str(), 0};
    if (!vm.count("bootstrap")) throw BadOption{"bootstrap", "is required"};
    auto bootstrap = parse_host_port(vm["bootstrap"].as<std::string>());
    if (!bootstrap) throw BadOption{"bootstrap", "not HOST:PORT"};
    c.bootstrap = *bootstrap;
    c.groups = static_cast<int>(int_flag(vm, "groups", 1, 1000000));
    c.members = static_cast<int>(int_flag(vm, "members", 1, 1000000));
    c.late_members = static_cast<int>(int_flag(vm, "late-members", 0, 1000000));
    c.late_join_spread = millis_flag(vm, "late-join-spread-ms", 0, 3600 * 1000);
    const auto protocol = vm["protocol"].as<std::string>();
    if (protocol == "consumer") {
      c.protocol = Protocol::Consumer;
    } else if (protocol != "classic") {
      throw BadOption{"protocol", fmt::format("'{}' is not classic or consumer", protocol)};
    }
    if (vm.count("topic")) {
      c.topic = vm["topic"].as<std::string>();
      c.look_up_topic = true;
    }
    if (c.protocol == Protocol::Consumer && !c.look_up_topic) {
      throw BadOption{"protocol", "consumer needs --topic"};
    }
    if (vm.count("empty-topic-regex")) {
      if (c.protocol != Protocol::Consumer) {
        throw BadOption{"empty-topic-regex", "needs --protocol consumer"};
      }
      c.topic_regex = TopicRegex::Empty;
    }
    if (vm.count("no-describe")) {
      if (c.protocol != Protocol::Consumer)
        throw BadOption{"no-describe", "needs --protocol consumer"};
      c.describe = false;
    }
    c.pipeline = static_cast<int>(int_flag(vm, "pipeline", 1, 1024));
    c.threads = static_cast<int>(int_flag(vm, "threads", 1, 64));
    c.duration = millis_flag(vm, "duration-ms", 0, 24 * 3600 * 1000);
    c.warmup = millis_flag(vm, "warmup-ms", 0, 3600 * 1000);
    c.session_timeout = millis_flag(vm, "session-timeout-ms", 1, INT32_MAX);
    c.rebalance_timeout = millis_flag(vm, "rebalance-timeout-ms", 1, INT32_MAX);
    c.join_heartbeat = millis_flag(vm, "join-heartbeat-ms", 1, 3600 * 1000);
    c.join_timeout = millis_flag(vm, "join-timeout-ms", 1, 24 * 3600 * 1000);
    c.heartbeat_version = static_cast<kafka::ApiVersion>(int_flag(vm, "heartbeat-version", 0, 4));
    c.connect_concurrency = static_cast<int>(int_flag(vm, "connect-concurrency", 1, 1000000));
    c.loopback_sources = static_cast<int>(int_flag(vm, "loopback-sources", 1, 254));
    c.tls_ca_pem = pem_file_flag(vm, "tls-ca");
    if (vm.count("sasl-user") != vm.count("sasl-password")) {
      throw BadOption{"sasl-user", "and --sasl-password go together"};
    }
    if (vm.count("sasl-user")) {
      c.sasl = gateway::UpstreamCredentials{vm["sasl-mechanism"].as<std::string>(),
                                            vm["sasl-user"].as<std::string>(),
                                            vm["sasl-password"].as<std::string>()};
    }
    // A secured connection is dialled by log_in_upstream, which binds no source address.
    if (c.loopback_sources > 1 && (c.tls_ca_pem || c.sasl)) {
      throw BadOption{"loopback-sources", "excludes --tls-ca and --sasl-user"};
    }
    if (vm.count("no-join")) c.mode = Mode::Heartbeats;
    if (c.mode != Mode::Groups && c.protocol == Protocol::Consumer) {
      throw BadOption{"protocol", "consumer excludes --no-join"};
    }
    c.hold_stable = vm.count("hold-stable") > 0;
    if (vm.count("idle-connections")) {
      if (c.mode == Mode::Heartbeats || c.protocol == Protocol::Consumer) {
        throw BadOption{"idle-connections", "excludes --no-join and --protocol consumer"};
      }
      c.mode = Mode::Idle;
      c.connections = static_cast<int>(int_flag(vm, "idle-connections", 1, 1000000));
    }
    if (vm.count("pid")) {
      for (const auto& p : vm["pid"].as<std::vector<std::string>>()) {
        c.processes.push_back(process_flag(p));
      }
    }
    c.group_prefix = vm.count("group-prefix") ? vm["group-prefix"].as<std::string>()
                                              : fmt::format("bench-{}-", getpid());
    c.label = vm["label"].as<std::string>();
    c.json = vm.count("json") > 0;
  } catch (const BadOption& e) {
    return {std::nullopt, fmt::format("{}: --{}: {}\n", kProgram, e.flag, e.problem), 2};
  } catch (const po::error& e) {
    return {std::nullopt, fmt::format("{}: {}\n(see --help)\n", kProgram, e.what()), 2};
  }
  return {std::move(c), {}, 0};
}

}  // namespace groupwire::bench
