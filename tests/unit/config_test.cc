// The gateway command line: defaults, and a message naming the flag for bad input.
#include "server/config.h"
#include "test_files.h"

#include <map>

#include <gtest/gtest.h>

namespace groupwire::gateway {
namespace {

ParsedArgs parse(std::vector<const char*> args, std::map<std::string, std::string> env = {}) {
  args.insert(args.begin(), "groupwire-gateway");
  return parse_gateway_args(static_cast<int>(args.size()), args.data(),
                            fixed_environment(std::move(env)));
}

TEST(GatewayConfig, Defaults) {
  auto p = parse({});
  ASSERT_TRUE(p.config);
  EXPECT_EQ(p.config->listen, (HostPort{"127.0.0.1", 9092}));
  EXPECT_EQ(p.config->coordinator, (std::vector<HostPort>{{"127.0.0.1", 9093}}));
  EXPECT_FALSE(p.config->advertise);
  EXPECT_EQ(p.config->max_frame_bytes, 100u * 1024 * 1024);
  EXPECT_EQ(p.config->coordinator_timeout.count(), 5000);
  EXPECT_EQ(p.config->log_format, LogFormat::Text);
  EXPECT_FALSE(p.config->metrics_listen);
}

TEST(GatewayConfig, AllFlags) {
  auto p = parse({"--listen",
                  "0.0.0.0:19092",
                  "--advertise",
                  "gw-1:19092",
                  "--coordinator",
                  "[::1]:9999,coordinators.groupwire:9093",
                  "--node-id",
                  "3",
                  "--max-frame-bytes",
                  "1024",
                  "--max-connections",
                  "5",
                  "--idle-timeout-ms",
                  "100",
                  "--frame-timeout-ms",
                  "50",
                  "--topic",
                  "a:3",
                  "--topic",
                  "b.c:1",
                  "--log-level",
                  "debug",
                  "--log-format",
                  "json",
                  "--metrics-listen",
                  "127.0.0.1:9465"});
  ASSERT_TRUE(p.config) << p.message;
  EXPECT_EQ(p.config->advertise, (HostPort{"gw-1", 19092}));
  EXPECT_EQ(p.config->log_format, LogFormat::Json);
  EXPECT_EQ(p.config->metrics_listen, (HostPort{"127.0.0.1", 9465}));
  EXPECT_EQ(p.config->coordinator,
            (std::vector<HostPort>{{"::1", 9999}, {"coordinators.groupwire", 9093}}));
  EXPECT_EQ(p.config->node_id, 3);
  EXPECT_EQ(p.config->max_connections, 5u);
  EXPECT_EQ(p.config->idle_timeout.count(), 100);
  ASSERT_EQ(p.config->topics.size(), 2u);
  EXPECT_EQ(p.config->topics[1].name, "b.c");
}

TEST(GatewayConfig, BadFlagsNameTheFlag) {
  struct Case {
    std::vector<const char*> args;
    const char* flag;
  };
  for (const auto& c : std::vector<Case>{
           {{"--listen", "nope"}, "--listen"},
           {{"--bogus"}, "--bogus"},
           {{"--max-frame-bytes", "0"}, "--max-frame-bytes"},
           {{"--max-connections", "abc"}, "--max-connections"},
           {{"--topic", "t:0"}, "--topic"},
           {{"--log-level", "loud"}, "--log-level"},
           {{"--log-format", "xml"}, "--log-format"},
           {{"--metrics-listen", "nope"}, "--metrics-listen"},
           {{"--coordinator", "host:70000"}, "--coordinator"},
           {{"--coordinator", "a:1,,b:2"}, "--coordinator"},
           {{"--coordinator-timeout-ms", "0"}, "--coordinator-timeout-ms"},
           {{"--coordinator-channels", "0"}, "--coordinator-channels"},
       }) {
    auto p = parse(c.args);
    EXPECT_FALSE(p.config) << c.flag;
    EXPECT_EQ(p.exit_code, 2) << c.flag;
    EXPECT_NE(p.message.find(c.flag + 2), std::string::npos) << p.message;
  }
}

TEST(GatewayConfig, UpstreamList) {
  auto p = parse({"--listen", "127.0.0.1:9092", "--upstream", "a:1,b:2"});
  ASSERT_TRUE(p.config) << p.message;
  EXPECT_EQ(p.config->upstream, (std::vector<HostPort>{{"a", 1}, {"b", 2}}));
  EXPECT_EQ(p.config->broker_port_base, 10092);
  EXPECT_FALSE(parse({"--upstream", "a:1,"}).config);
  EXPECT_FALSE(parse({"--broker-port-base", "70000"}).config);
}

TEST(GatewayConfig, HelpListsEveryFlag) {
  auto p = parse({"--help"});
  EXPECT_EQ(p.exit_code, 0);
  for (const char* flag : {"--listen",
                           "--advertise",
                           "--coordinator",
                           "--log-level",
                           "--max-frame-bytes",
                           "--max-connections",
                           "--idle-timeout-ms",
                           "--frame-timeout-ms",
                           "--topic",
                           "--node-id",
                           "--threads",
                           "--coordinator-timeout-ms",
                           "--coordinator-channels",
                           "--upstream",
                           "--broker-port-base",
                           "--upstream-timeout-ms",
                           "--upstream-refresh-ms",
                           "--log-format",
                           "--metrics-listen",
                           "--health-listen",
                           "--shutdown-timeout-ms",
                           "--tls-cert",
                           "--tls-key",
                           "--tls-client-ca",
                           "--sasl-mechanisms",
                           "--sasl-users",
                           "--sasl-session-lifetime-ms",
                           "--acl-file",
                           "--reload-interval-ms",
                           "--upstream-tls",
                           "--upstream-tls-ca",
                           "--upstream-sasl-mechanism",
                           "--upstream-sasl-user",
                           "--upstream-sasl-password-file",
                           "GROUPWIRE_GATEWAY_FOO_BAR"}) {
    EXPECT_NE(p.message.find(flag), std::string::npos) << flag;
  }
}

TEST(GatewayConfig, EveryFlagIsAlsoAnEnvironmentVariable) {
  auto p = parse({}, {{"GROUPWIRE_GATEWAY_LISTEN", "0.0.0.0:9092"},
                      {"GROUPWIRE_GATEWAY_ADVERTISE", "gw-1.example:9092"},
                      {"GROUPWIRE_GATEWAY_COORDINATOR", "coordinator:9093"},
                      {"GROUPWIRE_GATEWAY_TOPIC", "a:3,b:1"},
                      {"GROUPWIRE_GATEWAY_HEALTH_LISTEN", "0.0.0.0:8080"},
                      {"GROUPWIRE_GATEWAY_SHUTDOWN_TIMEOUT_MS", "2500"},
                      {"GROUPWIRE_GATEWAY_UPSTREAM", "k1:9092,k2:9092"},
                      {"GROUPWIRE_GATEWAY_BROKER_PORT_BASE", "10000"}});
  ASSERT_TRUE(p.config) << p.message;
  const auto& c = *p.config;
  EXPECT_EQ(c.listen, (HostPort{"0.0.0.0", 9092}));
  EXPECT_EQ(c.advertise, (HostPort{"gw-1.example", 9092}));
  EXPECT_EQ(c.coordinator, (std::vector<HostPort>{{"coordinator", 9093}}));
  ASSERT_EQ(c.topics.size(), 2u);
  EXPECT_EQ(c.topics[0].name, "a");
  EXPECT_EQ(c.topics[1].partitions, 1);
  EXPECT_EQ(c.health_listen, (HostPort{"0.0.0.0", 8080}));
  EXPECT_EQ(c.shutdown_timeout.count(), 2500);
  EXPECT_EQ(c.upstream, (std::vector<HostPort>{{"k1", 9092}, {"k2", 9092}}));
  EXPECT_EQ(c.broker_port_base, 10000);
}

TEST(GatewayConfig, FlagWinsOverVariable) {
  auto p = parse({"--listen", "127.0.0.1:1"}, {{"GROUPWIRE_GATEWAY_LISTEN", "0.0.0.0:2"}});
  ASSERT_TRUE(p.config) << p.message;
  EXPECT_EQ(p.config->listen, (HostPort{"127.0.0.1", 1}));
}

TEST(GatewayConfig, BadVariablesNameTheVariable) {
  for (const auto& [name, value] : std::map<std::string, std::string>{
           {"GROUPWIRE_GATEWAY_LISTEN", "nope"},
           {"GROUPWIRE_GATEWAY_THREADS", "abc"},
           {"GROUPWIRE_GATEWAY_THREADS", "0"},
           {"GROUPWIRE_GATEWAY_TOPIC", "a:1,b"},
           {"GROUPWIRE_GATEWAY_LOG_LEVEL", "loud"},
           {"GROUPWIRE_GATEWAY_SHUTDOWN_TIMEOUT_MS", "-1"},
           {"GROUPWIRE_GATEWAY_HEALTH_LISTEN", "8080"},
       }) {
    auto p = parse({}, {{name, value}});
    EXPECT_FALSE(p.config) << name;
    EXPECT_EQ(p.exit_code, 2) << name;
    EXPECT_NE(p.message.find("groupwire-gateway: " + name + ": "), std::string::npos) << p.message;
  }
}

}  // namespace
}  // namespace groupwire::gateway

