// One benchmark run: discover, start the members on a few I/O threads, open the phases one
// after the other (connect, join, late join, window, leave), sample the watched processes at
// each step, and gather what the members measured.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "group_load/config.h"
#include "group_load/group_tracker.h"
#include "group_load/member.h"
#include "group_load/process_stats.h"
#include "group_load/run_state.h"

namespace groupwire::bench {

// Samples of one process at the run's steps.
struct ProcessReport {
  WatchedProcess process;
  std::optional<ProcessSample> before{};       // before any connection
  std::optional<ProcessSample> connected{};    // every connection open (Idle: and answered)
  std::optional<ProcessSample> stable{};       // every group Stable
  std::optional<ProcessSample> late_stable{};  // every group Stable again with its late members
  std::optional<ProcessSample> window_start{};
  std::optional<ProcessSample> window_end{};
};

struct Report {
  std::string error;  // non-empty: the run could not start
  ApiVersions versions;
  BenchTopic topic;
  int connections = 0;
  int stable_groups = 0;
  std::vector<Clock::duration> times_to_stable;  // one per Stable group
  Clock::duration connect_phase{};               // every connection open
  Clock::duration join_phase{};                  // from the first JoinGroup to every group Stable
  Clock::duration late_phase{};  // from the late members' start to every group Stable again
  std::vector<std::vector<GroupRound>> rounds;  // per group: its first round, then the late one
  Clock::duration window{};
  Clock::duration leave_phase{};         // from the window's end to every member gone
  MemberStats totals;                    // latencies sorted
  std::vector<ProcessReport> processes;  // the generator itself last
};

Report run(const Config& config);

}  // namespace groupwire::bench
