// The gateway's --coordinator-tls-* flags: PEM files read at start-up, a certificate only with
// its key, and a message naming the flag (or its variable) when a file cannot be used.
#include <map>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "server/config.h"
#include "test_files.h"

namespace groupwire::gateway {
namespace {

using groupwire::test_support::kPem;

class CoordinatorTlsConfig : public ::testing::Test {
 protected:
  std::string file(const std::string& name, const std::string& contents) {
    return files_.write(name, contents);
  }

  ParsedArgs parse(std::vector<std::string> args, std::map<std::string, std::string> env = {}) {
    return groupwire::test_support::parse_command_line(&parse_gateway_args, "groupwire-gateway",
                                                       std::move(args), std::move(env));
  }

  groupwire::test_support::TestFiles files_;
};

TEST_F(CoordinatorTlsConfig, PlaintextByDefault) {
  auto p = parse({});
  ASSERT_TRUE(p.config) << p.message;
  EXPECT_FALSE(p.config->coordinator_tls);
}

TEST_F(CoordinatorTlsConfig, CaAndClientCertificate) {
  auto p = parse({"--coordinator-tls-ca", file("ca.pem", kPem), "--coordinator-tls-cert",
                  file("cert.pem", std::string(kPem) + kPem), "--coordinator-tls-key",
                  file("key.pem", kPem)});
  ASSERT_TRUE(p.config) << p.message;
  ASSERT_TRUE(p.config->coordinator_tls);
  EXPECT_EQ(p.config->coordinator_tls->ca_pem, kPem);
  EXPECT_EQ(p.config->coordinator_tls->cert_pem, std::string(kPem) + kPem);
  EXPECT_EQ(p.config->coordinator_tls->key_pem, kPem);
}

TEST_F(CoordinatorTlsConfig, CaAloneIsTlsWithoutAClientCertificate) {
  auto p = parse({}, {{"GROUPWIRE_GATEWAY_COORDINATOR_TLS_CA", file("ca.pem", kPem)}});
  ASSERT_TRUE(p.config) << p.message;
  ASSERT_TRUE(p.config->coordinator_tls);
  EXPECT_EQ(p.config->coordinator_tls->ca_pem, kPem);
  EXPECT_TRUE(p.config->coordinator_tls->cert_pem.empty());
}

TEST_F(CoordinatorTlsConfig, ClientCertificateWithSystemRoots) {
  auto p = parse({"--coordinator-tls-cert", file("cert.pem", kPem), "--coordinator-tls-key",
                  file("key.pem", kPem)});
  ASSERT_TRUE(p.config) << p.message;
  ASSERT_TRUE(p.config->coordinator_tls);
  EXPECT_TRUE(p.config->coordinator_tls->ca_pem.empty());
}

TEST_F(CoordinatorTlsConfig, BadFilesNameTheFlag) {
  auto missing = files_.path("missing.pem");
  struct Case {
    std::vector<std::string> args;
    std::string says;
  };
  for (const Case& c : std::vector<Case>{
           {{"--coordinator-tls-ca", missing}, "--coordinator-tls-ca: cannot read " + missing},
           {{"--coordinator-tls-ca", file("text", "no pem here")},
            "--coordinator-tls-ca: " + files_.path("text") + " holds no PEM block"},
           {{"--coordinator-tls-cert", file("cert.pem", kPem)},
            "--coordinator-tls-cert: needs --coordinator-tls-key too"},
           {{"--coordinator-tls-key", file("key.pem", kPem)},
            "--coordinator-tls-key: needs --coordinator-tls-cert too"},
           {{"--coordinator-tls-cert", file("cert.pem", kPem), "--coordinator-tls-key", missing},
            "--coordinator-tls-key: cannot read"},
       }) {
    auto p = parse(c.args);
    EXPECT_FALSE(p.config) << c.says;
    EXPECT_EQ(p.exit_code, 2);
    EXPECT_NE(p.message.find(c.says), std::string::npos) << p.message;
  }
  auto p = parse({}, {{"GROUPWIRE_GATEWAY_COORDINATOR_TLS_CERT", missing},
                      {"GROUPWIRE_GATEWAY_COORDINATOR_TLS_KEY", missing}});
  EXPECT_NE(p.message.find("GROUPWIRE_GATEWAY_COORDINATOR_TLS_CERT: cannot read"),
            std::string::npos)
      << p.message;
}

TEST_F(CoordinatorTlsConfig, HelpListsTheFlags) {
  auto p = parse({"--help"});
  for (const char* flag :
       {"--coordinator-tls-ca", "--coordinator-tls-cert", "--coordinator-tls-key"}) {
    EXPECT_NE(p.message.find(flag), std::string::npos) << flag;
  }
}

}  // namespace
}  // namespace groupwire::gateway
