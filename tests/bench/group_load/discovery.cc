#include "group_load/discovery.h"

#include <algorithm>
#include <map>
#include <optional>

#include <fmt/format.h>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>

#include "kafka/codec/messages/api_versions.h"
#include "kafka/codec/messages/find_coordinator.h"
#include "kafka/codec/messages/heartbeat.h"
#include "kafka/codec/messages/join_group.h"
#include "kafka/codec/messages/leave_group.h"
#include "kafka/codec/messages/sync_group.h"
#include "kafka/error_code.h"

namespace groupwire::bench {

namespace {

// The highest version of M both we and the broker serve.
template <kafka::TopLevelMessage M>
std::optional<kafka::ApiVersion> highest_common(const kafka::ApiVersionsResponse& served,
                                                kafka::ApiVersion our_max = M::kValid.hi) {
  for (const auto& a : served.api_keys) {
    if (a.api_key != static_cast<std::int16_t>(M::kApiKey)) continue;
    auto v = std::min(a.max_version, our_max);
    if (v < a.min_version || v < M::kValid.lo) return std::nullopt;
    return v;
  }
  return std::nullopt;
}

std::optional<tcp::endpoint> resolve(asio::io_context& io, const std::string& host,
                                     std::uint16_t port, std::string& error) {
  error_code ec;
  tcp::resolver resolver(io);
  auto results = resolver.resolve(host, std::to_string(port), ec);
  if (ec || results.empty()) {
    error = fmt::format("cannot resolve {}: {}", host, ec.message());
    return std::nullopt;
  }
  return results.begin()->endpoint();
}

asio::awaitable<void> ask(const Config& config, KafkaSocket& socket, Discovery& out,
                          asio::io_context& io) {
  std::string connect_error = co_await socket.connect(out.bootstrap, std::nullopt);
  if (!connect_error.empty()) {
    out.error = fmt::format("connect to {}: {}", config.bootstrap.to_string(), connect_error);
    co_return;
  }
  // v0: every broker answers it in full, whatever it supports.
  kafka::ApiVersionsRequest versions_request;
  kafka::ApiVersionsResponse served;
  error_code ec = co_await socket.call(versions_request, 0, served);
  if (ec || served.error_code != 0) {
    out.error =
        fmt::format("ApiVersions: {}", ec ? ec.message() : std::to_string(served.error_code));
    co_return;
  }
  auto join = highest_common<kafka::JoinGroupRequest>(served);
  auto sync = highest_common<kafka::SyncGroupRequest>(served);
  auto heartbeat = highest_common<kafka::HeartbeatRequest>(served);
  auto leave = highest_common<kafka::LeaveGroupRequest>(served);
  // v4+ batch the keys; one key per request is what we need.
  auto find = highest_common<kafka::FindCoordinatorRequest>(served, 3);
  if (!join || !sync || !heartbeat || !leave || !find) {
    out.error =
        "the broker does not serve JoinGroup, SyncGroup, Heartbeat, LeaveGroup and "
        "FindCoordinator 0-3";
    co_return;
  }
  out.versions = {*join, *sync, *heartbeat, *leave};

  std::map<std::string, Broker> known;
  for (int g = 0; g < config.groups; ++g) {
    kafka::FindCoordinatorRequest req;
    req.key = group_id(config, g);
    kafka::FindCoordinatorResponse found;
    ec = co_await socket.call(req, *find, found);
    if (ec || found.error_code != 0) {
      out.error = fmt::format(
          "FindCoordinator {}: {}", req.key,
          ec ? ec.message()
             : std::string(kafka::error_name(static_cast<kafka::ErrorCode>(found.error_code))));
      co_return;
    }
    auto address = fmt::format("{}:{}", found.host, found.port);
    auto it = known.find(address);
    if (it == known.end()) {
      auto port = static_cast<std::uint16_t>(found.port);
      auto endpoint = resolve(io, found.host, port, out.error);
      if (!endpoint) co_return;
      it = known.emplace(address, Broker{*endpoint, HostPort{found.host, port}}).first;
    }
    out.coordinators.push_back(it->second);
  }
}

}  // namespace

std::string group_id(const Config& config, int group) {
  return config.group_prefix + std::to_string(group);
}

Discovery discover(const Config& config, const gateway::UpstreamSecurity& security) {
  Discovery out;
  asio::io_context io;
  auto bootstrap = resolve(io, config.bootstrap.host, config.bootstrap.port, out.error);
  if (!bootstrap) return out;
  out.bootstrap = Broker{*bootstrap, config.bootstrap};
  if (config.mode != Mode::Groups) {
    out.versions.heartbeat = config.heartbeat_version;
    return out;
  }
  KafkaSocket socket(io.get_executor(), security);
  asio::co_spawn(io, ask(config, socket, out, io), asio::detached);
  io.run();
  return out;
}

}  // namespace groupwire::bench
