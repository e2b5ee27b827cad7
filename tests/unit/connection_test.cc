// A real listener on loopback: response order, limits and timeouts of one connection, and that
// closing one connection leaves the others served.
#include "server/connection.h"

#include <condition_variable>
#include <mutex>
#include <thread>

#include <gtest/gtest.h>
#include <boost/asio/connect.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/write.hpp>

#include "gateway_test_support.h"
#include "handlers/api_versions.h"
#include "server/listener.h"

namespace groupwire::gateway {
namespace {

namespace asio = boost::asio;
using asio::ip::tcp;
using namespace kafka;
using testing::decode_response_frame;
using testing::request_frame;
using testing::with_size_prefix;

// Holds Heartbeat answers until the test releases them, in any order, from its own thread.
struct ParkedHeartbeats {
  std::mutex mu;
  std::condition_variable cv;
  std::vector<Respond<HeartbeatResponse>> parked;

  void wait_for(std::size_t n) {
    std::unique_lock lock(mu);
    cv.wait(lock, [&] { return parked.size() >= n; });
  }
};

// A ListGroups that runs alone (Session::run_alone): when it was handed to its handler, when it
// started, and its answer, which the test gives.
struct AloneListGroups {
  std::mutex mu;
  std::condition_variable cv;
  bool dispatched = false;
  bool started = false;
  std::size_t heartbeats_when_started = 0;
  Respond<ListGroupsResponse> respond;

  template <class Pred>
  void wait(Pred pred) {
    std::unique_lock lock(mu);
    cv.wait(lock, pred);
  }
};

class ConnectionTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dispatcher_.add<ListGroupsRequest, ListGroupsResponse>(
        [this](const RequestContext& ctx, ListGroupsRequest, Respond<ListGroupsResponse> respond) {
          {
            std::lock_guard lock(alone_.mu);
            alone_.dispatched = true;
          }
          alone_.cv.notify_all();
          ctx.session->run_alone([this, respond = std::move(respond)] {
            std::size_t heartbeats;
            {
              std::lock_guard parked(parked_.mu);
              heartbeats = parked_.parked.size();
            }
            std::lock_guard lock(alone_.mu);
            alone_.started = true;
            alone_.heartbeats_when_started = heartbeats;
            alone_.respond = respond;
            alone_.cv.notify_all();
          });
        });
    dispatcher_.add<HeartbeatRequest, HeartbeatResponse>(
        [this](const RequestContext&, HeartbeatRequest, Respond<HeartbeatResponse> respond) {
          std::lock_guard lock(parked_.mu);
          parked_.parked.push_back(std::move(respond));
          parked_.cv.notify_all();
        });
    add_api_versions_handler(dispatcher_);
    // Idle timeout well above the frame timeout, so a frame test never races the idle close.
    ConnectionLimits limits{1024, std::chrono::milliseconds(500), std::chrono::milliseconds(150)};
    listener_.emplace(io_, HostPort{"127.0.0.1", 0}, dispatcher_, limits, 4);
    listener_->start();
    threads_.emplace_back([this] { io_.run(); });
  }

  void TearDown() override {
    io_.main().stop();
    for (auto& t : threads_) t.join();
  }

  tcp::socket connect() {
    tcp::socket s(client_io_);
    s.connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), listener_->bound().port));
    return s;
  }

  static std::string read_frame(tcp::socket& s) {
    std::string size(4, '\0');
    asio::read(s, asio::buffer(size));
    auto n = static_cast<std::uint32_t>(
        static_cast<unsigned char>(size[0]) << 24 | static_cast<unsigned char>(size[1]) << 16 |
        static_cast<unsigned char>(size[2]) << 8 | static_cast<unsigned char>(size[3]));
    std::string body(n, '\0');
    asio::read(s, asio::buffer(body));
    return size + body;
  }

  // Blocks until the gateway closes the socket; true if it did (EOF or reset).
  static bool closed_by_peer(tcp::socket& s) {
    char c;
    boost::system::error_code ec;
    s.read_some(asio::buffer(&c, 1), ec);
    return ec == asio::error::eof || ec == asio::error::connection_reset;
  }

  void expect_served(tcp::socket& s) {
    asio::write(s, asio::buffer(with_size_prefix(request_frame(ApiVersionsRequest{}, 2, 77))));
    ApiVersionsResponse resp;
    EXPECT_EQ(decode_response_frame(read_frame(s), 2, resp), 77);
    EXPECT_EQ(resp.error_code, 0);
  }

  IoThreads io_{2};
  asio::io_context client_io_;
  Dispatcher dispatcher_;
  ParkedHeartbeats parked_;
  AloneListGroups alone_;
  std::optional<Listener> listener_;
  std::vector<std::thread> threads_;
};

