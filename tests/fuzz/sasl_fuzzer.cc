// libFuzzer entry point for the SASL server mechanisms (built with clang when GROUPWIRE_FUZZ is
// on).
#include "sasl_fuzz_input.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  groupwire::fuzz::run_sasl_input(data, size);
  return 0;
}
