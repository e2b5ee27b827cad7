// UpstreamLink against a fake broker: answers matched to requests in order, queueing before the
// connection is up, requests without an answer, large answers handed on in parts, and every way
// the link fails.
#include "upstream/upstream_link.h"

#include <chrono>
#include <future>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>

#include "fake_broker.h"

namespace groupwire::gateway {
namespace {

namespace asio = boost::asio;
using namespace std::chrono_literals;
using testing::answer_frame;
using testing::be32;
using testing::BrokerAction;
using testing::FakeBroker;
using testing::request_correlation_id;

using Reply = std::optional<std::string>;

constexpr auto kBound = 5s;  // every callback must come within this

// A request frame as the link sees it: size prefix, api key, version, correlation id, then bytes.
std::string request(std::int32_t correlation_id, std::int16_t api_key = 1,
                    const std::string& body = "request body") {
  std::string inner;
  inner += static_cast<char>(api_key >> 8);
  inner += static_cast<char>(api_key);
  inner += std::string("\x00\x04", 2);  // version 4
  inner += be32(correlation_id);
  inner += body;
  return be32(static_cast<std::int32_t>(inner.size())) + inner;
}

std::string answer(std::int32_t correlation_id) {
  return answer_frame(correlation_id, "answer to " + std::to_string(correlation_id));
}

// Larger than a part (64 KiB) many times over.
std::string large_answer(std::int32_t correlation_id) {
  return answer_frame(correlation_id, std::string(1 << 20, 'r') + std::to_string(correlation_id));
}

// What a request taking parts got: the parts, in the order they came, then the reply.
struct Parted {
  std::vector<std::string> parts;
  Reply reply;

  std::string joined() const {
    std::string all;
    for (const auto& p : parts) all += p;
    return all;
  }
};

class UpstreamLinkTest : public ::testing::Test {
 protected:
  void TearDown() override {
    if (link_) {
      std::promise<void> closed;
      asio::post(strand_, [&] {
        link_->close();
        closed.set_value();
      });
      closed.get_future().wait();
    }
    work_.reset();
    io_.stop();
    thread_.join();
    link_.reset();
  }

  void open(HostPort broker, std::chrono::milliseconds timeout = 5000ms) {
    link_ = std::make_shared<UpstreamLink>(strand_, std::move(broker),
                                           std::make_shared<const UpstreamSecurity>(), timeout);
  }

  struct Request {
    std::string frame;
    bool expects_response = true;
  };

  // Sends all of `requests` in one turn of the link's strand; a future per request.
  std::vector<std::future<Reply>> send(std::vector<Request> requests) {
    std::vector<std::shared_ptr<std::promise<Reply>>> promises;
    std::vector<std::future<Reply>> futures;
    for (std::size_t i = 0; i < requests.size(); ++i) {
      promises.push_back(std::make_shared<std::promise<Reply>>());
      futures.push_back(promises.back()->get_future());
    }
    asio::post(strand_, [this, requests = std::move(requests), promises]() mutable {
      for (std::size_t i = 0; i < requests.size(); ++i) {
        link_->send(std::move(requests[i].frame), requests[i].expects_response,
                    [p = promises[i]](Reply r) { p->set_value(std::move(r)); });
      }
    });
    return futures;
  }

  std::future<Reply> send_one(std::string frame, bool expects_response = true) {
    std::vector<Request> one;
    one.push_back({std::move(frame), expects_response});
    return std::move(send(std::move(one)).front());
  }

  std::future<Parted> send_in_parts(std::string frame) {
    auto got = std::make_shared<Parted>();
    auto done = std::make_shared<std::promise<Parted>>();
    auto f = done->get_future();
    asio::post(strand_, [this, frame = std::move(frame), got, done]() mutable {
      link_->send(
          std::move(frame), true,
          [got, done](Reply r) {
            got->reply = std::move(r);
            done->set_value(std::move(*got));
          },
          [got](std::string part) { got->parts.push_back(std::move(part)); });
    });
    return f;
  }

  static Parted await(std::future<Parted>& f) {
    if (f.wait_for(kBound) != std::future_status::ready) {
      ADD_FAILURE() << "no reply within " << kBound.count() << " s";
      return {};
    }
    return f.get();
  }

  // The reply, or a test failure if none comes within kBound.
  static Reply await(std::future<Reply>& f) {
    if (f.wait_for(kBound) != std::future_status::ready) {
      ADD_FAILURE() << "no reply within " << kBound.count() << " s";
      return std::string("<no reply>");
    }
    return f.get();
  }

