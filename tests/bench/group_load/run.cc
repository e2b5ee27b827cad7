#include "group_load/run.h"

#include <unistd.h>
#include <algorithm>
#include <cstdio>
#include <memory>
#include <thread>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>

#include "group_load/consumer_group_check.h"
#include "group_load/discovery.h"
#include "security/tls_context.h"

namespace groupwire::bench {

namespace {

using std::chrono::seconds;

// Generous bounds for steps that take milliseconds when things work: a run that hits one
// reports what it got instead of hanging.
constexpr seconds kConnectTimeout{300};
// Members still in a JoinGroup when the window closes may wait out a rebalance first.
constexpr seconds kDrainTimeout{15};
constexpr seconds kLeaveTimeout{30};

void sample_all(std::vector<ProcessReport>& processes,
                std::optional<ProcessSample> ProcessReport::*when) {
  for (auto& p : processes) p.*when = sample_process(p.process.pid);
}

std::optional<asio::ip::address> source_address(const Config& config, int connection) {
  if (config.loopback_sources <= 1) return std::nullopt;
  auto n = static_cast<unsigned>(connection % config.loopback_sources);
  return asio::ip::address_v4(0x7f000001u + n);
}

void merge(MemberStats& into, MemberStats& from) {
  into.heartbeats += from.heartbeats;
  into.join_requests += from.join_requests;
  into.rebalances += from.rebalances;
  into.reconnects += from.reconnects;
  into.latencies_us.insert(into.latencies_us.end(), from.latencies_us.begin(),
                           from.latencies_us.end());
  for (const auto& [key, n] : from.errors) into.errors[key] += n;
}

// The I/O threads, one io_context each so that a member's coroutine needs no strand.
class IoThreads {
 public:
  explicit IoThreads(int n) {
    for (int i = 0; i < n; ++i) {
      contexts_.push_back(std::make_unique<asio::io_context>(1));
      guards_.emplace_back(contexts_.back()->get_executor());
    }
  }
  ~IoThreads() { join(); }
  asio::io_context& context(int i) { return *contexts_[i % contexts_.size()]; }
  void start() {
    for (auto& c : contexts_) threads_.emplace_back([&io = *c] { io.run(); });
  }
  // Returns once every coroutine has ended, or at once after stop().
  void join() {
    guards_.clear();
    for (auto& t : threads_) t.join();
    threads_.clear();
  }
  void stop() {
    for (auto& c : contexts_) c->stop();
  }

