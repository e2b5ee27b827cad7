#include "group_load/report.h"

#include <algorithm>
#include <chrono>

#include <fmt/format.h>
#include <fmt/ranges.h>

namespace groupwire::bench {

namespace {

const char* protocol_name(Protocol p) {
  return p == Protocol::Consumer ? "consumer" : "classic";
}

const char* mode_name(Mode m) {
  switch (m) {
    case Mode::Groups:
      return "groups";
    case Mode::Heartbeats:
      return "heartbeats";
    case Mode::Idle:
      return "idle";
  }
  return "?";
}

double ms(Clock::duration d) {
  return std::chrono::duration<double, std::milli>(d).count();
}

double seconds(Clock::duration d) {
  return std::chrono::duration<double>(d).count();
}

// Latency percentile in ms from sorted microseconds.
double percentile_ms(const std::vector<std::uint32_t>& sorted_us, double p) {
  if (sorted_us.empty()) return 0;
  auto i = static_cast<std::size_t>(p * static_cast<double>(sorted_us.size() - 1) + 0.5);
  return sorted_us[i] / 1000.0;
}

std::uint64_t error_count(const Report& r) {
  std::uint64_t n = 0;
  for (const auto& [key, count] : r.totals.errors) n += count;
  return n;
}

double heartbeats_per_s(const Report& r) {
  double s = seconds(r.window);
  return s > 0 ? static_cast<double>(r.totals.heartbeats) / s : 0;
}

std::optional<double> cpu_between(const std::optional<ProcessSample>& from,
                                  const std::optional<ProcessSample>& to) {
  if (!from || !to) return std::nullopt;
  return to->cpu_seconds - from->cpu_seconds;
}

std::optional<double> window_cpu(const ProcessReport& p) {
  return cpu_between(p.window_start, p.window_end);
}

std::string json_cpu(std::optional<double> cpu) {
  return cpu ? fmt::format("{:.3f}", *cpu) : "null";
}

// What the rounds of every group add up to: the first (`late` false) or the late one.
struct RoundTotals {
  int stable_groups = 0;
  std::vector<Clock::duration> since_start;      // sorted
  std::vector<Clock::duration> first_partition;  // sorted
  std::vector<int> revoked;                      // per group
  // Per group Stable in both rounds: partitions whose owner differs from the first round's.
  std::vector<int> moved;
};

RoundTotals totals(const Report& r, bool late) {
  RoundTotals t;
  const std::size_t i = late ? 1 : 0;
  for (const auto& rounds : r.rounds) {
    if (rounds.size() <= i) continue;
    const GroupRound& round = rounds[i];
    t.revoked.push_back(round.revoked);
    t.first_partition.insert(t.first_partition.end(), round.first_partition.begin(),
                             round.first_partition.end());
    if (!round.since_start) continue;
    ++t.stable_groups;
    t.since_start.push_back(*round.since_start);
    if (late && rounds[0].since_start) {
      t.moved.push_back(Ownership::moved(rounds[0].owners, round.owners));
    }
  }
  std::sort(t.since_start.begin(), t.since_start.end());
  std::sort(t.first_partition.begin(), t.first_partition.end());
  return t;
}

// {"median": ms, "max": ms} of sorted durations, or null.
std::string json_spread(const std::vector<Clock::duration>& sorted) {
  if (sorted.empty()) return "null";
  return fmt::format("{{\"median\": {:.3f}, \"max\": {:.3f}}}", ms(sorted[sorted.size() / 2]),
                     ms(sorted.back()));
}

std::string json_list(const std::vector<int>& values) {
  return fmt::format("[{}]", fmt::join(values, ", "));
}

std::string text_list(const std::vector<int>& values) {
  return values.empty() ? "-" : fmt::format("{}", fmt::join(values, " "));
}

std::string text_spread(const std::vector<Clock::duration>& sorted) {
  if (sorted.empty()) return "-";
  return fmt::format("median {:.1f} max {:.1f}", ms(sorted[sorted.size() / 2]), ms(sorted.back()));
}

std::string json_string(std::string_view s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else if (static_cast<unsigned char>(c) < 0x20) {
      out += fmt::format("\\u{:04x}", c);
    } else {
      out += c;
    }
  }
  return out + "\"";
}

std::string json_rss(const std::optional<ProcessSample>& s) {
  return s ? std::to_string(s->rss_kib) : "null";
}

}  // namespace

