// libFuzzer entry point (built with clang when GROUPWIRE_FUZZ is on).
#include "fuzz_input.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  groupwire::fuzz::run_input(data, size);
  return 0;
}