namespace groupwire::gateway {
namespace {

TEST(GatewayConfig, SecurityFlags) {
  auto p = parse({"--tls-cert",
                  "c.pem",
                  "--tls-key",
                  "k.pem",
                  "--tls-client-ca",
                  "ca.pem",
                  "--sasl-mechanisms",
                  "SCRAM-SHA-512,PLAIN",
                  "--sasl-users",
                  "users",
                  "--sasl-session-lifetime-ms",
                  "60000",
                  "--acl-file",
                  "acls",
                  "--upstream-tls-ca",
                  "up.pem",
                  "--upstream-sasl-mechanism",
                  "SCRAM-SHA-256",
                  "--upstream-sasl-user",
                  "gw"},
                 {{kUpstreamPasswordVariable, "from-env"}});
  ASSERT_TRUE(p.config) << p.message;
  const auto& c = *p.config;
  ASSERT_TRUE(c.tls);
  EXPECT_EQ(c.tls->certificate, "c.pem");
  EXPECT_EQ(c.tls->client_ca, "ca.pem");
  EXPECT_EQ(c.sasl_mechanisms, (std::vector<std::string>{"SCRAM-SHA-512", "PLAIN"}));
  EXPECT_EQ(c.sasl_users, "users");
  EXPECT_EQ(c.sasl_session_lifetime.count(), 60000);
  EXPECT_EQ(c.acl_file, "acls");
  EXPECT_TRUE(c.upstream_tls);  // implied by the CA
  ASSERT_TRUE(c.upstream_sasl);
  EXPECT_EQ(c.upstream_sasl->user, "gw");
  EXPECT_EQ(c.upstream_sasl->password, "from-env");
}

TEST(GatewayConfig, UpstreamPasswordFileWinsAndIsReadToTheEndOfItsFirstLine) {
  test_support::TestFiles files;
  auto path = files.write("password", "s3cret\nignored\n");
  auto p = parse({"--upstream-sasl-mechanism", "PLAIN", "--upstream-sasl-user", "gw",
                  "--upstream-sasl-password-file", path.c_str()},
                 {{kUpstreamPasswordVariable, "from-env"}});
  ASSERT_TRUE(p.config) << p.message;
  EXPECT_EQ(p.config->upstream_sasl->password, "s3cret");
}

TEST(GatewayConfig, BadSecurityFlagsNameTheFlag) {
  struct Case {
    std::vector<const char*> args;
    const char* flag;
  };
  for (const auto& c : std::vector<Case>{
           {{"--tls-cert", "c.pem"}, "--tls-cert"},
           {{"--tls-key", "k.pem"}, "--tls-key"},
           {{"--tls-client-ca", "ca.pem"}, "--tls-client-ca"},
           {{"--sasl-mechanisms", "PLAIN"}, "--sasl-mechanisms"},
           {{"--sasl-users", "u"}, "--sasl-users"},
           {{"--sasl-mechanisms", "GSSAPI", "--sasl-users", "u"}, "--sasl-mechanisms"},
           {{"--sasl-mechanisms", "PLAIN,", "--sasl-users", "u"}, "--sasl-mechanisms"},
           {{"--sasl-session-lifetime-ms", "-1"}, "--sasl-session-lifetime-ms"},
           {{"--reload-interval-ms", "0"}, "--reload-interval-ms"},
           {{"--upstream-sasl-mechanism", "PLAIN", "--upstream-sasl-user", "gw"},
            "--upstream-sasl-mechanism"},
           {{"--upstream-sasl-user", "gw"}, "--upstream-sasl-user"},
           {{"--upstream-sasl-mechanism", "PLAIN", "--upstream-sasl-user", "gw",
             "--upstream-sasl-password-file", "/nonexistent/password"},
            "--upstream-sasl-password-file"},
       }) {
    auto p = parse(c.args);
    EXPECT_FALSE(p.config) << c.flag;
    EXPECT_EQ(p.exit_code, 2) << c.flag;
    EXPECT_NE(p.message.find(c.flag + 2), std::string::npos) << p.message;
  }
}

}  // namespace
}  // namespace groupwire::gateway
