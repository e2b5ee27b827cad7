// SCRAM-SHA-256 and SCRAM-SHA-512 (RFC 5802, RFC 7677) as Kafka implements them (KIP-84): no
// channel binding (gs2 header "n,,"), an authzid only if it names the user itself, no SASLprep.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "security/sasl_mechanism.h"

namespace groupwire::security {

enum class ScramMechanism { kSha256, kSha512 };

std::string_view mechanism_name(ScramMechanism mechanism);
std::optional<ScramMechanism> parse_scram_mechanism(std::string_view name);

// Kafka's minimum for SCRAM; the maximum bounds what one PLAIN login costs the gateway.
inline constexpr int kMinScramIterations = 4096;
inline constexpr int kMaxScramIterations = 16384;

// What the server stores: raw bytes, never the password.
struct ScramCredential {
  ScramMechanism mechanism = ScramMechanism::kSha512;
  std::string salt;
  int iterations = kMinScramIterations;
  std::string stored_key;
  std::string server_key;
};

// With a random 32-byte salt. iterations must be positive (callers bound it by the constants).
ScramCredential make_scram_credential(ScramMechanism mechanism, std::string_view password,
                                      int iterations = kMinScramIterations);
ScramCredential make_scram_credential(ScramMechanism mechanism, std::string_view password,
                                      std::string salt, int iterations);

// Whether password is the one the credential was made from (constant-time comparison).
bool scram_password_matches(const ScramCredential& credential, std::string_view password);

// The digest's length: what stored_key and server_key must measure.
std::size_t scram_key_size(ScramMechanism mechanism);

// A fresh nonce of printable characters without ','; replaceable for test vectors.
using NonceSource = std::function<std::string()>;
std::string random_nonce();

using ScramCredentialLookup = std::function<std::optional<ScramCredential>(std::string_view user)>;

// The server side: client-first → server-first, client-final → server-final.
class ScramServer : public SaslServerMechanism {
 public:
  ScramServer(ScramMechanism mechanism, ScramCredentialLookup lookup,
              NonceSource nonce = random_nonce);
  SaslStep step(std::string_view client_message) override;

 private:
  SaslStep client_first(std::string_view message);
  SaslStep client_final(std::string_view message);
  SaslStep fail(std::string error);

  enum class State { kClientFirst, kClientFinal, kOver };
  ScramMechanism mechanism_;
  ScramCredentialLookup lookup_;
  NonceSource nonce_;
  State state_ = State::kClientFirst;
  std::string user_;
  std::string gs2_header_;
  std::string client_first_bare_;
  std::string server_first_;
  std::string nonce_value_;
  ScramCredential credential_;
};

// The client side, for logging in to an upstream that asks for SCRAM.
class ScramClient {
 public:
  ScramClient(ScramMechanism mechanism, std::string user, std::string password,
              NonceSource nonce = random_nonce);
  std::string client_first();
  // nullopt (and error) if the server-first message is malformed or does not extend our nonce.
  std::optional<std::string> client_final(std::string_view server_first, std::string& error);
  // Whether the server proved it knows the credential.
  bool verify_server_final(std::string_view server_final, std::string& error);

 private:
  ScramMechanism mechanism_;
  std::string user_;
  std::string password_;
  NonceSource nonce_;
  std::string client_first_bare_;
  std::string client_nonce_;
  std::string expected_server_signature_;
};

}  // namespace groupwire::security
