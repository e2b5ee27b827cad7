#include "group_load/consumer_group_check.h"

#include <fmt/format.h>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>

#include "kafka/codec/messages/consumer_group_describe.h"
#include "kafka/error_code.h"

namespace groupwire::bench {

namespace {

using Described = kafka::ConsumerGroupDescribeResponse::DescribedGroup;

void compare(const Described& g, int members, std::vector<std::string>& problems) {
  auto problem = [&](std::string what) {
    problems.push_back(fmt::format("ConsumerGroupDescribe {}: {}", g.group_id, what));
  };
  if (g.error_code != 0) {
    return problem(std::string(kafka::error_name(static_cast<kafka::ErrorCode>(g.error_code))));
  }
  if (g.group_state != "Stable") problem(fmt::format("state {}", g.group_state));
  if (g.group_epoch != g.assignment_epoch) {
    problem(fmt::format("group epoch {}, assignment epoch {}", g.group_epoch, g.assignment_epoch));
  }
  if (static_cast<int>(g.members.size()) != members) {
    problem(fmt::format("{} members, expected {}", g.members.size(), members));
  }
  for (const auto& m : g.members) {
    if (m.member_epoch != g.assignment_epoch) {
      problem(fmt::format("member {} at epoch {}, assignment epoch {}", m.member_id, m.member_epoch,
                          g.assignment_epoch));
    } else if (m.assignment != m.target_assignment) {
      problem(fmt::format("member {} does not hold its target assignment", m.member_id));
    }
  }
}

asio::awaitable<void> describe(const Config& config, const Discovery& found, KafkaSocket& socket,
                               int members, std::vector<std::string>& problems) {
  for (int g = 0; g < config.groups; ++g) {
    // Sockets are per coordinator in principle; through a gateway they are all one.
    const Broker& to = found.coordinators[static_cast<std::size_t>(g)];
    socket.reset();
    std::string error = co_await socket.connect(to, std::nullopt);
    if (!error.empty()) {
      problems.push_back(fmt::format("ConsumerGroupDescribe: connect: {}", error));
      co_return;
    }
    kafka::ConsumerGroupDescribeRequest req;
    req.group_ids = {group_id(config, g)};
    kafka::ConsumerGroupDescribeResponse resp;
    error_code ec = co_await socket.call(req, *found.versions.consumer_group_describe, resp);
    if (ec || resp.groups.size() != 1) {
      problems.push_back(fmt::format("ConsumerGroupDescribe {}: {}", req.group_ids[0],
                                     ec ? ec.message() : "not one group in the answer"));
      continue;
    }
    compare(resp.groups[0], members, problems);
  }
  socket.close();
}

}  // namespace

std::vector<std::string> check_consumer_groups(const Config& config, const Discovery& found,
                                               const gateway::UpstreamSecurity& security,
                                               int members) {
  std::vector<std::string> problems;
  asio::io_context io;
  KafkaSocket socket(io.get_executor(), security);
  asio::co_spawn(io, describe(config, found, socket, members, problems), asio::detached);
  io.run();
  return problems;
}

}  // namespace groupwire::bench