TEST_F(ConnectionTest, ResponsesLeaveInRequestOrderWhenHandlersFinishOutOfOrder) {
  auto s = connect();
  std::string burst;
  for (int id = 1; id <= 3; ++id)
    burst += with_size_prefix(request_frame(HeartbeatRequest{}, 1, id));
  asio::write(s, asio::buffer(burst));
  parked_.wait_for(3);
  {
    std::lock_guard lock(parked_.mu);
    for (int i = 2; i >= 0; --i) {
      HeartbeatResponse r;
      r.error_code = static_cast<std::int16_t>(i);
      parked_.parked[i](r);
    }
  }
  for (int id = 1; id <= 3; ++id) {
    HeartbeatResponse resp;
    EXPECT_EQ(decode_response_frame(read_frame(s), 1, resp), id);
    EXPECT_EQ(resp.error_code, id - 1);
  }
}

// Kafka's broker handles one request per connection at a time; a request that runs alone gets
// the same: it starts once the requests before it are answered, and the ones after it are read
// only once it is answered.
TEST_F(ConnectionTest, ARequestRunningAloneWaitsForTheOnesBeforeAndHoldsUpTheOnesAfter) {
  auto s = connect();
  std::string burst = with_size_prefix(request_frame(HeartbeatRequest{}, 1, 1)) +
                      with_size_prefix(request_frame(ListGroupsRequest{}, 4, 2)) +
                      with_size_prefix(request_frame(HeartbeatRequest{}, 1, 3));
  asio::write(s, asio::buffer(burst));
  parked_.wait_for(1);
  alone_.wait([&] { return alone_.dispatched; });
  {
    std::lock_guard lock(alone_.mu);
    EXPECT_FALSE(alone_.started) << "started before the heartbeat ahead of it was answered";
  }
  Respond<HeartbeatResponse> first;
  {
    std::lock_guard lock(parked_.mu);
    first = parked_.parked[0];
  }
  first(HeartbeatResponse{});
  alone_.wait([&] { return alone_.started; });
  EXPECT_EQ(alone_.heartbeats_when_started, 1u) << "the heartbeat behind it was read";
  HeartbeatResponse hb;
  EXPECT_EQ(decode_response_frame(read_frame(s), 1, hb), 1);
  ListGroupsResponse listed;
  listed.error_code = 15;
  alone_.respond(listed);
  ListGroupsResponse got;
  EXPECT_EQ(decode_response_frame(read_frame(s), 4, got), 2);
  EXPECT_EQ(got.error_code, 15);
  parked_.wait_for(2);  // read once the ListGroups is answered
  {
    std::lock_guard lock(parked_.mu);
    parked_.parked[1](HeartbeatResponse{});
  }
  EXPECT_EQ(decode_response_frame(read_frame(s), 1, hb), 3);
}

TEST_F(ConnectionTest, ParkedRequestDoesNotHoldUpOtherConnections) {
  auto parked = connect();
  asio::write(parked, asio::buffer(with_size_prefix(request_frame(HeartbeatRequest{}, 0, 1))));
  parked_.wait_for(1);
  auto other = connect();
  expect_served(other);
  parked_.parked[0](HeartbeatResponse{});
  HeartbeatResponse resp;
  EXPECT_EQ(decode_response_frame(read_frame(parked), 0, resp), 1);
}

TEST_F(ConnectionTest, OversizedFrameClosesOnlyThatConnection) {
  auto good = connect();
  auto bad = connect();
  asio::write(bad, asio::buffer(std::string("\x7f\xff\xff\xff", 4)));
  EXPECT_TRUE(closed_by_peer(bad));
  expect_served(good);
}

TEST_F(ConnectionTest, NegativeSizeClosesTheConnection) {
  auto bad = connect();
  asio::write(bad, asio::buffer(std::string("\x80\x00\x00\x00", 4)));  // 2 GiB as int32
  EXPECT_TRUE(closed_by_peer(bad));
}

