#include "sasl_fuzz_input.h"

#include <string_view>

#include "security/sasl_credentials.h"
#include "security/scram.h"

namespace groupwire::fuzz {

namespace {

using namespace security;

std::shared_ptr<const SaslCredentials> credentials() {
  static const auto set = [] {
    auto c = std::make_shared<SaslCredentials>();
    c->put(kSaslUser, make_scram_credential(ScramMechanism::kSha256, kSaslPassword, "salt-256",
                                            kMinScramIterations));
    c->put(kSaslUser, make_scram_credential(ScramMechanism::kSha512, kSaslPassword, "salt-512",
                                            kMinScramIterations));
    return c;
  }();
  return set;
}

std::unique_ptr<SaslServerMechanism> server(std::optional<ScramMechanism> scram) {
  if (!scram) return make_sasl_server("PLAIN", credentials());
  return std::make_unique<ScramServer>(
      *scram, [m = *scram](std::string_view user) { return credentials()->find(user, m); },
      [] { return std::string(kSaslServerNonce); });
}

void run_client(ScramMechanism mechanism, std::string_view server_first) {
  ScramClient client(mechanism, kSaslUser, kSaslPassword, [] { return std::string("c"); });
  client.client_first();
  std::string error;
  if (client.client_final(server_first, error)) client.verify_server_final(server_first, error);
}

}  // namespace

SaslStep::Status run_sasl_input(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return SaslStep::Status::kFailed;
  std::optional<ScramMechanism> scram;
  if (data[0] % 3 == 1) scram = ScramMechanism::kSha256;
  if (data[0] % 3 == 2) scram = ScramMechanism::kSha512;
  std::string_view rest(reinterpret_cast<const char*>(data) + 1, size - 1);
  auto cut = rest.find('\n');
  auto first = rest.substr(0, cut);
  auto second = cut == std::string_view::npos ? std::string_view() : rest.substr(cut + 1);

  auto mechanism = server(scram);
  auto step = mechanism->step(first);
  if (step.status == SaslStep::Status::kContinue) step = mechanism->step(second);
  if (scram) run_client(*scram, second);
  return step.status;
}

}  // namespace groupwire::fuzz