std::string report_text(const Config& config, const Report& r) {
  if (!r.error.empty()) return fmt::format("{}: cannot run: {}\n", config.label, r.error);
  std::string out = fmt::format("{} ({}): ", config.label.empty() ? "target" : config.label,
                                config.bootstrap.to_string());
  if (config.mode == Mode::Idle) {
    out += fmt::format("{} idle connections held {:.1f} s\n", r.connections, seconds(r.window));
  } else {
    out += fmt::format("{} groups x {} members ({} connections), pipeline {}, {:.1f} s window\n",
                       config.mode == Mode::Groups ? config.groups : 1,
                       config.mode == Mode::Groups ? config.members : r.connections, r.connections,
                       config.pipeline, seconds(r.window));
    if (config.protocol == Protocol::Consumer) {
      const auto& describe = r.versions.consumer_group_describe;
      out += fmt::format("  versions: ConsumerGroupHeartbeat v{}, ConsumerGroupDescribe {}\n",
                         r.versions.consumer_group_heartbeat,
                         describe ? fmt::format("v{}", *describe)
                                  : std::string("not asked (--no-describe): Stable as the "
                                                "members' answers show it"));
    } else {
      out +=
          fmt::format("  versions: JoinGroup v{}, SyncGroup v{}, Heartbeat v{}, LeaveGroup v{}\n",
                      r.versions.join_group, r.versions.sync_group, r.versions.heartbeat,
                      r.versions.leave_group);
    }
    const auto& lat = r.totals.latencies_us;
    out += fmt::format("  heartbeats: {} ({:.0f}/s), latency ms p50 {:.3f} p99 {:.3f} max {:.3f}\n",
                       r.totals.heartbeats, heartbeats_per_s(r), percentile_ms(lat, 0.5),
                       percentile_ms(lat, 0.99), lat.empty() ? 0.0 : lat.back() / 1000.0);
  }
  if (config.mode == Mode::Groups) {
    out += fmt::format("  Stable: {} of {} groups", r.stable_groups, config.groups);
    if (!r.times_to_stable.empty()) {
      out +=
          fmt::format(", time to Stable ms max {:.1f} median {:.1f}", ms(r.times_to_stable.back()),
                      ms(r.times_to_stable[r.times_to_stable.size() / 2]));
    }
    out += fmt::format("; {} joins, {} rebalances\n", r.totals.join_requests, r.totals.rebalances);
    if (r.topic.partitions > 0) {
      RoundTotals first = totals(r, false);
      out += fmt::format(
          "  topic {} ({} partitions): first partition ms {}; revoked per group {}\n", r.topic.name,
          r.topic.partitions, text_spread(first.first_partition), text_list(first.revoked));
    }
    if (config.late_members > 0) {
      RoundTotals late = totals(r, true);
      out += fmt::format(
          "  late members ({} per group): Stable again {} of {} groups, ms {}; first partition "
          "ms {}; per group partitions moved {}, revoked {}\n",
          config.late_members, late.stable_groups, config.groups, text_spread(late.since_start),
          text_spread(late.first_partition), text_list(late.moved), text_list(late.revoked));
    }
  }
  if (r.totals.reconnects > 0) {
    out += fmt::format("  reconnects: {} (connections reset before answering ApiVersions)\n",
                       r.totals.reconnects);
  }
  out += fmt::format("  phases ms: connect {:.0f}, join {:.0f}, late join {:.0f}, leave {:.0f}\n",
                     ms(r.connect_phase), ms(r.join_phase), ms(r.late_phase), ms(r.leave_phase));
  out += fmt::format("  errors: {}\n", error_count(r));
  for (const auto& [key, n] : r.totals.errors) out += fmt::format("    {}: {}\n", key, n);
  for (const auto& p : r.processes) {
    out += fmt::format("  {} (pid {}):", p.process.name, p.process.pid);
    if (auto cpu = cpu_between(p.connected, p.stable); cpu && config.mode == Mode::Groups) {
      out += fmt::format(" CPU {:.2f} s joining;", *cpu);
    }
    if (auto cpu = window_cpu(p); cpu && config.mode != Mode::Idle) {
      out +=
          fmt::format(" CPU {:.2f} s in the window ({:.2f} cores", *cpu, *cpu / seconds(r.window));
      if (r.totals.heartbeats > 0) {
        out += fmt::format(", {:.1f} us per heartbeat", *cpu * 1e6 / r.totals.heartbeats);
      }
      out += ")";
    }
    out += fmt::format(" RSS KiB before {} connected {} stable {} end {}\n", json_rss(p.before),
                       json_rss(p.connected), json_rss(p.stable), json_rss(p.window_end));
  }
  return out;
}

