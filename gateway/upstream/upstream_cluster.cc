#include "upstream/upstream_cluster.h"

#include <sys/socket.h>

#include <spdlog/spdlog.h>
#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/write.hpp>

#include "codec/frame.h"
#include "codec/messages/metadata.h"

namespace groupwire::gateway {

namespace asio = boost::asio;
using asio::ip::tcp;

namespace {

constexpr char kClientId[] = "groupwire-gateway";

// One request and its answer on a blocking socket whose reads and writes time out.
template <kafka::TopLevelMessage Resp, kafka::TopLevelMessage Req>
std::optional<Resp> call(tcp::socket& s, const Req& req, kafka::ApiVersion version,
                         std::int32_t correlation_id, std::string& error) {
  boost::system::error_code ec;
  asio::write(s, asio::buffer(kafka::encode_request_frame(req, version, correlation_id, kClientId)),
              ec);
  std::string frame(4, '\0');
  if (!ec) asio::read(s, asio::buffer(frame), ec);
  if (ec) {
    error = ec.message();
    return std::nullopt;
  }
  std::uint32_t size = 0;
  for (int i = 0; i < 4; ++i) size = size << 8 | static_cast<unsigned char>(frame[i]);
  if (size > 64u * 1024 * 1024) {
    error = "answer too large";
    return std::nullopt;
  }
  frame.resize(4 + size);
  asio::read(s, asio::buffer(frame.data() + 4, size), ec);
  Resp resp;
  if (ec || !kafka::decode_response_frame(frame, version, resp)) {
    error = ec ? ec.message() : "undecodable answer";
    return std::nullopt;
  }
  return resp;
}

std::optional<UpstreamInfo> ask(const HostPort& address, std::chrono::milliseconds timeout,
                                std::string& error) {
  asio::io_context io;
  tcp::socket s(io);
  boost::system::error_code ec;
  tcp::resolver resolver(io);
  asio::connect(s, resolver.resolve(address.host, std::to_string(address.port), ec), ec);
  if (ec) {
    error = address.to_string() + ": " + ec.message();
    return std::nullopt;
  }
  timeval tv{static_cast<time_t>(timeout.count() / 1000),
             static_cast<suseconds_t>(timeout.count() % 1000 * 1000)};
  setsockopt(s.native_handle(), SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  setsockopt(s.native_handle(), SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);

  // v0 is the one every broker answers in full, whatever it supports.
  auto versions = call<kafka::ApiVersionsResponse>(s, kafka::ApiVersionsRequest{}, 0, 1, error);
  if (!versions || versions->error_code != 0) {
    if (versions) error = "ApiVersions error " + std::to_string(versions->error_code);
    error = address.to_string() + ": " + error;
    return std::nullopt;
  }
  UpstreamInfo info;
  info.apis = versions->api_keys;
  auto metadata_range = info.versions(static_cast<std::int16_t>(kafka::ApiKey::Metadata));
  if (!metadata_range) {
    error = address.to_string() + ": does not serve Metadata";
    return std::nullopt;
  }
  info.metadata_version = std::min(metadata_range->hi, kafka::MetadataRequest::kValid.hi);

  kafka::MetadataRequest all;
  // v0 lists every topic for an empty list; later versions for a null one.
  if (info.metadata_version >= 1) all.topics.reset();
  all.allow_auto_topic_creation = false;
  auto metadata = call<kafka::MetadataResponse>(s, all, info.metadata_version, 2, error);
  if (!metadata) {
    error = address.to_string() + ": " + error;
    return std::nullopt;
  }
  for (const auto& b : metadata->brokers) {
    info.brokers[b.node_id] = HostPort{b.host, static_cast<std::uint16_t>(b.port)};
  }
  for (const auto& t : metadata->topics) {
    if (t.error_code == 0 && t.name) {
      info.topics[*t.name] = static_cast<std::int32_t>(t.partitions.size());
    }
  }
  return info;
}

}  // namespace

std::optional<kafka::Versions> UpstreamInfo::versions(std::int16_t api_key) const {
  for (const auto& a : apis) {
    if (a.api_key == api_key) return kafka::Versions{a.min_version, a.max_version};
  }
  return std::nullopt;
}

std::optional<UpstreamInfo> discover_upstream(const std::vector<HostPort>& addresses,
                                              std::chrono::milliseconds timeout,
                                              std::string& error) {
  for (const auto& address : addresses) {
    if (auto info = ask(address, timeout, error)) return info;
  }
  return std::nullopt;
}

UpstreamRefresher::UpstreamRefresher(std::vector<HostPort> addresses,
                                     std::chrono::milliseconds interval,
                                     std::chrono::milliseconds timeout, SharedTopicCatalog catalog)
    : addresses_(std::move(addresses)),
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
    if (auto info = discover_upstream(addresses_, timeout_, error)) {
      catalog_->update(info->topics, true);
    } else {
      spdlog::warn("upstream metadata refresh failed: {}", error);
    }
    lock.lock();
  }
}

}  // namespace groupwire::gateway
