// Who may call what on the coordinator's gRPC port (the rules the AuthMetadataProcessor applies;
// tests/e2e/test_grpc_tls.py runs them over real TLS), and the admin token's source.
#include "server/grpc_auth.h"

#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <optional>
#include <string>
#include <thread>

#include <gtest/gtest.h>

#include "secrets/token_source.h"

namespace groupwire::coordinator {
namespace {

constexpr char kJoinGroup[] = "/groupwire.coordinator.v1.Coordinator/JoinGroup";
constexpr char kCalls[] = "/groupwire.coordinator.v1.Coordinator/Calls";
constexpr char kDescribeGroup[] = "/groupwire.admin.v1.Admin/DescribeGroup";
constexpr char kHealthCheck[] = "/grpc.health.v1.Health/Check";
constexpr char kReflection[] = "/grpc.reflection.v1alpha.ServerReflection/ServerReflectionInfo";

grpc::StatusCode code(const CallPolicy& policy, const char* method, bool certificate,
                      std::optional<std::string_view> authorization = std::nullopt) {
  return authorize(policy, method, certificate, authorization).error_code();
}

CallPolicy with_token(bool client_ca) {
  return {.client_ca = client_ca, .admin_token = std::make_shared<const TokenSource>("s3cret")};
}

TEST(GrpcAuth, NothingConfiguredIsOpen) {
  CallPolicy open;
  for (const char* method : {kJoinGroup, kCalls, kDescribeGroup, kHealthCheck}) {
    EXPECT_EQ(code(open, method, false), grpc::StatusCode::OK) << method;
  }
}

TEST(GrpcAuth, ClientCaRequiresAVerifiedCertificateOfGatewaysAndOperators) {
  CallPolicy mtls{.client_ca = true};
  for (const char* method : {kJoinGroup, kCalls, kDescribeGroup}) {
    EXPECT_EQ(code(mtls, method, false), grpc::StatusCode::UNAUTHENTICATED) << method;
    EXPECT_EQ(code(mtls, method, true), grpc::StatusCode::OK) << method;
  }
  // No token is configured: presenting one changes nothing.
  EXPECT_EQ(code(mtls, kDescribeGroup, false, "Bearer s3cret"), grpc::StatusCode::UNAUTHENTICATED);
  auto refused = authorize(mtls, kCalls, false, std::nullopt);
  EXPECT_NE(refused.error_message().find("needs a client certificate"), std::string::npos);
}

TEST(GrpcAuth, HealthAndReflectionStayOpen) {
  for (const auto& policy : {CallPolicy{.client_ca = true}, with_token(true), with_token(false)}) {
    EXPECT_EQ(code(policy, kHealthCheck, false), grpc::StatusCode::OK);
    EXPECT_EQ(code(policy, kReflection, false), grpc::StatusCode::OK);
  }
}

TEST(GrpcAuth, AdminTokenOrCertificate) {
  auto policy = with_token(true);
  EXPECT_EQ(code(policy, kDescribeGroup, false, "Bearer s3cret"), grpc::StatusCode::OK);
  EXPECT_EQ(code(policy, kDescribeGroup, true), grpc::StatusCode::OK);
  for (std::string_view wrong :
       {"Bearer s3cre", "Bearer s3cret2", "Bearer ", "s3cret", "Basic s3cret", "bearer s3cret"}) {
    auto status = authorize(policy, kDescribeGroup, false, wrong);
    EXPECT_EQ(status.error_code(), grpc::StatusCode::UNAUTHENTICATED) << wrong;
    EXPECT_EQ(status.error_message().find("s3cret"), std::string::npos) << "token in message";
  }
  auto missing = authorize(policy, kDescribeGroup, false, std::nullopt);
  EXPECT_NE(missing.error_message().find("needs the admin token"), std::string::npos);
  EXPECT_NE(missing.error_message().find("or a client certificate"), std::string::npos);
  // The token opens the Admin service only, never the gateways' service.
  EXPECT_EQ(code(policy, kJoinGroup, false, "Bearer s3cret"), grpc::StatusCode::UNAUTHENTICATED);
}

TEST(GrpcAuth, TokenWithoutClientCaLeavesTheCoordinatorServiceOpen) {
  auto policy = with_token(false);
  EXPECT_EQ(code(policy, kJoinGroup, false), grpc::StatusCode::OK);
  EXPECT_EQ(code(policy, kDescribeGroup, false), grpc::StatusCode::UNAUTHENTICATED);
  EXPECT_EQ(code(policy, kDescribeGroup, false, "Bearer s3cret"), grpc::StatusCode::OK);
  auto missing = authorize(policy, kDescribeGroup, false, std::nullopt);
  EXPECT_EQ(missing.error_message().find("client certificate"), std::string::npos)
      << "no certificate is asked for without a client CA";
}

TEST(ConstantTimeEqual, ComparesWholeStrings) {
  EXPECT_TRUE(constant_time_equal("abc", "abc"));
  EXPECT_TRUE(constant_time_equal("", ""));
  EXPECT_FALSE(constant_time_equal("abd", "abc"));
  EXPECT_FALSE(constant_time_equal("ab", "abc"));
  EXPECT_FALSE(constant_time_equal("abcd", "abc"));
  EXPECT_FALSE(constant_time_equal("", "abc"));
  EXPECT_FALSE(constant_time_equal(std::string_view("abc\0", 4), "abc"));
}

class TokenFile : public ::testing::Test {
 protected:
  void SetUp() override {
    path_ = (std::filesystem::temp_directory_path() /
             ("groupwire-token-" + std::to_string(::getpid()) + "-" +
              ::testing::UnitTest::GetInstance()->current_test_info()->name()))
                .string();
  }
  void TearDown() override { std::filesystem::remove(path_); }