  // After a failure: send() must answer nullopt before it returns, on the strand.
  void expect_failed_at_once() {
    std::promise<std::pair<bool, Reply>> result;
    asio::post(strand_, [&] {
      auto answered = std::make_shared<std::optional<Reply>>();
      link_->send(request(999), true, [answered](Reply r) { *answered = std::move(r); });
      result.set_value({answered->has_value(), answered->value_or(std::string("<pending>"))});
    });
    auto f = result.get_future();
    ASSERT_EQ(f.wait_for(kBound), std::future_status::ready);
    auto [answered, reply] = f.get();
    EXPECT_TRUE(answered) << "send() after a failure did not answer at once";
    EXPECT_EQ(reply, std::nullopt);
  }

  asio::io_context io_;
  asio::executor_work_guard<asio::io_context::executor_type> work_{io_.get_executor()};
  asio::strand<asio::io_context::executor_type> strand_{asio::make_strand(io_)};
  std::shared_ptr<UpstreamLink> link_;
  std::thread thread_{[this] { io_.run(); }};
};

BrokerAction echo(const std::string& frame) {
  return {{answer(request_correlation_id(frame))}};
}

TEST_F(UpstreamLinkTest, AnswersReachTheirRequestsInOrder) {
  FakeBroker broker([](const std::string& frame, int) { return echo(frame); });
  open(broker.address());
  std::vector<std::future<Reply>> replies;
  for (int id = 1; id <= 3; ++id) replies.push_back(send_one(request(id)));
  for (int id = 1; id <= 3; ++id) EXPECT_EQ(await(replies[id - 1]), answer(id)) << id;
  // Later requests travel on the same connection.
  auto later = send_one(request(4));
  EXPECT_EQ(await(later), answer(4));
  EXPECT_EQ(broker.accepted(), 1u);
  auto seen = broker.wait_for_requests(4);
  ASSERT_TRUE(seen);
  for (int id = 1; id <= 4; ++id) EXPECT_EQ((*seen)[id - 1], request(id)) << "sent unchanged";
}

TEST_F(UpstreamLinkTest, AnswersInOneSegmentAreSplitPerRequest) {
  // The broker holds its answers until the third request, then writes all three at once.
  FakeBroker broker([](const std::string& frame, int) {
    BrokerAction a;
    if (request_correlation_id(frame) == 3) a.answers = {answer(1) + answer(2) + answer(3)};
    return a;
  });
  open(broker.address());
  auto replies = send({{request(1)}, {request(2)}, {request(3)}});
  for (int id = 1; id <= 3; ++id) EXPECT_EQ(await(replies[id - 1]), answer(id)) << id;
}

TEST_F(UpstreamLinkTest, RequestsSentBeforeTheConnectionIsUpAreQueued) {
  FakeBroker broker([](const std::string& frame, int) { return echo(frame); });
  open(broker.address());
  // All in the strand turn that creates the connection: none can have been written yet.
  auto replies =
      send({{request(10)}, {request(11, 0, "x")}, {request(12, 3, std::string(70000, 'y'))}});
  EXPECT_EQ(await(replies[0]), answer(10));
  EXPECT_EQ(await(replies[1]), answer(11));
  EXPECT_EQ(await(replies[2]), answer(12));
  auto seen = broker.wait_for_requests(3);
  ASSERT_TRUE(seen);
  ASSERT_EQ(seen->size(), 3u);
  EXPECT_EQ((*seen)[0], request(10));
  EXPECT_EQ((*seen)[1], request(11, 0, "x"));
  EXPECT_EQ((*seen)[2], request(12, 3, std::string(70000, 'y')));
}

TEST_F(UpstreamLinkTest, LargeAnswersAreHandedOnInPartsThenCompletedEmpty) {
  FakeBroker broker([](const std::string& frame, int) {
    return BrokerAction{{large_answer(request_correlation_id(frame))}};
  });
  open(broker.address());
  auto first = send_in_parts(request(1));
  auto second = send_in_parts(request(2));
  for (auto [id, f] : {std::pair{1, &first}, std::pair{2, &second}}) {
    Parted got = await(*f);
    EXPECT_EQ(got.reply, std::string()) << id << ": the answer went in parts";
    EXPECT_GT(got.parts.size(), 1u) << id;
    EXPECT_EQ(got.joined(), large_answer(id)) << id;
    for (const auto& part : got.parts) EXPECT_LE(part.size(), 4u + 64 * 1024) << id;
  }
}

TEST_F(UpstreamLinkTest, SmallAnswerToARequestTakingPartsComesWhole) {
  FakeBroker broker([](const std::string& frame, int) { return echo(frame); });
  open(broker.address());
  auto reply = send_in_parts(request(1));
  Parted got = await(reply);
  EXPECT_EQ(got.reply, answer(1));
  EXPECT_TRUE(got.parts.empty());
}

TEST_F(UpstreamLinkTest, LargeAnswerWithAWrongCorrelationIdPassesNothingOn) {
  FakeBroker broker([](const std::string&, int) { return BrokerAction{{large_answer(77)}}; });
  open(broker.address());
  auto reply = send_in_parts(request(1));
  Parted got = await(reply);
  EXPECT_EQ(got.reply, std::nullopt);
  EXPECT_TRUE(got.parts.empty());
  expect_failed_at_once();
}

TEST_F(UpstreamLinkTest, BrokerClosingMidLargeAnswerFailsTheRequest) {
  FakeBroker broker([](const std::string& frame, int) {
    std::string whole = large_answer(request_correlation_id(frame));
    return BrokerAction{{whole.substr(0, whole.size() / 2)}, true};
  });
  open(broker.address());
  auto reply = send_in_parts(request(1));
  Parted got = await(reply);
  EXPECT_EQ(got.reply, std::nullopt);
  EXPECT_EQ(got.joined(), large_answer(1).substr(0, got.joined().size()))
      << "what passed on is the start of the answer";
  EXPECT_LT(got.joined().size(), large_answer(1).size());
}

TEST_F(UpstreamLinkTest, RequestWithoutAnswerCompletesOnceWrittenAndTheNextAnswerGoesOn) {
  // Requests 2 and 4 get no answer (as Produce with acks=0).
  FakeBroker broker([](const std::string& frame, int) {
    auto id = request_correlation_id(frame);
    return id % 2 == 0 ? BrokerAction{} : echo(frame);
  });
  open(broker.address());
  auto replies = send(
      {{request(1)}, {request(2, 0), false}, {request(3)}, {request(4, 0), false}, {request(5)}});
  EXPECT_EQ(await(replies[0]), answer(1));
  EXPECT_EQ(await(replies[1]), std::string()) << "empty, not nullopt: written is done";
  EXPECT_EQ(await(replies[2]), answer(3));
  EXPECT_EQ(await(replies[3]), std::string());
  EXPECT_EQ(await(replies[4]), answer(5));
  auto seen = broker.wait_for_requests(5);
  ASSERT_TRUE(seen);
  EXPECT_EQ((*seen)[1], request(2, 0)) << "the unanswered request is still sent";
}

TEST_F(UpstreamLinkTest, RequestWithoutAnswerFirstOnAFreshLink) {
  FakeBroker broker([](const std::string& frame, int) {
    return request_correlation_id(frame) == 1 ? BrokerAction{} : echo(frame);
  });
  open(broker.address());
  auto first = send_one(request(1, 0), false);
  EXPECT_EQ(await(first), std::string());
  auto second = send_one(request(2));
  EXPECT_EQ(await(second), answer(2));
}

TEST_F(UpstreamLinkTest, WrongCorrelationIdFailsEveryPendingRequest) {
  // The first answer names a request never sent; the broker then answers nothing more.
  FakeBroker broker([](const std::string& frame, int) {
    BrokerAction a;
    if (request_correlation_id(frame) == 1) a.answers = {answer(77)};
    return a;
  });
  open(broker.address());
  auto replies = send({{request(1)}, {request(2)}, {request(3)}});
  for (auto& r : replies) EXPECT_EQ(await(r), std::nullopt);
  expect_failed_at_once();
}

TEST_F(UpstreamLinkTest, AnswerOutOfOrderFailsTheLink) {
  // Kafka answers in order: an answer for the second request first is a broken upstream.
  FakeBroker broker([](const std::string& frame, int) {
    BrokerAction a;
    if (request_correlation_id(frame) == 2) a.answers = {answer(2), answer(1)};
    return a;
  });
  open(broker.address());
  auto replies = send({{request(1)}, {request(2)}});
  EXPECT_EQ(await(replies[0]), std::nullopt);
  EXPECT_EQ(await(replies[1]), std::nullopt);
}

TEST_F(UpstreamLinkTest, AnswerWithNothingAwaitedFailsTheLink) {
  FakeBroker broker([](const std::string& frame, int) {
    BrokerAction a;
    if (request_correlation_id(frame) == 1) a.answers = {answer(1), answer(1)};
    return a;
  });
  open(broker.address());
  auto first = send_one(request(1));
  EXPECT_EQ(await(first), answer(1));
  // The stray second answer fails the link; a request sent afterwards is refused at once.
  auto later = send_one(request(2));
  EXPECT_EQ(await(later), std::nullopt);
}

TEST_F(UpstreamLinkTest, BrokerClosingFailsPendingRequests) {
  FakeBroker broker([](const std::string& frame, int) {
    BrokerAction a;
    a.close = request_correlation_id(frame) == 2;
    if (!a.close) a.answers = {answer(request_correlation_id(frame))};
    return a;
  });
  open(broker.address());
  auto first = send_one(request(1));
  EXPECT_EQ(await(first), answer(1));
  auto replies = send({{request(2)}, {request(3)}});
  EXPECT_EQ(await(replies[0]), std::nullopt);
  EXPECT_EQ(await(replies[1]), std::nullopt);
  EXPECT_TRUE(broker.wait_for_ended_connections(1));
  expect_failed_at_once();
}

TEST_F(UpstreamLinkTest, BrokerClosingMidAnswerFailsTheRequest) {
  FakeBroker broker([](const std::string& frame, int) {
    std::string whole = answer(request_correlation_id(frame));
    return BrokerAction{{whole.substr(0, whole.size() - 3)}, true};
  });
  open(broker.address());
  auto reply = send_one(request(1));
  EXPECT_EQ(await(reply), std::nullopt);
}

TEST_F(UpstreamLinkTest, MalformedAnswerSizeFailsTheRequest) {
  FakeBroker broker([](const std::string&, int) {
    return BrokerAction{{be32(2) + std::string("ab")}};  // shorter than a correlation id
  });
  open(broker.address());
  auto reply = send_one(request(1));
  EXPECT_EQ(await(reply), std::nullopt);
}

TEST_F(UpstreamLinkTest, SilentBrokerFailsTheRequestAfterTheTimeout) {
  FakeBroker broker([](const std::string&, int) { return BrokerAction{}; });
  open(broker.address(), 200ms);
  auto start = std::chrono::steady_clock::now();
  auto replies = send({{request(1)}, {request(2)}});
  EXPECT_EQ(await(replies[0]), std::nullopt);
  auto elapsed = std::chrono::steady_clock::now() - start;
  EXPECT_EQ(await(replies[1]), std::nullopt);
  EXPECT_GE(elapsed, 200ms);
  EXPECT_LT(elapsed, 3s);
  EXPECT_TRUE(broker.wait_for_ended_connections(1)) << "the link closes its connection";
  expect_failed_at_once();
}

TEST_F(UpstreamLinkTest, TimeoutRestartsForTheNextRequestOnceOneIsAnswered) {
  // Request 1 is answered, request 2 never: request 2 alone fails, a timeout later.
  FakeBroker broker([](const std::string& frame, int) {
    return request_correlation_id(frame) == 1 ? echo(frame) : BrokerAction{};
  });
  open(broker.address(), 200ms);
  auto replies = send({{request(1)}, {request(2)}});
  EXPECT_EQ(await(replies[0]), answer(1));
  EXPECT_EQ(await(replies[1]), std::nullopt);
}

TEST_F(UpstreamLinkTest, RequestWithoutAnswerIsNotTimedOut) {
  FakeBroker broker([](const std::string& frame, int) {
    return request_correlation_id(frame) == 1 ? BrokerAction{} : echo(frame);
  });
  open(broker.address(), 200ms);
  auto first = send_one(request(1, 0), false);
  EXPECT_EQ(await(first), std::string());
  // A request sent after several timeouts' worth of quiet is still served: the unanswered
  // request set no deadline.
  auto seen = broker.wait_for_requests(1);
  ASSERT_TRUE(seen);
  std::promise<void> quiet;
  asio::steady_timer timer(io_, 600ms);
  timer.async_wait([&](boost::system::error_code) { quiet.set_value(); });
  quiet.get_future().wait();
  auto second = send_one(request(2));
  EXPECT_EQ(await(second), answer(2));
}

TEST_F(UpstreamLinkTest, ConnectionRefusedFailsEveryQueuedRequest) {
  open({"127.0.0.1", testing::closed_port()});
  auto replies = send({{request(1)}, {request(2), false}, {request(3)}});
  for (auto& r : replies) EXPECT_EQ(await(r), std::nullopt);
  expect_failed_at_once();
}

}  // namespace
}  // namespace groupwire::gateway
