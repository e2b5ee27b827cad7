#include "group_load/report.h"

#include <chrono>

#include <fmt/format.h>

namespace groupwire::bench {

namespace {

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

std::optional<double> window_cpu(const ProcessReport& p) {
  if (!p.window_start || !p.window_end) return std::nullopt;
  return p.window_end->cpu_seconds - p.window_start->cpu_seconds;
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
    out += fmt::format("  versions: JoinGroup v{}, SyncGroup v{}, Heartbeat v{}, LeaveGroup v{}\n",
                       r.versions.join_group, r.versions.sync_group, r.versions.heartbeat,
                       r.versions.leave_group);
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
    out += fmt::format("; {} JoinGroups, {} rebalances\n", r.totals.join_requests,
                       r.totals.rebalances);
  }
  if (r.totals.reconnects > 0) {
    out += fmt::format("  reconnects: {} (connections reset before answering ApiVersions)\n",
                       r.totals.reconnects);
  }
  out += fmt::format("  phases ms: connect {:.0f}, join {:.0f}, leave {:.0f}\n",
                     ms(r.connect_phase), ms(r.join_phase), ms(r.leave_phase));
  out += fmt::format("  errors: {}\n", error_count(r));
  for (const auto& [key, n] : r.totals.errors) out += fmt::format("    {}: {}\n", key, n);
  for (const auto& p : r.processes) {
    out += fmt::format("  {} (pid {}):", p.process.name, p.process.pid);
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
    auto cpu = window_cpu(p);
    processes += fmt::format(
        "{}{{\"name\": {}, \"pid\": {}, \"cpu_s\": {}, \"rss_kib\": {{\"before\": {}, "
        "\"connected\": {}, \"stable\": {}, \"window_end\": {}}}}}",
        processes.empty() ? "" : ", ", json_string(p.process.name), p.process.pid,
        cpu ? fmt::format("{:.3f}", *cpu) : "null", json_rss(p.before), json_rss(p.connected),
        json_rss(p.stable), json_rss(p.window_end));
  }
  std::string stable = "null";
  if (!r.times_to_stable.empty()) {
    stable = fmt::format("{{\"max\": {:.3f}, \"median\": {:.3f}}}", ms(r.times_to_stable.back()),
                         ms(r.times_to_stable[r.times_to_stable.size() / 2]));
  }
  return fmt::format(
      "{{\"label\": {}, \"mode\": \"{}\", \"groups\": {}, \"members\": {}, \"connections\": {}, "
      "\"pipeline\": {}, \"window_s\": {:.3f}, \"versions\": {{\"JoinGroup\": {}, "
      "\"SyncGroup\": {}, \"Heartbeat\": {}, \"LeaveGroup\": {}}}, \"heartbeats\": {}, "
      "\"heartbeats_per_s\": {:.1f}, \"latency_ms\": {{\"p50\": {:.3f}, \"p99\": {:.3f}, "
      "\"max\": {:.3f}}}, \"stable_groups\": {}, \"time_to_stable_ms\": {}, "
      "\"connect_phase_ms\": {:.3f}, \"join_phase_ms\": {:.3f}, \"leave_phase_ms\": {:.3f}, "
      "\"join_requests\": {}, \"rebalances\": {}, \"reconnects\": {}, "
      "\"error_count\": {}, \"errors\": {{{}}}, \"processes\": [{}]}}\n",
      json_string(config.label), mode_name(config.mode),
      config.mode == Mode::Groups ? config.groups : 0,
      config.mode == Mode::Groups ? config.members : 0, r.connections, config.pipeline,
      seconds(r.window), r.versions.join_group, r.versions.sync_group, r.versions.heartbeat,
      r.versions.leave_group, r.totals.heartbeats, heartbeats_per_s(r), percentile_ms(lat, 0.5),
      percentile_ms(lat, 0.99), lat.empty() ? 0.0 : lat.back() / 1000.0, r.stable_groups, stable,
      ms(r.connect_phase), ms(r.join_phase), ms(r.leave_phase), r.totals.join_requests,
      r.totals.rebalances, r.totals.reconnects, error_count(r), errors, processes);
}

}  // namespace groupwire::bench
