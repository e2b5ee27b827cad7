#include "upstream/upstream_cluster.h"

#include <utility>  // before asio: Boost 1.74 awaitable.hpp uses std::exchange unincluded

#include <algorithm>

#include <spdlog/spdlog.h>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/connect.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>

#include "kafka/codec/frame.h"
#include "kafka/codec/messages/list_offsets.h"
#include "kafka/codec/messages/metadata.h"
#include "upstream/upstream_login.h"

namespace groupwire::gateway {

namespace asio = boost::asio;
using asio::use_awaitable;
using asio::ip::tcp;

namespace {

// A broker may list versions it answers malformed: librdkafka 2.0.2's mock writes the leader
// epoch of ListOffsets v4-5 as an int64. Each listed version the codec knows, newest first, is
// asked for one partition (of a topic that need not exist: error answers have the same shape)
// until an answer decodes to its last byte; that version becomes the newest the upstream serves.
// False when the connection failed.
asio::awaitable<bool> drop_malformed_list_offsets(Transport& s, UpstreamInfo& info,
                                                  std::string& error) {
  auto key = static_cast<std::int16_t>(kafka::ApiKey::ListOffsets);
  auto served = std::find_if(info.apis.begin(), info.apis.end(),
                             [key](const auto& a) { return a.api_key == key; });
  if (served == info.apis.end() || served->max_version > kafka::ListOffsetsRequest::kValid.hi) {
    co_return true;  // beyond our codec: trusted as listed
  }
  kafka::ListOffsetsRequest probe;
  probe.replica_id = -1;
  auto& topic = probe.topics.emplace_back();
  topic.name = info.topics.empty() ? "groupwire-probe" : info.topics.begin()->first;
  topic.partitions.emplace_back().timestamp = -1;  // latest
  std::int32_t correlation_id = 3;
  for (auto v = served->max_version; v >= served->min_version; --v) {
    std::size_t trailing = 0;
    std::string why;
    auto answer =
        co_await call<kafka::ListOffsetsResponse>(s, probe, v, correlation_id++, why, &trailing);
    if (answer && trailing == 0) {
      if (v != served->max_version) {
        // Debug: the periodic refresh probes again; start-up logs the translation once.
        spdlog::debug("upstream answers ListOffsets v{}-{} malformed: asking it in v{}", v + 1,
                      served->max_version, v);
        served->max_version = v;
      }
      co_return true;
    }
    if (!answer && why != kUndecodable) {
      error = why;
      co_return false;
    }
  }
  co_return true;  // no version decodes: left as listed, its answers will fail as they come
}

asio::awaitable<std::optional<UpstreamInfo>> ask(Transport& s, const HostPort& address,
                                                 const UpstreamSecurity& security,
                                                 std::string& error, bool& refused) {
  bool logged_in = co_await log_in_upstream(s, address, security, error, &refused);
  if (!logged_in) co_return std::nullopt;
  // v0 is the one every broker answers in full, whatever it supports.
  kafka::ApiVersionsRequest versions_request;
  auto versions = co_await call<kafka::ApiVersionsResponse>(s, versions_request, 0, 1, error);
  if (!versions) co_return std::nullopt;
  if (versions->error_code != 0) {
    error = "ApiVersions error " + std::to_string(versions->error_code);
    co_return std::nullopt;
  }
  UpstreamInfo info;
  info.apis = versions->api_keys;
  auto metadata_range = info.versions(static_cast<std::int16_t>(kafka::ApiKey::Metadata));
  if (!metadata_range) {
    error = "does not serve Metadata";
    co_return std::nullopt;
  }
  info.metadata_version = std::min(metadata_range->hi, kafka::MetadataRequest::kValid.hi);

  kafka::MetadataRequest all;
  // v0 lists every topic for an empty list; later versions for a null one.
  if (info.metadata_version >= 1) all.topics.reset();
  all.allow_auto_topic_creation = false;
  auto metadata = co_await call<kafka::MetadataResponse>(s, all, info.metadata_version, 2, error);
  if (!metadata) co_return std::nullopt;
  for (const auto& b : metadata->brokers) {
    info.brokers[b.node_id] = HostPort{b.host, static_cast<std::uint16_t>(b.port)};
  }
  for (const auto& t : metadata->topics) {
    if (t.error_code == 0 && t.name) {
      info.topics[*t.name] = {static_cast<std::int32_t>(t.partitions.size()), t.topic_id};
    }
  }
  bool probed = co_await drop_malformed_list_offsets(s, info, error);
  if (!probed) co_return std::nullopt;
  co_return info;
}

// The whole exchange on a private io_context, bounded by the timeout.
std::optional<UpstreamInfo> ask_within(const HostPort& address, const UpstreamSecurity& security,
                                       std::chrono::milliseconds timeout, std::string& error,
                                       bool& refused) {
  asio::io_context io;
  Transport s = upstream_transport(io.get_executor(), security);
  std::optional<UpstreamInfo> result;
  bool finished = false;
  asio::co_spawn(
      io,
      [&]() -> asio::awaitable<void> {
        result = co_await ask(s, address, security, error, refused);
        finished = true;
      },
      asio::detached);
  io.run_for(timeout);
  if (!finished) {
    s.close();  // the pending operation completes with an error and the coroutine ends
    io.restart();
    io.run();
    error = "no answer within " + std::to_string(timeout.count()) + " ms";
    result.reset();
  }
  if (!result) error = address.to_string() + ": " + error;
  return result;
}

}  // namespace

std::optional<kafka::Versions> UpstreamInfo::versions(std::int16_t api_key) const {
  for (const auto& a : apis) {
    if (a.api_key == api_key) return kafka::Versions{a.min_version, a.max_version};
  }
  return std::nullopt;
}

std::optional<UpstreamInfo> discover_upstream(const std::vector<HostPort>& addresses,
                                              const UpstreamSecurity& security,
                                              std::chrono::milliseconds timeout, std::string& error,
                                              bool* refused) {
  bool answered_no = false;
  for (const auto& address : addresses) {
    if (auto info = ask_within(address, security, timeout, error, answered_no)) return info;
    if (answered_no) break;  // the next broker would say the same
  }
  if (refused) *refused = answered_no;
  return std::nullopt;
}

UpstreamRefresher::UpstreamRefresher(std::vector<HostPort> addresses, UpstreamSecurity security,
                                     std::chrono::milliseconds interval,
                                     std::chrono::milliseconds timeout, SharedTopicCatalog catalog)
    : addresses_(std::move(addresses)),
      security_(std::move(security)),
      interval_(interval),
      timeout_(timeout),
      catalog_(std::move(catalog)),
      thread_([this] { run(); }) {}

UpstreamRefresher::~UpstreamRefresher() {
  {
    std::lock_guard lock(mu_);
    stop_ = true;
  }
  cv_.notify_all();
  thread_.join();
}

void UpstreamRefresher::run() {
  std::unique_lock lock(mu_);
  while (!cv_.wait_for(lock, interval_, [this] { return stop_; })) {
    lock.unlock();
    std::string error;
    if (auto info = discover_upstream(addresses_, security_, timeout_, error)) {
      catalog_->update(info->topics, true);
    } else {
      spdlog::warn("upstream metadata refresh failed: {}", error);
    }
    lock.lock();
  }
}

}  // namespace groupwire::gateway
