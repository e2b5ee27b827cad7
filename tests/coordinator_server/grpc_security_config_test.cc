// The coordinator's gRPC security flags: TLS files, the client CA, the admin token from a file or
// the environment, and a message naming the flag when one cannot be used.
#include <map>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "server/config.h"
#include "test_files.h"

namespace groupwire::coordinator {
namespace {

using groupwire::test_support::kPem;

class GrpcSecurityConfig : public ::testing::Test {
 protected:
  std::string file(const std::string& name, const std::string& contents) {
    return files_.write(name, contents);
  }

  ParsedArgs parse(std::vector<std::string> args, std::map<std::string, std::string> env = {}) {
    return groupwire::test_support::parse_command_line(
        &parse_coordinator_args, "groupwire-coordinator", std::move(args), std::move(env));
  }

  std::vector<std::string> tls() {
    return {"--grpc-tls-cert", file("cert.pem", kPem), "--grpc-tls-key", file("key.pem", kPem)};
  }

  groupwire::test_support::TestFiles files_;
};

TEST_F(GrpcSecurityConfig, PlaintextAndOpenByDefault) {
  auto p = parse({});
  ASSERT_TRUE(p.config) << p.message;
  EXPECT_FALSE(p.config->grpc_tls);
  EXPECT_FALSE(p.config->admin_token);
  EXPECT_FALSE(p.config->admin_token_file);
}

TEST_F(GrpcSecurityConfig, TlsWithClientCaAndTokenFile) {
  auto args = tls();
  auto ca = file("ca.pem", std::string(kPem) + kPem);
  auto token = file("token", "  s3cret\n");
  args.insert(args.end(), {"--grpc-client-ca", ca, "--admin-token-file", token});
  auto p = parse(args);
  ASSERT_TRUE(p.config) << p.message;
  ASSERT_TRUE(p.config->grpc_tls);
  EXPECT_EQ(p.config->grpc_tls->cert_pem, kPem);
  EXPECT_EQ(p.config->grpc_tls->key_pem, kPem);
  EXPECT_EQ(p.config->grpc_tls->client_ca_pem, std::string(kPem) + kPem);
  EXPECT_EQ(p.config->admin_token_file, token);
  EXPECT_FALSE(p.config->admin_token);
}

TEST_F(GrpcSecurityConfig, FromTheEnvironmentWithTheTokenItself) {
  auto p = parse({}, {{"GROUPWIRE_COORDINATOR_GRPC_TLS_CERT", file("cert.pem", kPem)},
                      {"GROUPWIRE_COORDINATOR_GRPC_TLS_KEY", file("key.pem", kPem)},
                      {"GROUPWIRE_COORDINATOR_GRPC_CLIENT_CA", file("ca.pem", kPem)},
                      {"GROUPWIRE_COORDINATOR_ADMIN_TOKEN", "s3cret\n"}});
  ASSERT_TRUE(p.config) << p.message;
  ASSERT_TRUE(p.config->grpc_tls);
  EXPECT_TRUE(p.config->grpc_tls->client_ca_pem);
  EXPECT_EQ(p.config->admin_token, "s3cret");
}

TEST_F(GrpcSecurityConfig, BadFilesNameTheFlag) {
  auto missing = files_.path("missing.pem");
  auto not_pem = file("not.pem", "just text");
  struct Case {
    std::vector<std::string> args;
    std::string says;
  };
  std::vector<Case> cases = {
      {{"--grpc-tls-cert", missing, "--grpc-tls-key", file("k.pem", kPem)},
       "--grpc-tls-cert: cannot read " + missing},
      {{"--grpc-tls-cert", file("c.pem", kPem), "--grpc-tls-key", not_pem},
       "--grpc-tls-key: " + not_pem + " holds no PEM block"},
      {{"--grpc-tls-cert", file("c.pem", kPem)}, "--grpc-tls-cert: needs --grpc-tls-key"},
      {{"--grpc-tls-key", file("k.pem", kPem)}, "--grpc-tls-key: needs --grpc-tls-cert"},
      {{"--grpc-client-ca", file("ca.pem", kPem)}, "--grpc-client-ca: needs --grpc-tls-cert"},
  };
  auto with_tls = [&](std::vector<std::string> more) {
    auto args = tls();
    args.insert(args.end(), more.begin(), more.end());
    return args;
  };
  cases.push_back({with_tls({"--grpc-client-ca", missing}), "--grpc-client-ca: cannot read"});
  cases.push_back({with_tls({"--admin-token-file", missing}), "--admin-token-file: cannot read"});
  cases.push_back({with_tls({"--admin-token-file", file("empty", "\n")}), "--admin-token-file: "});
  for (const auto& c : cases) {
    auto p = parse(c.args);
    EXPECT_FALSE(p.config) << c.says;
    EXPECT_EQ(p.exit_code, 2) << c.says;
    EXPECT_NE(p.message.find(c.says), std::string::npos) << p.message;
  }
}

TEST_F(GrpcSecurityConfig, BadVariableNamesTheVariable) {
  auto p = parse(tls(), {{"GROUPWIRE_COORDINATOR_GRPC_CLIENT_CA", files_.path("none")}});
  EXPECT_FALSE(p.config);
  EXPECT_NE(p.message.find("GROUPWIRE_COORDINATOR_GRPC_CLIENT_CA: cannot read"), std::string::npos)
      << p.message;
}

TEST_F(GrpcSecurityConfig, TokenNeedsTls) {
  auto p = parse({"--admin-token-file", file("token", "s3cret")});
  EXPECT_FALSE(p.config);
  EXPECT_NE(p.message.find("needs --grpc-tls-cert"), std::string::npos) << p.message;
  p = parse({}, {{"GROUPWIRE_COORDINATOR_ADMIN_TOKEN", "s3cret"}});
  EXPECT_FALSE(p.config);
  EXPECT_EQ(p.message.find("s3cret"), std::string::npos) << "the token is in the message";
}

TEST_F(GrpcSecurityConfig, TokenFromFileAndVariableIsAmbiguous) {
  auto args = tls();
  args.insert(args.end(), {"--admin-token-file", file("token", "a")});
  auto p = parse(args, {{"GROUPWIRE_COORDINATOR_ADMIN_TOKEN", "b"}});
  EXPECT_FALSE(p.config);
  EXPECT_NE(p.message.find("not both"), std::string::npos) << p.message;
}

TEST_F(GrpcSecurityConfig, HelpListsTheFlags) {
  auto p = parse({"--help"});
  for (const char* flag : {"--grpc-tls-cert", "--grpc-tls-key", "--grpc-client-ca",
                           "--admin-token-file", "GROUPWIRE_COORDINATOR_ADMIN_TOKEN"}) {
    EXPECT_NE(p.message.find(flag), std::string::npos) << flag;
  }
}

}  // namespace
}  // namespace groupwire::coordinator
