// Kafka's principals as both processes name them: User:NAME, and User:ANONYMOUS for a client
// that did not authenticate (Kafka's KafkaPrincipal.ANONYMOUS). Coordinator calls leave an
// anonymous principal empty.
#pragma once

#include <string>
#include <string_view>

namespace groupwire::kafka {

inline constexpr std::string_view kAnonymousPrincipal = "User:ANONYMOUS";

inline std::string principal_or_anonymous(std::string_view principal) {
  return std::string(principal.empty() ? kAnonymousPrincipal : principal);
}

}  // namespace groupwire::kafka