TEST_F(ConnectionTest, IncompleteFrameTimesOut) {
  auto good = connect();
  auto slow = connect();
  asio::write(slow, asio::buffer(std::string("\x00\x00\x00\x20\x00\x12", 6)));
  EXPECT_TRUE(closed_by_peer(slow));
  expect_served(good);
}

TEST_F(ConnectionTest, IdleConnectionIsClosed) {
  auto idle = connect();
  expect_served(idle);
  EXPECT_TRUE(closed_by_peer(idle));
}

TEST_F(ConnectionTest, ConnectionWithRequestInFlightIsNotIdle) {
  auto s = connect();
  asio::write(s, asio::buffer(with_size_prefix(request_frame(HeartbeatRequest{}, 0, 5))));
  parked_.wait_for(1);
  // Nothing to await here: the point is that no close happens while the idle timeout passes
  // twice over with the request parked.
  std::this_thread::sleep_for(std::chrono::milliseconds(1200));
  parked_.parked[0](HeartbeatResponse{});
  HeartbeatResponse resp;
  EXPECT_EQ(decode_response_frame(read_frame(s), 0, resp), 5);
}

// Answers of several megabytes (above what loopback socket buffers hold) to a client that reads
// slowly take many writes each, and must arrive whole and in request order, with a small answer
// pipelined between them.
TEST_F(ConnectionTest, AnswersLargerThanTheSocketBuffersArriveWholeAndInOrder) {
  constexpr std::size_t kMetadataBytes = 8 * 1024 * 1024;
  dispatcher_.add<DescribeGroupsRequest, DescribeGroupsResponse>(
      [](const RequestContext&, DescribeGroupsRequest req,
         Respond<DescribeGroupsResponse> respond) {
        DescribeGroupsResponse resp;
        auto& group = resp.groups.emplace_back();
        group.group_id = req.groups.at(0);
        group.members.emplace_back().member_metadata.data.assign(kMetadataBytes, 'm');
        respond(std::move(resp));
      });
  tcp::socket s(client_io_);
  s.open(tcp::v4());
  s.set_option(asio::socket_base::receive_buffer_size(4096));
  s.connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), listener_->bound().port));
  DescribeGroupsRequest first, second;
  first.groups = {"first"};
  second.groups = {"second"};
  asio::write(s, asio::buffer(with_size_prefix(request_frame(first, 0, 1)) +
                              with_size_prefix(request_frame(ApiVersionsRequest{}, 2, 2)) +
                              with_size_prefix(request_frame(second, 0, 3))));
  DescribeGroupsResponse big;
  ASSERT_EQ(decode_response_frame(read_frame(s), 0, big), 1);
  ASSERT_EQ(big.groups.size(), 1u);
  EXPECT_EQ(big.groups[0].group_id, "first");
  EXPECT_EQ(big.groups[0].members.at(0).member_metadata.data.size(), kMetadataBytes);
  ApiVersionsResponse small;
  EXPECT_EQ(decode_response_frame(read_frame(s), 2, small), 2);
  ASSERT_EQ(decode_response_frame(read_frame(s), 0, big), 3);
  EXPECT_EQ(big.groups.at(0).group_id, "second");
  EXPECT_EQ(big.groups[0].members.at(0).member_metadata.data.size(), kMetadataBytes);
}

// The idle timeout counts from the last answer written, not from the last request read.
TEST_F(ConnectionTest, IdleTimeoutCountsFromTheLastAnswer) {
  auto s = connect();
  asio::write(s, asio::buffer(with_size_prefix(request_frame(HeartbeatRequest{}, 0, 6))));
  parked_.wait_for(1);
  // Answered after most of the idle timeout (500 ms) has passed since the request was read;
  // nothing to await, the time passing is what the test is about.
  std::this_thread::sleep_for(std::chrono::milliseconds(400));
  auto answered = std::chrono::steady_clock::now();
  parked_.parked[0](HeartbeatResponse{});
  HeartbeatResponse resp;
  EXPECT_EQ(decode_response_frame(read_frame(s), 0, resp), 6);
  EXPECT_TRUE(closed_by_peer(s));
  EXPECT_GE(std::chrono::steady_clock::now() - answered, std::chrono::milliseconds(490));
}

