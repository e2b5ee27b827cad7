// The real dispatcher and group handlers, with a CoordinatorClient aimed at a given port, driven
// with encoded Kafka frames.
#pragma once

#include <chrono>
#include <future>
#include <memory>
#include <optional>
#include <string>

#include <gtest/gtest.h>

#include "coordinator_client/coordinator_client.h"
#include "fake_coordinator.h"
#include "gateway_test_support.h"
#include "handlers/group_handlers.h"
#include "server/dispatcher.h"

namespace groupwire::gateway::testing {

// Every answer, even a failure, must come within this bound.
inline constexpr std::chrono::seconds kAnswerBound{10};

class GatewayHarness {
 public:
  explicit GatewayHarness(int coordinator_port,
                          std::chrono::milliseconds call_timeout = std::chrono::seconds(5))
      // Two channels, so that calls are spread over more than one Calls stream.
      : GatewayHarness(
            {.coordinators = {{"127.0.0.1", static_cast<std::uint16_t>(coordinator_port)}},
             .call_timeout = call_timeout,
             .channels = 2}) {}

  explicit GatewayHarness(CoordinatorClientOptions options) : client_(std::move(options)) {
    add_group_handlers(dispatcher_, client_, catalog_);
  }

  CoordinatorClient& client() { return client_; }
  // For tests that add handlers or ACLs (before dispatching) or change the topics.
  Dispatcher& dispatcher() { return dispatcher_; }
  TopicCatalog& catalog() { return *catalog_; }

  // Dispatches `req`; the future gets the response frame.
  template <kafka::TopLevelMessage Req>
  std::future<std::string> start(const Req& req, kafka::ApiVersion version,
                                 const std::string& client_host = "127.0.0.1") {
    auto answer = std::make_shared<std::promise<std::string>>();
    auto future = answer->get_future();
    auto result = dispatcher_.dispatch(request_frame(req, version, 77), client_host,
                                       [answer](std::string frame) { answer->set_value(frame); });
    EXPECT_EQ(result.outcome, DispatchOutcome::kDispatched) << result.reason;
    return future;
  }

  // The response frame, or nullopt (and a test failure) if none comes within kAnswerBound.
  template <kafka::TopLevelMessage Req>
  std::optional<std::string> call_frame(const Req& req, kafka::ApiVersion version,
                                        const std::string& client_host = "127.0.0.1") {
    auto future = start(req, version, client_host);
    if (future.wait_for(kAnswerBound) != std::future_status::ready) {
      ADD_FAILURE() << "no answer within " << kAnswerBound.count() << " s";
      return std::nullopt;
    }
    return future.get();
  }

  // Sends `req` at `version` and decodes the answer with the same version.
  template <kafka::TopLevelMessage Resp, kafka::TopLevelMessage Req>
  Resp call(const Req& req, kafka::ApiVersion version,
            const std::string& client_host = "127.0.0.1") {
    auto frame = call_frame(req, version, client_host);
    return frame ? decode<Resp>(*frame, version) : Resp();
  }

  template <kafka::TopLevelMessage Resp>
  static Resp decode(const std::string& frame, kafka::ApiVersion version) {
    Resp resp;
    EXPECT_EQ(decode_response_frame(frame, version, resp), 77) << "v" << version;
    return resp;
  }

 private:
  SharedTopicCatalog catalog_ =
      std::make_shared<TopicCatalog>(std::vector<TopicSpec>{{"orders", 3}, {"audit", 1}});
  CoordinatorClient client_;  // destroyed after the dispatcher that refers to it
  Dispatcher dispatcher_;
};

// A fake coordinator and a gateway aimed at it.
class ForwardingTest : public ::testing::Test {
 protected:
  FakeCoordinator coordinator_;
  GatewayHarness gateway_{coordinator_.port()};
};

}  // namespace groupwire::gateway::testing