 private:
  std::vector<std::unique_ptr<asio::io_context>> contexts_;
  std::vector<asio::executor_work_guard<asio::io_context::executor_type>> guards_;
  std::vector<std::thread> threads_;
};

}  // namespace

Report run(const Config& config) {
  Report report;
  gateway::UpstreamSecurity security{nullptr, config.sasl};
  if (config.tls_ca_pem) {
    security.tls = gateway::make_client_tls_context(config.tls_ca_pem, report.error);
    if (!security.tls) {
      report.error = "--tls-ca: " + report.error;
      return report;
    }
  }
  Discovery found = discover(config, security);
  if (!found.error.empty()) {
    report.error = found.error;
    return report;
  }
  report.versions = found.versions;
  report.topic = found.topic;
  report.connections = config.total_connections();
  for (const auto& p : config.processes) report.processes.push_back(ProcessReport{p});
  report.processes.push_back(ProcessReport{{"generator", getpid()}});
  sample_all(report.processes, &ProcessReport::before);

  Phases phases;
  Progress progress;
  OpeningLimit opening(config.connect_concurrency);
  IoThreads io(config.threads);
  std::vector<std::unique_ptr<GroupTracker>> trackers;
  std::vector<std::unique_ptr<Member>> members;
  const int groups = config.mode == Mode::Groups ? config.groups : 1;
  const int first = config.mode == Mode::Groups ? config.members : report.connections;
  const int per_group = config.mode == Mode::Groups ? first + config.late_members : first;
  for (int g = 0; g < groups; ++g) {
    trackers.push_back(std::make_unique<GroupTracker>(first, per_group, found.topic.partitions));
    for (int m = 0; m < per_group; ++m) {
      int i = static_cast<int>(members.size());
      MemberSetup setup{&config,
                        &report.versions,
                        &phases,
                        &progress,
                        &opening,
                        trackers.back().get(),
                        &found.topic,
                        group_id(config, g),
                        &security,
                        m,
                        m >= first,
                        found.coordinators.empty() ? found.bootstrap : found.coordinators[g],
                        source_address(config, i)};
      members.push_back(std::make_unique<Member>(io.context(i).get_executor(), std::move(setup)));
      asio::co_spawn(io.context(i), members.back()->run(), asio::detached);
    }
  }
  auto wake_all = [&] {
    for (auto& m : members) m->wake();
  };
  const int n = report.connections;
  auto start = Clock::now();
  io.start();

  progress.wait(Milestone::Connected, n, start + kConnectTimeout);
  sample_all(report.processes, &ProcessReport::connected);

  auto go_at = Clock::now();
  report.connect_phase = go_at - start;
  phases.go = true;
  wake_all();
  if (config.mode == Mode::Groups &&
      !progress.wait(Milestone::GroupStable, groups, go_at + config.join_timeout)) {
    phases.stop_joining = true;
  }
  auto stable_at = Clock::now();
  report.join_phase = stable_at - go_at;
  std::vector<std::string> disagreements;
  auto check = [&](int expected) {
    if (config.protocol != Protocol::Consumer || !config.describe) return;
    auto seen = check_consumer_groups(config, found, security, expected);
    disagreements.insert(disagreements.end(), seen.begin(), seen.end());
  };
  if (config.mode == Mode::Groups) check(first);
  if (config.mode == Mode::Groups && config.late_members > 0) {
    sample_all(report.processes, &ProcessReport::stable);
    for (auto& t : trackers) t->next_round(per_group);
    auto late_at = Clock::now();
    phases.late_join = true;
    wake_all();
    if (!progress.wait(Milestone::GroupStable, 2 * groups, late_at + config.join_timeout)) {
      phases.stop_joining = true;
    }
    stable_at = Clock::now();
    report.late_phase = stable_at - late_at;
    check(per_group);
  }
  if (config.hold_stable) {
    std::fputs("stable\n", stderr);
    std::fflush(stderr);
    char discard[256];
    while (::read(STDIN_FILENO, discard, sizeof discard) > 0) {}
    stable_at = Clock::now();
  }
  sample_all(report.processes,
             config.late_members > 0 ? &ProcessReport::late_stable : &ProcessReport::stable);

  phases.window_start = stable_at + (config.mode == Mode::Idle ? Millis(0) : config.warmup);
  phases.window_end = phases.window_start + config.duration;
  report.window = config.duration;
  phases.stable = true;
  wake_all();
  std::this_thread::sleep_until(phases.window_start);
  sample_all(report.processes, &ProcessReport::window_start);
  std::this_thread::sleep_until(phases.window_end);
  sample_all(report.processes, &ProcessReport::window_end);
  phases.stop_joining = true;
  wake_all();

  progress.wait(Milestone::Drained, n, Clock::now() + kDrainTimeout);
  phases.leave = true;
  wake_all();
  if (!progress.wait(Milestone::Finished, n, Clock::now() + kLeaveTimeout)) {
    for (auto& m : members) m->abort();
    if (!progress.wait(Milestone::Finished, n, Clock::now() + seconds(10))) io.stop();
  }
  io.join();
  report.leave_phase = Clock::now() - phases.window_end;

  for (const auto& t : trackers) {
    report.rounds.push_back(t->rounds());
    if (auto d = report.rounds.back().front().time_to_stable) {
      report.times_to_stable.push_back(*d);
      ++report.stable_groups;
    }
  }
  std::sort(report.times_to_stable.begin(), report.times_to_stable.end());
  for (auto& m : members) merge(report.totals, m->stats);
  for (const auto& d : disagreements) ++report.totals.errors[d];
  std::sort(report.totals.latencies_us.begin(), report.totals.latencies_us.end());
  return report;
}

}  // namespace groupwire::bench