TEST_F(ConnectionTest, UnsupportedVersionClosesTheConnection) {
  auto s = connect();
  std::string frame = request_frame(HeartbeatRequest{}, 4, 1);
  frame[3] = 9;
  asio::write(s, asio::buffer(with_size_prefix(frame)));
  EXPECT_TRUE(closed_by_peer(s));
}

TEST_F(ConnectionTest, ConnectionsBeyondTheLimitAreRefused) {
  std::vector<tcp::socket> open;
  for (int i = 0; i < 4; ++i) {
    open.push_back(connect());
    expect_served(open.back());
  }
  auto extra = connect();
  EXPECT_TRUE(closed_by_peer(extra));
  open.pop_back();  // closing one frees a slot once the gateway notices
}

// Graceful shutdown (Listener::drain): what a SIGTERM does to the gateway's listeners.
class DrainTest : public ConnectionTest {
 protected:
  void drain() {
    listener_->drain([this] {
      std::lock_guard lock(drained_mu_);
      drained_ = true;
      drained_cv_.notify_all();
    });
  }

  bool drained_within(std::chrono::milliseconds timeout) {
    std::unique_lock lock(drained_mu_);
    return drained_cv_.wait_for(lock, timeout, [this] { return drained_; });
  }

  bool drained_now() {
    std::lock_guard lock(drained_mu_);
    return drained_;
  }

  // Waits until connection attempts are refused: the drain runs on the listener's strand, and
  // attempts before it are still accepted (and then drained themselves).
  bool refused() {
    auto give_up = std::chrono::steady_clock::now() + std::chrono::seconds(5);
    boost::system::error_code ec;
    while (ec != asio::error::connection_refused && std::chrono::steady_clock::now() < give_up) {
      tcp::socket s(client_io_);
      s.connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), port_), ec);
    }
    return ec == asio::error::connection_refused;
  }

  void SetUp() override {
    ConnectionTest::SetUp();
    port_ = listener_->bound().port;
  }

  std::uint16_t port_ = 0;
  std::mutex drained_mu_;
  std::condition_variable drained_cv_;
  bool drained_ = false;
};

TEST_F(DrainTest, WithNothingOpenIsDrainedAtOnceAndRefusesNewConnections) {
  drain();
  EXPECT_TRUE(drained_within(std::chrono::seconds(5)));
  EXPECT_TRUE(refused());
}

TEST_F(DrainTest, IdleConnectionsAreClosed) {
  auto a = connect();
  auto b = connect();
  expect_served(a);
  expect_served(b);
  drain();
  EXPECT_TRUE(closed_by_peer(a));
  EXPECT_TRUE(closed_by_peer(b));
  EXPECT_TRUE(drained_within(std::chrono::seconds(5)));
}

TEST_F(DrainTest, RequestInFlightIsAnsweredBeforeTheConnectionCloses) {
  auto s = connect();
  asio::write(s, asio::buffer(with_size_prefix(request_frame(HeartbeatRequest{}, 0, 42))));
  parked_.wait_for(1);
  drain();
  EXPECT_TRUE(refused());
  EXPECT_FALSE(drained_now());  // the parked Heartbeat holds its connection open

  parked_.parked[0](HeartbeatResponse{});
  HeartbeatResponse resp;
  EXPECT_EQ(decode_response_frame(read_frame(s), 0, resp), 42);
  EXPECT_TRUE(closed_by_peer(s));
  EXPECT_TRUE(drained_within(std::chrono::seconds(5)));
}

TEST_F(DrainTest, RequestsSentAfterTheDrainAreNotRead) {
  auto s = connect();
  asio::write(s, asio::buffer(with_size_prefix(request_frame(HeartbeatRequest{}, 0, 1))));
  parked_.wait_for(1);
  drain();
  EXPECT_TRUE(refused());  // the drain has reached the listener, and so the connection
  asio::write(s, asio::buffer(with_size_prefix(request_frame(HeartbeatRequest{}, 0, 2))));
  parked_.parked[0](HeartbeatResponse{});
  HeartbeatResponse resp;
  EXPECT_EQ(decode_response_frame(read_frame(s), 0, resp), 1);
  EXPECT_TRUE(closed_by_peer(s));
  std::lock_guard lock(parked_.mu);
  EXPECT_EQ(parked_.parked.size(), 1u);
}

}  // namespace
}  // namespace groupwire::gateway
