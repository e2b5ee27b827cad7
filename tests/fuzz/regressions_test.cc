// Replays every saved fuzz finding (tests/fuzz/regressions) and the seed corpus through the
// same path as the fuzzer, under the normal test build and its sanitizers.
#include <filesystem>
#include <fstream>
#include <iterator>

#include <gtest/gtest.h>

#include "fuzz_input.h"

namespace {

TEST(FuzzRegressions, SavedInputsRunCleanly) {
  int count = 0;
  for (const char* dir : {GROUPWIRE_FUZZ_DIR "/regressions", GROUPWIRE_FUZZ_DIR "/corpus"}) {
    if (!std::filesystem::exists(dir)) continue;
    for (const auto& entry : std::filesystem::directory_iterator(dir)) {
      std::ifstream in(entry.path(), std::ios::binary);
      std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
      groupwire::fuzz::run_input(reinterpret_cast<const std::uint8_t*>(bytes.data()), bytes.size());
      ++count;
    }
  }
  EXPECT_GT(count, 0);
  std::printf("replayed %d fuzz inputs\n", count);
}

}  // namespace
