#include "group_load/discovery.h"

#include <algorithm>
#include <map>
#include <optional>

#include <fmt/format.h>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "kafka/codec/messages/api_versions.h"
#include "kafka/codec/messages/consumer_group_describe.h"
#include "kafka/codec/messages/consumer_group_heartbeat.h"
#include "kafka/codec/messages/find_coordinator.h"
#include "kafka/codec/messages/heartbeat.h"
#include "kafka/codec/messages/join_group.h"
#include "kafka/codec/messages/leave_group.h"
#include "kafka/codec/messages/metadata.h"
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

// A gateway offers ConsumerGroupHeartbeat once its coordinators said they serve the consumer
// protocol: shortly after it starts.
constexpr Millis kConsumerProtocolWait{10000};
constexpr Millis kConsumerProtocolPoll{50};

asio::awaitable<error_code> api_versions(KafkaSocket& socket, kafka::ApiVersionsResponse& served,
                                         std::string& error) {
  // v0: every broker answers it in full, whatever it supports.
  kafka::ApiVersionsRequest request;
  error_code ec = co_await socket.call(request, 0, served);
  if (ec || served.error_code != 0) {
    error = fmt::format("ApiVersions: {}", ec ? ec.message() : std::to_string(served.error_code));
    if (!ec) ec = make_error_code(boost::system::errc::protocol_error);
  }
  co_return ec;
}

// The topic's id and partitions, as a client learns them.
asio::awaitable<void> look_up(const Config& config, KafkaSocket& socket,
                              const kafka::ApiVersionsResponse& served, Discovery& out) {
  auto version = highest_common<kafka::MetadataRequest>(served);
  // Topic ids are in Metadata v10+.
  if (!version || (config.protocol == Protocol::Consumer && *version < 10)) {
    out.error = "the broker does not serve Metadata v10+ (topic ids)";
    co_return;
  }
  kafka::MetadataRequest req;
  req.topics = std::vector<kafka::MetadataRequest::Topic>{{kafka::Uuid{}, config.topic}};
  req.allow_auto_topic_creation = false;
  kafka::MetadataResponse resp;
  error_code ec = co_await socket.call(req, *version, resp);
  if (ec || resp.topics.size() != 1 || resp.topics[0].error_code != 0) {
    out.error = fmt::format("Metadata {}: {}", config.topic,
                            ec ? ec.message()
                            : resp.topics.size() != 1
                                ? std::string("no such topic in the answer")
                                : std::string(kafka::error_name(
                                      static_cast<kafka::ErrorCode>(resp.topics[0].error_code))));
    co_return;
  }
  out.topic.id = resp.topics[0].topic_id;
  out.topic.partitions = static_cast<std::int32_t>(resp.topics[0].partitions.size());
}

asio::awaitable<void> ask(const Config& config, KafkaSocket& socket, Discovery& out,
                          asio::io_context& io) {
  std::string connect_error = co_await socket.connect(out.bootstrap, std::nullopt);
  if (!connect_error.empty()) {
    out.error = fmt::format("connect to {}: {}", config.bootstrap.to_string(), connect_error);
    co_return;
  }
  const bool consumer = config.protocol == Protocol::Consumer;
  kafka::ApiVersionsResponse served;
  if (co_await api_versions(socket, served, out.error)) co_return;
  asio::steady_timer poll(io);
  auto give_up = Clock::now() + kConsumerProtocolWait;
  while (consumer && !highest_common<kafka::ConsumerGroupHeartbeatRequest>(served) &&
         Clock::now() < give_up) {
    poll.expires_after(kConsumerProtocolPoll);
    co_await poll.async_wait(asio::use_awaitable);
    if (co_await api_versions(socket, served, out.error)) co_return;
  }
  auto join = highest_common<kafka::JoinGroupRequest>(served);
  auto sync = highest_common<kafka::SyncGroupRequest>(served);
  auto heartbeat = highest_common<kafka::HeartbeatRequest>(served);
  auto leave = highest_common<kafka::LeaveGroupRequest>(served);
  auto consumer_heartbeat = highest_common<kafka::ConsumerGroupHeartbeatRequest>(served);
  auto describe = highest_common<kafka::ConsumerGroupDescribeRequest>(served);
  // v4+ batch the keys; one key per request is what we need.
  auto find = highest_common<kafka::FindCoordinatorRequest>(served, 3);
  if (!find) {
    out.error = "the broker does not serve FindCoordinator 0-3";
    co_return;
  }
  if (consumer) {
    // v1: the client generates its member id (KIP-1082), as Kafka 4's clients do.
    if (!consumer_heartbeat || *consumer_heartbeat < 1) {
      out.error = "the broker does not serve ConsumerGroupHeartbeat v1";
      co_return;
    }
    if (config.describe && !describe) {
      out.error = "the broker does not serve ConsumerGroupDescribe (see --no-describe)";
      co_return;
    }
    out.versions.consumer_group_heartbeat = *consumer_heartbeat;
    if (config.describe) out.versions.consumer_group_describe = describe;
  } else {
    if (!join || !sync || !heartbeat || !leave) {
      out.error = "the broker does not serve JoinGroup, SyncGroup, Heartbeat and LeaveGroup";
      co_return;
    }
    out.versions.join_group = *join;
    out.versions.sync_group = *sync;
    out.versions.heartbeat = *heartbeat;
    out.versions.leave_group = *leave;
  }
  out.topic.name = config.topic;
  if (config.look_up_topic) {
    co_await look_up(config, socket, served, out);
    if (!out.error.empty()) co_return;
  }

  std::map<std::string, Broker> known;
  for (int g = 0; g < config.groups; ++g) {
    kafka::FindCoordinatorRequest req;
    req.key = group_id(config, g);
    kafka::FindCoordinatorResponse found;
    error_code ec = co_await socket.call(req, *find, found);
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
