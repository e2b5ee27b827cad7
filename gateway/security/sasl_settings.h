// How the Kafka listeners authenticate clients with SASL: the enabled mechanisms, the stored
// credentials (re-read when their file changes) and how long a session lasts (KIP-368).
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "security/sasl_credentials.h"

namespace groupwire::gateway {

struct SaslSettings {
  std::vector<std::string> mechanisms;  // as Kafka names them: PLAIN, SCRAM-SHA-256, ...
  std::function<std::shared_ptr<const security::SaslCredentials>()> credentials;
  // Kafka's connections.max.reauth.ms: 0, sessions never expire.
  std::chrono::milliseconds session_lifetime{0};
};

}  // namespace groupwire::gateway
