// groupwire-bench-group-state: the heap a Stable member costs the coordinator's group state
// (state machine plus the partition's AsioScheduler), without the transport. Groups join as
// Kafka clients do (MEMBER_ID_REQUIRED, JoinGroup, SyncGroup, Heartbeat) on one partition whose
// writes succeed at once; the figure is glibc's live heap (mallinfo2) before and after, divided
// by the members. Metadata and assignments are empty: the budget excludes client bytes.
#include <malloc.h>

#include <cstdio>
#include <iostream>
#include <optional>
#include <string>
#include <vector>

#include <spdlog/spdlog.h>
#include <boost/asio/io_context.hpp>
#include <boost/program_options.hpp>

#include "group/group_partition.h"
#include "server/asio_scheduler.h"

using namespace groupwire::coordinator;
namespace po = boost::program_options;

namespace {

class ImmediateLog final : public GroupLog {
 public:
  void append(WriteBatch, Done done) override { done(pb::NONE); }
};

template <class T>
T answer(std::optional<T>& slot, boost::asio::io_context& io) {
  while (!slot) io.run_one();  // the initial rebalance completes on a (zero-delay) timer
  T out = std::move(*slot);
  slot.reset();
  return out;
}

pb::JoinGroupRequest join_request(const std::string& group, const std::string& member_id) {
  pb::JoinGroupRequest req;
  req.set_group_id(group);
  req.set_member_id(member_id);
  req.set_client_id("consumer-" + group);
  req.set_client_host("/127.0.0.1");
  req.set_session_timeout_ms(30000);
  req.set_rebalance_timeout_ms(30000);
  req.set_protocol_type("consumer");
  req.add_protocols()->set_name("range");
  req.set_require_known_member_id(true);
  return req;
}

// Forms one Stable group of `members` and heartbeats each member once.
void form_group(GroupPartition& partition, boost::asio::io_context& io, const std::string& group,
                int members) {
  std::vector<std::optional<pb::JoinGroupResponse>> joins(members);
  for (int i = 0; i < members; ++i) {
    std::optional<pb::JoinGroupResponse> required;
    partition.join_group(join_request(group, ""), [&](pb::JoinGroupResponse r) { required = r; });
    std::string id = answer(required, io).member_id();
    partition.join_group(join_request(group, id), [&joins, i](pb::JoinGroupResponse r) {
      joins[static_cast<std::size_t>(i)] = std::move(r);
    });
  }
  std::vector<pb::JoinGroupResponse> joined;
  for (auto& j : joins) joined.push_back(answer(j, io));
  std::vector<std::optional<pb::SyncGroupResponse>> syncs(joined.size());
  for (std::size_t i = 0; i < joined.size(); ++i) {
    pb::SyncGroupRequest req;
    req.set_group_id(group);
    req.set_member_id(joined[i].member_id());
    req.set_generation_id(joined[i].generation_id());
    partition.sync_group(req, [&syncs, i](pb::SyncGroupResponse r) { syncs[i] = std::move(r); });
  }
  for (auto& s : syncs) answer(s, io);  // all answered once the leader's assignment is stored
  for (const auto& j : joined) {
    pb::HeartbeatRequest req;
    req.set_group_id(group);
    req.set_member_id(j.member_id());
    req.set_generation_id(j.generation_id());
    partition.heartbeat(req, [](pb::HeartbeatResponse) {});
  }
  io.poll();  // what the heartbeats left to run (cancelled timer waits) runs, as it soon would
}

}  // namespace

int main(int argc, char** argv) {
  int groups = 0, members = 0;
  po::options_description opts("groupwire-bench-group-state options");
  opts.add_options()("help", "print this help and exit")(
      "groups", po::value(&groups)->default_value(100), "groups")(
      "members", po::value(&members)->default_value(100), "members per group");
  po::variables_map vm;
  po::store(po::parse_command_line(argc, argv, opts), vm);
  po::notify(vm);
  if (vm.count("help")) {
    std::cout << opts;
    return 0;
  }
  spdlog::set_level(spdlog::level::warn);
  boost::asio::io_context io{1};
  GroupConfig config;
  config.initial_rebalance_delay = Millis(0);
  ImmediateLog log;
  AsioScheduler scheduler(io.get_executor(), io.get_executor());
  GroupPartition partition(config, scheduler, log);
  partition.load({});

  std::size_t before = mallinfo2().uordblks;
  for (int g = 0; g < groups; ++g) form_group(partition, io, "group-" + std::to_string(g), members);
  std::size_t after = mallinfo2().uordblks;
  std::size_t stable = 0;
  for (const auto& [id, group] : partition.groups()) stable += group.is(GroupState::Stable);
  double per_member = static_cast<double>(after - before) / (static_cast<double>(groups) * members);
  std::printf("%d groups x %d members, %zu Stable: %.0f B of live heap per member\n", groups,
              members, stable, per_member);
  return stable == static_cast<std::size_t>(groups) ? 0 : 1;
}
