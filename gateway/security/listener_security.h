// What a Kafka listener asks of its clients, TLS (the current certificate, re-read when its
// files change) and SASL, and how it logs in to the upstream. All empty: plaintext, anonymous.
#pragma once

#include <functional>
#include <memory>

#include <boost/asio/ssl/context.hpp>

#include "security/sasl_settings.h"
#include "upstream/upstream_login.h"

namespace groupwire::gateway {

struct ListenerSecurity {
  std::function<std::shared_ptr<boost::asio::ssl::context>()> tls;  // empty: plaintext
  std::shared_ptr<const SaslSettings> sasl;                         // null: no SASL
  // How this listener's client connections reach their upstream broker; null: plaintext.
  std::shared_ptr<const UpstreamSecurity> upstream;
};

}  // namespace groupwire::gateway