  // Writes the file with a modification time later than any before: a rewrite within the
  // file system's timestamp granularity still reads as a change.
  void write(const std::string& contents) {
    std::ofstream(path_, std::ios::trunc) << contents;
    next_mtime_ = next_mtime_ == std::filesystem::file_time_type{}
                      ? std::filesystem::last_write_time(path_)
                      : next_mtime_ + std::chrono::seconds(1);
    std::filesystem::last_write_time(path_, next_mtime_);
  }

  // Waits for the poller to have read `token` (it polls every millisecond here).
  static bool becomes(const TokenSource& source, const std::string& token) {
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (!source.matches(token)) {
      if (std::chrono::steady_clock::now() > deadline) return false;
      std::this_thread::yield();
    }
    return true;
  }

  std::string path_;
  std::filesystem::file_time_type next_mtime_{};
};

TEST_F(TokenFile, ReadTrimmedAndReReadWhenItChanges) {
  write("first\n");
  std::string error;
  auto source = TokenSource::from_file(path_, std::chrono::milliseconds(1), error);
  ASSERT_TRUE(source) << error;
  EXPECT_TRUE(source->matches("first"));
  EXPECT_EQ(source->current(), "first");
  write("  second \n");
  EXPECT_TRUE(becomes(*source, "second"));
  EXPECT_FALSE(source->matches("first"));
}

TEST_F(TokenFile, AnEmptiedOrRemovedFileKeepsTheLastToken) {
  write("first\n");
  std::string error;
  auto source = TokenSource::from_file(path_, std::chrono::milliseconds(1), error);
  ASSERT_TRUE(source) << error;
  write("\n");
  std::filesystem::remove(path_);
  write("third");
  EXPECT_TRUE(becomes(*source, "third"));
}

TEST_F(TokenFile, MissingOrEmptyAtStartIsAnError) {
  std::string error;
  EXPECT_FALSE(TokenSource::from_file(path_, std::chrono::seconds(1), error));
  EXPECT_NE(error.find(path_), std::string::npos) << error;
  write(" \n");
  EXPECT_FALSE(TokenSource::from_file(path_, std::chrono::seconds(1), error));
  EXPECT_NE(error.find("is empty"), std::string::npos) << error;
}

}  // namespace
}  // namespace groupwire::coordinator
