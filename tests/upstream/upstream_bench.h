// The upstream-mode test bench: a real Listener, Connection and Dispatcher wired as main.cc wires
// them, standing for broker 1 of a fake upstream broker, driven from raw client sockets; and the
// request frames the tests send.
#pragma once

#include <chrono>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>
#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/write.hpp>

#include "gateway_test_support.h"
#include "handlers/api_versions.h"
#include "kafka_broker_script.h"
#include "server/listener.h"
#include "upstream/relay.h"

namespace groupwire::gateway::upstream_bench {

namespace asio = boost::asio;
using asio::ip::tcp;
using namespace std::chrono_literals;
using namespace kafka;
using testing::answer_frame;
using testing::BrokerAction;
using testing::decode_response_frame;
using testing::FakeBroker;
using testing::request_api_key;
using testing::request_api_version;
using testing::request_correlation_id;
using testing::request_frame;
using testing::with_size_prefix;

constexpr auto kBound = 5s;  // every answer, and every close, must come within this

// Correlation ids with a meaning to the fake broker's Fetch handling.
constexpr std::int32_t kCloseOnFetch = 666;  // the broker closes the connection
constexpr std::int32_t kSilentFetch = 555;   // the broker never answers
constexpr std::int32_t kLargeFetch = 1000;   // and above: answered with over 1 MiB

// A raw Kafka client socket; every read is bounded.
class Client {
 public:
  explicit Client(std::uint16_t port) : socket_(io_) {
    socket_.connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), port));
  }

  void send(const std::string& bytes) { asio::write(socket_, asio::buffer(bytes)); }

  // For a connection the gateway may already have closed.
  bool try_send(const std::string& bytes) {
    boost::system::error_code ec;
    asio::write(socket_, asio::buffer(bytes), ec);
    return !ec;
  }

  // The next whole frame (size prefix included); nullopt on EOF, error or timeout.
  std::optional<std::string> read_frame(std::chrono::milliseconds timeout = kBound) {
    std::string frame(4, '\0');
    boost::system::error_code ec;
    if (!read_exactly(frame.data(), 4, timeout, ec)) return std::nullopt;
    auto size = static_cast<std::size_t>(testing::read_be32(frame, 0));
    frame.resize(4 + size);
    if (!read_exactly(frame.data() + 4, size, timeout, ec)) return std::nullopt;
    return frame;
  }

  // True when the gateway closes the connection (EOF or reset) within `timeout`.
  bool closed_by_peer(std::chrono::milliseconds timeout = kBound) {
    char c;
    boost::system::error_code ec;
    read_exactly(&c, 1, timeout, ec);
    return ec == asio::error::eof || ec == asio::error::connection_reset;
  }

  void close() {
    boost::system::error_code ec;
    socket_.shutdown(tcp::socket::shutdown_both, ec);
    socket_.close(ec);
  }

 private:
  bool read_exactly(char* data, std::size_t n, std::chrono::milliseconds timeout,
                    boost::system::error_code& ec) {
    bool done = false;
    asio::async_read(socket_, asio::buffer(data, n), [&](boost::system::error_code e, std::size_t) {
      ec = e;
      done = true;
    });
    io_.restart();
    io_.run_for(timeout);
    if (!done) {
      socket_.cancel();
      io_.restart();
      io_.run();
      ec = asio::error::timed_out;
    }
    return !ec;
  }

  asio::io_context io_;
  tcp::socket socket_;
};

// Produce v7 with a null transactional_id and no topics.
inline std::string produce_v7(std::int32_t correlation_id, std::int16_t acks) {
  std::string out;
  Writer w(out);
  w.write_int<std::int16_t>(0);
  w.write_int<std::int16_t>(7);
  w.write_int(correlation_id);
  w.write_length(8, false, false);
  w.write_raw("producer");
  w.write_length(-1, false, false);  // transactional_id
  w.write_int(acks);
  w.write_int<std::int32_t>(30000);
  w.write_int<std::int32_t>(0);  // topic_data
  return with_size_prefix(out);
}

// Acks of a classic (v0-8) Produce frame, read independently of the code under test.
inline std::int16_t produce_acks(const std::string& frame) {
  Reader r(frame.data() + 4, frame.size() - 4);
  r.skip(8);
  auto client_id = r.read_int<std::int16_t>();
  if (client_id > 0) r.skip(static_cast<std::size_t>(client_id));
  if (request_api_version(frame) >= 3) {
    auto txn = r.read_int<std::int16_t>();
    if (txn > 0) r.skip(static_cast<std::size_t>(txn));
  }
  return r.read_int<std::int16_t>();
}

inline std::string fetch_answer(std::int32_t correlation_id) {
  return answer_frame(correlation_id, std::string("opaque fetch answer \x00\x01\xff records", 29) +
                                          std::to_string(correlation_id));
}

// Many times a part (64 KiB) that the gateway passes on as the upstream sends it.
inline std::string large_fetch_answer(std::int32_t correlation_id) {
  std::string records(1 << 20, '\0');
  for (std::size_t i = 0; i < records.size(); ++i) records[i] = static_cast<char>(i * 7 + 3);
  return answer_frame(correlation_id, records + std::to_string(correlation_id));
}