std::string report_json(const Config& config, const Report& r) {
  if (!r.error.empty()) {
    return fmt::format("{{\"label\": {}, \"error\": {}}}\n", json_string(config.label),
                       json_string(r.error));
  }
  const auto& lat = r.totals.latencies_us;
  std::string errors;
  for (const auto& [key, n] : r.totals.errors) {
    errors += fmt::format("{}{}: {}", errors.empty() ? "" : ", ", json_string(key), n);
  }
  std::string processes;
  for (const auto& p : r.processes) {
    processes += fmt::format(
        "{}{{\"name\": {}, \"pid\": {}, \"cpu_s\": {}, \"join_cpu_s\": {}, "
        "\"late_cpu_s\": {}, \"rss_kib\": {{\"before\": {}, \"connected\": {}, \"stable\": {}, "
        "\"window_end\": {}}}}}",
        processes.empty() ? "" : ", ", json_string(p.process.name), p.process.pid,
        json_cpu(window_cpu(p)), json_cpu(cpu_between(p.connected, p.stable)),
        json_cpu(cpu_between(p.stable, p.late_stable)), json_rss(p.before), json_rss(p.connected),
        json_rss(p.stable), json_rss(p.window_end));
  }
  std::string stable = "null";
  if (!r.times_to_stable.empty()) {
    stable = fmt::format("{{\"max\": {:.3f}, \"median\": {:.3f}}}", ms(r.times_to_stable.back()),
                         ms(r.times_to_stable[r.times_to_stable.size() / 2]));
  }
  RoundTotals first = totals(r, false);
  std::string late = "null";
  if (config.late_members > 0) {
    RoundTotals t = totals(r, true);
    late = fmt::format(
        "{{\"members\": {}, \"stable_groups\": {}, \"phase_ms\": {:.3f}, "
        "\"time_to_stable_ms\": {}, \"first_partition_ms\": {}, \"moved\": {}, "
        "\"revoked\": {}}}",
        config.late_members, t.stable_groups, ms(r.late_phase), json_spread(t.since_start),
        json_spread(t.first_partition), json_list(t.moved), json_list(t.revoked));
  }
  std::string head = fmt::format(
      "\"label\": {}, \"mode\": \"{}\", \"protocol\": \"{}\", \"groups\": {}, \"members\": {}, "
      "\"connections\": {}, \"pipeline\": {}, \"window_s\": {:.3f}, \"topic\": {{\"name\": {}, "
      "\"partitions\": {}}}, \"versions\": {{\"JoinGroup\": {}, \"SyncGroup\": {}, "
      "\"Heartbeat\": {}, \"LeaveGroup\": {}, \"ConsumerGroupHeartbeat\": {}, "
      "\"ConsumerGroupDescribe\": {}}}",
      json_string(config.label), mode_name(config.mode), protocol_name(config.protocol),
      config.mode == Mode::Groups ? config.groups : 0,
      config.mode == Mode::Groups ? config.members : 0, r.connections, config.pipeline,
      seconds(r.window), json_string(r.topic.name), r.topic.partitions, r.versions.join_group,
      r.versions.sync_group, r.versions.heartbeat, r.versions.leave_group,
      r.versions.consumer_group_heartbeat,
      r.versions.consumer_group_describe ? std::to_string(*r.versions.consumer_group_describe)
                                         : std::string("null"));
  std::string heartbeats = fmt::format(
      "\"heartbeats\": {}, \"heartbeats_per_s\": {:.1f}, \"latency_ms\": {{\"p50\": {:.3f}, "
      "\"p99\": {:.3f}, \"max\": {:.3f}}}",
      r.totals.heartbeats, heartbeats_per_s(r), percentile_ms(lat, 0.5), percentile_ms(lat, 0.99),
      lat.empty() ? 0.0 : lat.back() / 1000.0);
  std::string joining = fmt::format(
      "\"stable_groups\": {}, \"time_to_stable_ms\": {}, \"first_partition_ms\": {}, "
      "\"revoked_while_joining\": {}, \"late\": {}, \"connect_phase_ms\": {:.3f}, "
      "\"join_phase_ms\": {:.3f}, \"late_phase_ms\": {:.3f}, \"leave_phase_ms\": {:.3f}, "
      "\"join_requests\": {}, \"rebalances\": {}, \"reconnects\": {}",
      r.stable_groups, stable, json_spread(first.first_partition), json_list(first.revoked), late,
      ms(r.connect_phase), ms(r.join_phase), ms(r.late_phase), ms(r.leave_phase),
      r.totals.join_requests, r.totals.rebalances, r.totals.reconnects);
  return fmt::format(
      "{{{}, {}, {}, \"error_count\": {}, \"errors\": {{{}}}, \"processes\": [{}]}}\n", head,
      heartbeats, joining, error_count(r), errors, processes);
}

}  // namespace groupwire::bench
