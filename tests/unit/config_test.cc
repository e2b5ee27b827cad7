// The gateway command line: defaults, and a message naming the flag for bad input.
#include "server/config.h"

#include <gtest/gtest.h>

namespace groupwire::gateway {
namespace {

ParsedArgs parse(std::vector<const char*> args) {
  args.insert(args.begin(), "groupwire-gateway");
  return parse_gateway_args(static_cast<int>(args.size()), args.data());
}

TEST(GatewayConfig, Defaults) {
  auto p = parse({});
  ASSERT_TRUE(p.config);
  EXPECT_EQ(p.config->listen, (HostPort{"127.0.0.1", 9092}));
  EXPECT_EQ(p.config->coordinator, (HostPort{"127.0.0.1", 9093}));
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
                  "[::1]:9999",
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
  EXPECT_EQ(p.config->coordinator, (HostPort{"::1", 9999}));
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
           {{"--coordinator-timeout-ms", "0"}, "--coordinator-timeout-ms"},
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
  for (const char* flag :
       {"--listen", "--advertise", "--coordinator", "--log-level", "--max-frame-bytes",
        "--max-connections", "--idle-timeout-ms", "--frame-timeout-ms", "--topic", "--node-id",
        "--threads", "--coordinator-timeout-ms", "--upstream", "--broker-port-base",
        "--upstream-timeout-ms", "--upstream-refresh-ms", "--log-format", "--metrics-listen"}) {
    EXPECT_NE(p.message.find(flag), std::string::npos) << flag;
  }
}

}  // namespace
}  // namespace groupwire::gateway
