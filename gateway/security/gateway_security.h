// The gateway's security files, loaded at start-up and kept current: the listeners' certificate,
// the SASL credentials and the ACLs are re-read when their files change (checked every
// --reload-interval-ms, and at once on SIGHUP); established connections keep what they started
// with. A file that fails to load at start-up stops the gateway; later, the last good content
// stays in force and a warning names the file.
#pragma once

#include <functional>
#include <memory>
#include <string>

#include <boost/asio/any_io_executor.hpp>

#include "security/acl.h"
#include "security/listener_security.h"
#include "server/config.h"

namespace groupwire::gateway {

class GatewaySecurity {
 public:
  // Null, with `error` naming the flag and the problem, when a file does not load.
  static std::unique_ptr<GatewaySecurity> load(const GatewayConfig& config,
                                               boost::asio::any_io_executor executor,
                                               std::string& error);
  ~GatewaySecurity();

  const ListenerSecurity& listener() const { return listener_; }
  const UpstreamSecurity& upstream() const { return *listener_.upstream; }
  // The ACLs in force; empty without --acl-file.
  std::function<std::shared_ptr<const security::AclSet>()> acls() const { return acls_; }

 private:
  struct Watched;
  GatewaySecurity() = default;

  ListenerSecurity listener_;
  std::function<std::shared_ptr<const security::AclSet>()> acls_;
  std::unique_ptr<Watched> watched_;
};

}  // namespace groupwire::gateway
