// The web console (--console-listen): pages built into the binary, the JSON API they read and the
// event stream that keeps them live. Read-only; everything it shows comes from the admin API.
#pragma once

#include <memory>
#include <optional>
#include <span>
#include <string>

#include <grpcpp/security/credentials.h>

#include "console/admin_client.h"
#include "console/console_api.h"
#include "console/event_feed.h"
#include "host_port.h"
#include "http/http_server.h"

namespace groupwire::coordinator::console {

class Console {
 public:
  // Serves on `listen` (throws std::runtime_error when it cannot), reading the admin API of the
  // coordinator at `self` as a peer coordinator would (`credentials`). End offsets, for lag, come
  // from `lag_bootstrap` when given.
  Console(const HostPort& listen, const std::string& self,
          std::shared_ptr<grpc::ChannelCredentials> credentials,
          const std::optional<std::string>& lag_bootstrap);
  ~Console();

  HostPort bound() const { return server_->bound(); }

 private:
  AdminClient admin_;
  EventFeed feed_;
  std::unique_ptr<ConsoleApi> api_;
  std::unique_ptr<http::HttpServer> server_;
};

// The built-in files (assets/, embedded at build time), each served at "/" + its file name.
struct Asset {
  std::string_view path;
  std::string_view content_type;
  std::string_view body;
};
std::span<const Asset> assets();

}  // namespace groupwire::coordinator::console
