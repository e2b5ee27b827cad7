// `groupwire users` as a process: what it writes is what the gateway's PLAIN and SCRAM check.
#include <sys/stat.h>
#include <sys/wait.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include <gtest/gtest.h>

#include "security/base64.h"
#include "security/sasl_credentials.h"

namespace groupwire::security {
namespace {

namespace fs = std::filesystem;

struct Outcome {
  int code = -1;
  std::string out;
  std::string err;
};

std::string slurp(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

class UsersCli : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string pattern = (fs::temp_directory_path() / "groupwire-users-XXXXXX").string();
    ASSERT_NE(mkdtemp(pattern.data()), nullptr);
    dir_ = pattern;
    file_ = (dir_ / "sasl-users").string();
  }
  void TearDown() override { fs::remove_all(dir_); }

  // groupwire ARGS < stdin_text (paths here have no shell metacharacters).
  Outcome run(const std::string& args, const std::string& stdin_text = "") {
    std::ofstream(dir_ / "stdin", std::ios::binary) << stdin_text;
    auto command = std::string("'") + GROUPWIRE_CLI + "' " + args + " < '" +
                   (dir_ / "stdin").string() + "' > '" + (dir_ / "out").string() + "' 2> '" +
                   (dir_ / "err").string() + "'";
    int status = std::system(command.c_str());
    return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, slurp(dir_ / "out"), slurp(dir_ / "err")};
  }

  SaslCredentials written() {
    std::string error;
    auto credentials = SaslCredentials::parse(slurp(file_), error);
    EXPECT_TRUE(credentials) << error;
    return credentials.value_or(SaslCredentials());
  }

  fs::path dir_;
  std::string file_;
};

TEST_F(UsersCli, AddTwiceReplacesTheCredentialWhichPlainThenChecks) {
  ASSERT_EQ(run("users add alice --password-stdin --file " + file_, "first\n").code, 0);
  auto added = run("users add alice --password-stdin --file " + file_, "second\n");
  ASSERT_EQ(added.code, 0) << added.err;
  auto credentials = written();
  EXPECT_TRUE(credentials.check_password("alice", "second"));
  EXPECT_FALSE(credentials.check_password("alice", "first"));
  EXPECT_FALSE(credentials.check_password("alice", "second\n"));
  EXPECT_EQ(slurp(file_).find("second"), std::string::npos);

  auto listed = run("users list --file " + file_);
  EXPECT_EQ(listed.code, 0) << listed.err;
  EXPECT_EQ(listed.out, "alice SCRAM-SHA-512 4096\n");
}

TEST_F(UsersCli, FileIsOnlyTheOwnersAndListShowsNoKeys) {
  ASSERT_EQ(run("users add bob --mechanism SCRAM-SHA-256 --iterations 8192 --password-stdin "
                "--file " +
                    file_,
                "pw\n")
                .code,
            0);
  ASSERT_EQ(run("users add bob --password-stdin --file " + file_, "pw\n").code, 0);
  struct stat st {};
  ASSERT_EQ(stat(file_.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  auto listed = run("users list --file " + file_);
  EXPECT_EQ(listed.out, "bob SCRAM-SHA-256 8192\nbob SCRAM-SHA-512 4096\n");
  auto credential = written().find("bob", ScramMechanism::kSha256);
  ASSERT_TRUE(credential);
  EXPECT_EQ(listed.out.find(base64_encode(credential->salt)), std::string::npos);
  EXPECT_EQ(listed.out.find(base64_encode(credential->stored_key)), std::string::npos);
  EXPECT_EQ(listed.out.find(base64_encode(credential->server_key)), std::string::npos);
  // Nothing but the file: the temporary file it was written as is gone.
  EXPECT_EQ(std::distance(fs::directory_iterator(dir_), fs::directory_iterator()), 4);
}

TEST_F(UsersCli, RemoveDropsEveryMechanismOfTheUser) {
  ASSERT_EQ(run("users add carol --password-stdin --file " + file_, "pw\n").code, 0);
  ASSERT_EQ(
      run("users add carol --mechanism SCRAM-SHA-256 --password-stdin --file " + file_, "pw\n")
          .code,
      0);
  ASSERT_EQ(run("users add dave --password-stdin --file " + file_, "pw\n").code, 0);
  EXPECT_EQ(run("users remove carol --file " + file_).code, 0);
  EXPECT_EQ(run("users list --file " + file_).out, "dave SCRAM-SHA-512 4096\n");
  auto again = run("users remove carol --file " + file_);
  EXPECT_EQ(again.code, 1);
  EXPECT_NE(again.err.find("no user 'carol'"), std::string::npos) << again.err;
}

TEST_F(UsersCli, UsageErrorsExitWithTwo) {
  for (const std::string& args : std::vector<std::string>{
           "users add alice --file " + file_,  // no --password-stdin
           "users add alice --password-stdin --mechanism PLAIN --file " + file_,
           "users add alice --password-stdin --iterations 4095 --file " + file_,
           "users add alice --password-stdin --iterations 16385 --file " + file_,
           "users add alice --password-stdin",  // no --file
           "users add --password-stdin --file " + file_,
           "users rename alice bob --file " + file_,
       }) {
    auto result = run(args, "pw\n");
    EXPECT_EQ(result.code, 2) << args;
    EXPECT_FALSE(result.err.empty()) << args;
  }
  EXPECT_FALSE(fs::exists(file_));
}

TEST_F(UsersCli, FailuresExitWithOne) {
  auto no_password = run("users add alice --password-stdin --file " + file_, "");
  EXPECT_EQ(no_password.code, 1);
  EXPECT_NE(no_password.err.find("no password"), std::string::npos) << no_password.err;
  auto missing = run("users list --file " + file_);
  EXPECT_EQ(missing.code, 1);
  std::ofstream(file_) << "alice SCRAM-SHA-512 4096 c2FsdA== AAAA AAAA\n";
  auto malformed = run("users add bob --password-stdin --file " + file_, "pw\n");
  EXPECT_EQ(malformed.code, 1);
  EXPECT_NE(malformed.err.find("line 1: stored key"), std::string::npos) << malformed.err;
}

TEST_F(UsersCli, NeedsNoCoordinator) {
  auto result =
      run("--coordinator nowhere users add alice --password-stdin --file " + file_, "pw\n");
  EXPECT_EQ(result.code, 0) << result.err;
}

}  // namespace
}  // namespace groupwire::security
