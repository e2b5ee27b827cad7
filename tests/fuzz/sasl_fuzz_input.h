// One SASL fuzz input: byte 0 picks the mechanism (modulo 3: PLAIN, SCRAM-SHA-256,
// SCRAM-SHA-512), the rest up to the first '\n' is the client's first token and what follows it
// the second. The server knows one user, kSaslUser with kSaslPassword, and its SCRAM nonce is the
// client's followed by kSaslServerNonce, so that saved inputs can hold a valid proof. The second
// token also goes to a SCRAM client as the server's first message, and then as its final one.
// Shared by the libFuzzer target and the test that replays the seed corpus.
#pragma once

#include <cstddef>
#include <cstdint>

#include "security/sasl_mechanism.h"

namespace groupwire::fuzz {

inline constexpr char kSaslUser[] = "fuzz-user";
inline constexpr char kSaslPassword[] = "fuzz-password";
inline constexpr char kSaslServerNonce[] = "fuzz";

// The server's last answer.
security::SaslStep::Status run_sasl_input(const std::uint8_t* data, std::size_t size);

}  // namespace groupwire::fuzz
