// One fuzz input: a byte stream as a client would send it, cut into frames and dispatched to
// every handler the gateway registers; the tail also goes through the consumer-protocol decoders.
// Shared by the libFuzzer target and the regression test that replays saved crashes.
#pragma once

#include <cstddef>
#include <cstdint>

namespace groupwire::fuzz {

void run_input(const std::uint8_t* data, std::size_t size);

}  // namespace groupwire::fuzz
