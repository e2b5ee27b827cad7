#include "console/console.h"

#include <stdexcept>

#include "lag/watermarks.h"

namespace groupwire::coordinator::console {

namespace {

// Handlers wait on gRPC calls and on the Kafka cluster: a few threads keep one slow page from
// holding up the rest.
constexpr std::size_t kThreads = 4;

// Group and client ids are the clients' to choose: the pages insert them as text, and the policy
// forbids any script or style but the console's own, should one slip through anyway.
const std::vector<std::pair<std::string, std::string>> kPageHeaders = {
    {"Content-Security-Policy",
     "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
     "connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"},
    {"X-Content-Type-Options", "nosniff"},
    {"Referrer-Policy", "no-referrer"},
};

http::Response with_page_headers(http::Response r) {
  r.headers.insert(r.headers.end(), kPageHeaders.begin(), kPageHeaders.end());
  return r;
}

std::unique_ptr<lag::WatermarkReader> open_end_offsets(
    const std::optional<std::string>& bootstrap) {
  if (!bootstrap) return nullptr;
  std::string error;
  auto reader = lag::WatermarkReader::open(*bootstrap, "groupwire-console", error);
  if (!reader) throw std::runtime_error("--lag-bootstrap: " + error);
  return reader;
}

}  // namespace

Console::Console(const HostPort& listen, const std::string& self,
                 std::shared_ptr<grpc::ChannelCredentials> credentials,
                 const std::optional<std::string>& lag_bootstrap)
    : admin_(self, std::move(credentials)),
      feed_(admin_),
      api_(std::make_unique<ConsoleApi>(admin_, feed_, open_end_offsets(lag_bootstrap))) {
  std::map<std::string, http::Handler> routes;
  auto page = [](const Asset& a) {
    return [&a](const http::Request&) {
      return with_page_headers({200, std::string(a.content_type), std::string(a.body)});
    };
  };
  for (const Asset& a : assets()) {
    routes[std::string(a.path)] = page(a);
    if (a.path == "/index.html") routes["/"] = page(a);
  }
  routes["/api/groups"] = [this](const http::Request&) {
    return with_page_headers(api_->groups());
  };
  routes["/api/group"] = [this](const http::Request& r) {
    auto id = r.query.find("id");
    return with_page_headers(api_->group(id == r.query.end() ? "" : id->second));
  };
  routes["/api/cluster"] = [this](const http::Request&) {
    return with_page_headers(api_->cluster());
  };
  routes["/api/events"] = [this](const http::Request& r) {
    auto group = r.query.find("group");
    http::Response stream{200, "text/event-stream", "", {{"Cache-Control", "no-store"}}};
    stream.stream = [this, group_id = group == r.query.end() ? "" : group->second](
                        std::shared_ptr<http::EventStream> s) {
      feed_.subscribe(std::move(s), group_id);
    };
    return with_page_headers(std::move(stream));
  };
  server_ = std::make_unique<http::HttpServer>(listen, std::move(routes), kThreads);
}

Console::~Console() {
  // Streams hold connections of the server's: they end before the server does.
  feed_.close_streams();
  server_.reset();
}

}  // namespace groupwire::coordinator::console
