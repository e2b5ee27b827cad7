// The coordinator command line: Kafka's defaults, every flag, and a message naming a bad flag.
#include "server/config.h"

#include <map>

#include <gtest/gtest.h>

namespace groupwire::coordinator {
namespace {

ParsedArgs parse(std::vector<const char*> args, std::map<std::string, std::string> env = {}) {
  args.insert(args.begin(), "groupwire-coordinator");
  return parse_coordinator_args(static_cast<int>(args.size()), args.data(),
                                fixed_environment(std::move(env)));
}

TEST(CoordinatorConfig, Defaults) {
  auto p = parse({});
  ASSERT_TRUE(p.config) << p.message;
  const auto& c = *p.config;
  EXPECT_EQ(c.listen, (HostPort{"127.0.0.1", 9093}));
  EXPECT_EQ(c.group_partitions, 50u);
  EXPECT_EQ(c.threads, 2u);
  EXPECT_EQ(c.log_level, spdlog::level::info);
  EXPECT_EQ(c.data_dir, "groupwire-data");
  EXPECT_FALSE(c.postgres);
  EXPECT_EQ(c.lease.count(), 10000);
  EXPECT_FALSE(c.advertise);
  EXPECT_TRUE(c.fsync);
  EXPECT_EQ(c.group.initial_rebalance_delay.count(), 3000);
  EXPECT_EQ(c.group.min_session_timeout.count(), 6000);
  EXPECT_EQ(c.group.max_session_timeout.count(), 1800000);
  EXPECT_EQ(c.group.max_group_size, 2147483647);
  EXPECT_EQ(c.group.offset_metadata_max_bytes, 4096u);
  EXPECT_EQ(c.group.offsets_retention.count(), 10080LL * 60 * 1000);
  EXPECT_EQ(c.group.offsets_retention_check_interval.count(), 600000);
  EXPECT_EQ(c.log_format, LogFormat::Text);
  EXPECT_FALSE(c.metrics_listen);
}

TEST(CoordinatorConfig, EveryFlag) {
  auto p = parse({"--listen",
                  "[::1]:0",
                  "--group-partitions",
                  "7",
                  "--threads",
                  "3",
                  "--log-level",
                  "debug",
                  "--data-dir",
                  "/var/lib/groupwire",
                  "--postgres",
                  "postgres://gw@db:5432/groupwire",
                  "--lease-ms",
                  "3000",
                  "--advertise",
                  "coordinator-0.coordinators:9093",
                  "--fsync",
                  "false",
                  "--initial-rebalance-delay-ms",
                  "0",
                  "--min-session-timeout-ms",
                  "100",
                  "--max-session-timeout-ms",
                  "200",
                  "--max-group-size",
                  "5",
                  "--offset-metadata-max-bytes",
                  "10",
                  "--offsets-retention-minutes",
                  "2",
                  "--offsets-retention-check-interval-ms",
                  "1000",
                  "--log-format",
                  "json",
                  "--metrics-listen",
                  "0.0.0.0:9464"});
  ASSERT_TRUE(p.config) << p.message;
  const auto& c = *p.config;
  EXPECT_EQ(c.listen, (HostPort{"::1", 0}));
  EXPECT_EQ(c.group_partitions, 7u);
  EXPECT_EQ(c.threads, 3u);
  EXPECT_EQ(c.log_level, spdlog::level::debug);
  EXPECT_EQ(c.data_dir, "/var/lib/groupwire");
  EXPECT_EQ(c.postgres, "postgres://gw@db:5432/groupwire");
  EXPECT_EQ(c.lease.count(), 3000);
  EXPECT_EQ(c.advertise, (HostPort{"coordinator-0.coordinators", 9093}));
  EXPECT_FALSE(c.fsync);
  EXPECT_EQ(c.group.initial_rebalance_delay.count(), 0);
  EXPECT_EQ(c.group.min_session_timeout.count(), 100);
  EXPECT_EQ(c.group.max_session_timeout.count(), 200);
  EXPECT_EQ(c.group.max_group_size, 5);
  EXPECT_EQ(c.group.offset_metadata_max_bytes, 10u);
  EXPECT_EQ(c.group.offsets_retention.count(), 2 * 60 * 1000);
  EXPECT_EQ(c.group.offsets_retention_check_interval.count(), 1000);
  EXPECT_EQ(c.log_format, LogFormat::Json);
  EXPECT_EQ(c.metrics_listen, (HostPort{"0.0.0.0", 9464}));
}

TEST(CoordinatorConfig, EqualSessionTimeoutsAreFine) {
  auto p = parse({"--min-session-timeout-ms", "500", "--max-session-timeout-ms", "500"});
  ASSERT_TRUE(p.config) << p.message;
}

TEST(CoordinatorConfig, BadFlagsNameTheFlag) {
  struct Case {
    std::vector<const char*> args;
    const char* flag;
  };
  for (const auto& c : std::vector<Case>{
           {{"--listen", "nope"}, "--listen"},
           {{"--listen", "host:70000"}, "--listen"},
           {{"--bogus"}, "--bogus"},
           {{"--group-partitions", "0"}, "--group-partitions"},
           {{"--group-partitions", "x"}, "--group-partitions"},
           {{"--threads", "0"}, "--threads"},
           {{"--log-level", "loud"}, "--log-level"},
           {{"--data-dir", ""}, "--data-dir"},
           {{"--postgres", ""}, "--postgres"},
           {{"--lease-ms", "999"}, "--lease-ms"},
           {{"--advertise", "nohost"}, "--advertise"},
           {{"--fsync", "sometimes"}, "--fsync"},
           {{"--log-format", "xml"}, "--log-format"},
           {{"--metrics-listen", "9464"}, "--metrics-listen"},
           {{"--initial-rebalance-delay-ms", "-1"}, "--initial-rebalance-delay-ms"},
           {{"--min-session-timeout-ms", "-5"}, "--min-session-timeout-ms"},
           {{"--max-session-timeout-ms", "3000000000"}, "--max-session-timeout-ms"},
           {{"--min-session-timeout-ms", "7000", "--max-session-timeout-ms", "6999"},
            "--min-session-timeout-ms"},
           {{"--max-group-size", "0"}, "--max-group-size"},
           {{"--offset-metadata-max-bytes", "-1"}, "--offset-metadata-max-bytes"},
           {{"--offsets-retention-minutes", "0"}, "--offsets-retention-minutes"},
           {{"--offsets-retention-check-interval-ms", "0"},
            "--offsets-retention-check-interval-ms"},
           {{"--offsets-retention-check-interval-ms", "99999999999999999999999"},
            "--offsets-retention-check-interval-ms"},
       }) {
    auto p = parse(c.args);
    EXPECT_FALSE(p.config) << c.flag;
    EXPECT_EQ(p.exit_code, 2) << c.flag;
    EXPECT_NE(p.message.find(c.flag + 2), std::string::npos) << p.message;
  }
}

TEST(CoordinatorConfig, HelpListsEveryFlag) {
  auto p = parse({"--help"});
  EXPECT_FALSE(p.config);
  EXPECT_EQ(p.exit_code, 0);
  for (const char* flag : {"--listen",
                           "--group-partitions",
                           "--threads",
                           "--log-level",
                           "--data-dir",
                           "--postgres",
                           "--lease-ms",
                           "--advertise",
                           "--fsync",
                           "--initial-rebalance-delay-ms",
                           "--min-session-timeout-ms",
                           "--max-session-timeout-ms",
                           "--max-group-size",
                           "--offset-metadata-max-bytes",
                           "--offsets-retention-minutes",
                           "--offsets-retention-check-interval-ms",
                           "--log-format",
                           "--metrics-listen",
                           "--shutdown-timeout-ms",
                           "--help",
                           "GROUPWIRE_COORDINATOR_FOO_BAR"}) {
    EXPECT_NE(p.message.find(flag), std::string::npos) << flag;
  }
}

TEST(CoordinatorConfig, FlagsAlsoComeFromTheEnvironment) {
  auto p = parse({"--threads", "4"}, {{"GROUPWIRE_COORDINATOR_LISTEN", "0.0.0.0:9093"},
                                      {"GROUPWIRE_COORDINATOR_THREADS", "8"},
                                      {"GROUPWIRE_COORDINATOR_INITIAL_REBALANCE_DELAY_MS", "0"},
                                      {"GROUPWIRE_COORDINATOR_SHUTDOWN_TIMEOUT_MS", "1500"},
                                      {"GROUPWIRE_COORDINATOR_POSTGRES", "host=db"}});
  ASSERT_TRUE(p.config) << p.message;
  EXPECT_EQ(p.config->listen, (HostPort{"0.0.0.0", 9093}));
  EXPECT_EQ(p.config->threads, 4u);  // the flag wins
  EXPECT_EQ(p.config->group.initial_rebalance_delay.count(), 0);
  EXPECT_EQ(p.config->shutdown_timeout.count(), 1500);
  EXPECT_EQ(p.config->postgres, "host=db");
}

TEST(CoordinatorConfig, BadVariablesNameTheVariable) {
  for (const auto& [name, value] : std::map<std::string, std::string>{
           {"GROUPWIRE_COORDINATOR_LISTEN", "nope"},
           {"GROUPWIRE_COORDINATOR_GROUP_PARTITIONS", "0"},
           {"GROUPWIRE_COORDINATOR_MAX_GROUP_SIZE", "big"},
           {"GROUPWIRE_COORDINATOR_SHUTDOWN_TIMEOUT_MS", "0"},
       }) {
    auto p = parse({}, {{name, value}});
    EXPECT_FALSE(p.config) << name;
    EXPECT_EQ(p.exit_code, 2) << name;
    EXPECT_NE(p.message.find("groupwire-coordinator: " + name + ": "), std::string::npos)
        << p.message;
  }
  // A cross-check names both settings as they were given.
  auto p = parse({"--max-session-timeout-ms", "100"},
                 {{"GROUPWIRE_COORDINATOR_MIN_SESSION_TIMEOUT_MS", "200"}});
  EXPECT_NE(p.message.find("GROUPWIRE_COORDINATOR_MIN_SESSION_TIMEOUT_MS: 200 is above "
                           "--max-session-timeout-ms 100"),
            std::string::npos)
      << p.message;
}

}  // namespace
}  // namespace groupwire::coordinator