// Produce v7 of `bytes` of records for partition 0 of "orders".
inline std::string produce_v7_records(std::int32_t correlation_id, std::int16_t acks,
                                      std::size_t bytes) {
  ProduceRequest req;
  req.acks = acks;
  req.timeout_ms = 30000;
  auto& topic = req.topic_data.emplace_back();
  topic.name = "orders";
  auto& partition = topic.partition_data.emplace_back();
  partition.records = Bytes{std::string(bytes, static_cast<char>('a' + correlation_id % 26))};
  return with_size_prefix(request_frame(req, 7, correlation_id, "producer"));
}

inline std::string fetch_v4(std::int32_t correlation_id) {
  FetchRequest req;
  req.max_wait_ms = 500;
  req.min_bytes = 1;
  req.isolation_level = 1;
  FetchRequest::Topic t;
  t.topic = "orders";
  for (std::int32_t p = 0; p < 2; ++p) {
    FetchRequest::Partition part;
    part.partition = p;
    part.fetch_offset = 100 + p;
    part.partition_max_bytes = 1 << 20;
    t.partitions.push_back(part);
  }
  req.topics.push_back(t);
  return with_size_prefix(request_frame(req, 4, correlation_id, "fetcher"));
}

inline std::string api_versions(std::int32_t correlation_id, ApiVersion version = 2) {
  ApiVersionsRequest req;
  if (version >= 3) {
    req.client_software_name = "groupwire-test";
    req.client_software_version = "1.0";
  }
  return with_size_prefix(request_frame(req, version, correlation_id));
}

inline std::string metadata(std::int32_t correlation_id, ApiVersion version,
                            std::optional<std::vector<std::string>> topics) {
  MetadataRequest req;
  if (topics) {
    req.topics.emplace();
    for (const auto& name : *topics) {
      MetadataRequest::Topic t;
      t.name = name;
      req.topics->push_back(t);
    }
  } else {
    req.topics.reset();
  }
  return with_size_prefix(request_frame(req, version, correlation_id));
}

class UpstreamModeTest : public ::testing::Test {
 public:
  // What the fake broker does beyond ApiVersions and Metadata: Fetch and Produce.
  static BrokerAction relay_script(const std::string& frame, int) {
    auto id = request_correlation_id(frame);
    switch (request_api_key(frame)) {
      case 0:  // Produce
        if (produce_acks(frame) == 0) return {};
        return {{answer_frame(id, "produce answer")}};
      case 1:  // Fetch
        if (id == kCloseOnFetch) return {{}, true};
        if (id == kSilentFetch) return {};
        if (id >= kLargeFetch) return {{large_fetch_answer(id)}};
        return {{fetch_answer(id)}};
      default:
        return {{}, true};
    }
  }

 protected:
  void TearDown() override {
    io_.main().stop();
    for (auto& t : threads_) t.join();
  }

  // Starts the fake broker, then a listener standing for its broker 1.
  void start() {
    broker_.emplace(broker_script_ ? broker_script_
                                   : testing::kafka_script(cluster_, relay_script));
    auto directory = std::make_shared<BrokerDirectory>(
        BrokerDirectory{{1, {"127.0.0.1", 1111}}, {2, {"127.0.0.1", 2222}}});
    add_upstream_metadata_handler(dispatcher_, cluster_.metadata_version, directory, catalog_);
    add_api_versions_handler(dispatcher_);
    UpstreamInfo info;
    info.apis = cluster_.apis;
    info.metadata_version = cluster_.metadata_version;
    add_upstream_relay(dispatcher_, info, catalog_);

    listener_.emplace(io_, HostPort{"127.0.0.1", 0}, dispatcher_, limits_, max_connections_);
    listener_->set_identity(BrokerIdentity{
        1, {"127.0.0.1", 1111}, "groupwire", upstream_.value_or(broker_->address())});
    listener_->start();
    threads_.emplace_back([this] { io_.run(); });
  }

  Client connect() { return Client(listener_->bound().port); }

  // An ApiVersions round trip on a new connection within `within`, retrying while the
  // gateway refuses connections.
  bool served_on_a_new_connection(std::chrono::milliseconds within) {
    auto give_up = std::chrono::steady_clock::now() + within;
    do {
      auto c = connect();
      if (c.try_send(api_versions(1)) && c.read_frame(1000ms)) return true;
      std::this_thread::sleep_for(20ms);
    } while (std::chrono::steady_clock::now() < give_up);
    return false;
  }

  testing::UpstreamCluster cluster_ = testing::two_broker_cluster();
  testing::BrokerScript broker_script_;  // replaces the whole fake broker's script when set
  std::optional<HostPort> upstream_;     // instead of the fake broker's address when set
  ConnectionLimits limits_{1 << 20, 10000ms, 5000ms, 5000ms, 256};
  std::size_t max_connections_ = 16;
  SharedTopicCatalog catalog_ =
      std::make_shared<TopicCatalog>(std::vector<TopicSpec>{{"stale", 7}, {"orders", 1}});

  std::optional<FakeBroker> broker_;
  IoThreads io_{2};
  Dispatcher dispatcher_;
  std::optional<Listener> listener_;
  std::vector<std::thread> threads_;
};

}  // namespace groupwire::gateway::upstream_bench
