// Replays the SASL seed corpus (tests/fuzz/corpus-sasl) through the fuzzer's path under the
// normal test build: the seeds named *_ok hold complete valid logins, the others fail cleanly.
#include <filesystem>
#include <fstream>
#include <iterator>

#include <gtest/gtest.h>

#include "sasl_fuzz_input.h"

namespace {

using Status = groupwire::security::SaslStep::Status;

TEST(SaslFuzzCorpus, ValidSeedsLogInAndTheOthersFail) {
  int ok = 0, failed = 0;
  for (const auto& entry : std::filesystem::directory_iterator(GROUPWIRE_SASL_CORPUS)) {
    std::ifstream in(entry.path(), std::ios::binary);
    std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    auto status = groupwire::fuzz::run_sasl_input(
        reinterpret_cast<const std::uint8_t*>(bytes.data()), bytes.size());
    bool valid = entry.path().stem().string().ends_with("_ok");
    EXPECT_EQ(status, valid ? Status::kDone : Status::kFailed) << entry.path();
    ++(valid ? ok : failed);
  }
  EXPECT_GT(ok, 0);
  EXPECT_GT(failed, 0);
}

}  // namespace
