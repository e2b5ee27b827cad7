#!/usr/bin/env python3
"""The group coordination benchmark: the same workloads against groupwire-bench-echo (the
loopback limit of this machine), librdkafka's mock cluster (the peer: groupwire-dev-upstream)
and Groupwire (gateway + coordinator), each target started afresh for each run, then what TLS
and SASL cost against plaintext (security_overhead.py), and the consumer group protocol (KIP-848)
against the classic one and librdkafka 2.15.1's mock (consumer_protocol.py), and Produce and
Fetch through a gateway in upstream mode against straight to the mock (data_plane.py); prints
Markdown tables with ratios and checks the targets. tests/bench/run-benchmarks.sh builds what is
needed and runs this; any run of groupwire-bench-groups can also be repeated by hand."""

import argparse
import datetime
import json
import math
import os
import resource
import shlex
import shutil
import statistics
import subprocess
import sys
from pathlib import Path

from consumer_protocol import consumer_section
from data_plane import DEFAULT_VOLUMES, data_plane_section, volume
from group_load_targets import EchoTarget, GroupwireTarget, MockTarget, process, run_generator
from members_across_gateways import MEMBERS_PER_GROUP, hold_members
from security_overhead import security_section

# name, groups, members per group, heartbeats in flight per member
HEARTBEAT_SCENARIOS = [
    ("1x1", 1, 1, 1),
    ("1x1 pipelined x8", 1, 1, 8),
    ("10x10", 10, 10, 1),
    ("100x10", 100, 10, 1),
    ("1x1000", 1, 1000, 1),
]
STABLE_SIZES = (10, 100, 1000)
# The mock waits the session timeout less 1 s for members missing from a rebalance: 10 s keeps
# its hiccups within a run, and is long enough for a loaded machine.
SESSION_FLAGS = ("--session-timeout-ms", "10000", "--rebalance-timeout-ms", "10000")
CONNECTIONS_PER_SOURCE_ADDRESS = 20000  # below the ~28,000 ephemeral ports of one address


def raise_fd_limit(wanted: int) -> int:
    """Raises RLIMIT_NOFILE (inherited by the targets and the generator); root may go past
    the hard limit. Returns the limit in force."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    wanted = max(wanted, soft)
    for limit in ((wanted, max(hard, wanted)), (min(wanted, hard), hard)):
        try:
            resource.setrlimit(resource.RLIMIT_NOFILE, limit)
            return limit[0]
        except (ValueError, OSError):
            continue
    return soft


def measure(target, *flags: str) -> dict:
    """One generator run against a fresh target. A target that fails is reported, not fatal:
    the peer does not cope with everything."""
    try:
        with target:
            report = run_generator(target.bootstrap, *target.generator_flags, *flags,
                                   pids=target.pids, timeout=3600)
    except Exception as e:  # noqa: BLE001 (any failure is a figure of the run)
        report = {"error": str(e).splitlines()[0][:300]}
    report["target"] = target.label
    print(f"  {target.label:9} {summary(report)}", file=sys.stderr, flush=True)
    return report


def summary(r: dict) -> str:
    if "error" in r:
        return f"FAILED: {r['error']}"
    return (f"{r['heartbeats_per_s']:.0f} hb/s p50 {r['latency_ms']['p50']:.3f} ms p99 "
            f"{r['latency_ms']['p99']:.3f} ms, errors {r['error_count']} {r['errors']}, "
            f"stable {r['stable_groups']}, time to Stable {r['time_to_stable_ms']}")


def ok(r: dict | None) -> bool:
    return r is not None and "error" not in r


def number(x: float) -> str:
    return f"{x:,.0f}"


def ratio(a: float | None, b: float | None) -> str:
    return f"{a / b:.2f}" if a is not None and b else "–"


def rate(r: dict | None) -> float | None:
    return r["heartbeats_per_s"] if ok(r) and r["heartbeats"] > 0 else None


def latency_ms(r: dict | None, p: str) -> float | None:
    return r["latency_ms"][p] if rate(r) else None


def latency(r: dict | None, p: str) -> str:
    ms = latency_ms(r, p)
    return "–" if ms is None else f"{ms:.2f}"


def errors(r: dict | None) -> str:
    if not ok(r):
        return "failed" if r else "–"
    text = str(r["error_count"])
    if r["error_count"]:
        worst = max(r["errors"].items(), key=lambda kv: kv[1])[0]
        text += f" ({worst})"
    if r["stable_groups"] < r["groups"]:
        text += f", {r['stable_groups']}/{r['groups']} groups Stable"
    return text


def cpu_us(r: dict | None, name: str) -> float | None:
    """CPU µs per heartbeat of one process of the run."""
    if not ok(r) or r["heartbeats"] == 0:
        return None
    cpu = process(r, name)["cpu_s"]
    return None if cpu is None else cpu * 1e6 / r["heartbeats"]


def us(x: float | None) -> str:
    return "–" if x is None else f"{x:.1f}"


def cpu_per_heartbeat(r: dict | None, name: str) -> str:
    return us(cpu_us(r, name))


def median_run(reports: list[dict]) -> dict:
    """The run with the median heartbeats/s (a failed run counts as the slowest)."""
    ordered = sorted(reports, key=lambda r: rate(r) or -1.0)
    return ordered[(len(ordered) - 1) // 2]


def ratio_spread(groupwire: list[dict], mock: list[dict]) -> str:
    """Groupwire / mock in each round (the two runs closest in time), as min–max."""
    each = [rate(g) / rate(m) for g, m in zip(groupwire, mock) if rate(g) and rate(m)]
    return f" ({min(each):.2f}–{max(each):.2f})" if len(each) > 1 else ""


def heartbeat_section(duration_ms: int, runs: int, results: dict) -> list[str]:
    out = []
    every_run = results.setdefault("heartbeat runs", {})
    for name, groups, members, pipeline in HEARTBEAT_SCENARIOS:
        print(f"{name}:", file=sys.stderr, flush=True)
        flags = ("--groups", str(groups), "--members", str(members), "--pipeline", str(pipeline),
                 "--duration-ms", str(duration_ms), *SESSION_FLAGS)
        # Rounds of one run per target, so that drift of a noisy machine hits all three alike.
        reports: dict[str, list[dict]] = {"echo": [], "mock": [], "groupwire": []}
        for _ in range(runs):
            for t in (EchoTarget(), MockTarget(), GroupwireTarget()):
                reports[t.label].append(measure(t, *flags))
        every_run[name] = reports
        results[name] = {label: median_run(r) for label, r in reports.items()}
    out.append("| scenario | connections | echo hb/s | mock hb/s | Groupwire hb/s | Groupwire / "
               "mock | Groupwire / echo | p50 ms echo · mock · Groupwire | p99 ms echo · mock · "
               "Groupwire | errors mock · Groupwire |")
    out.append("|---|---|---|---|---|---|---|---|---|---|")
    for name, groups, members, _ in HEARTBEAT_SCENARIOS:
        e, m, g = (results[name][t] for t in ("echo", "mock", "groupwire"))
        out.append(
            f"| {name} | {groups * members:,} | "
            + " | ".join(number(rate(x)) if rate(x) else "–" for x in (e, m, g))
            + f" | {ratio(rate(g), rate(m))}"
            + ratio_spread(every_run[name]["groupwire"], every_run[name]["mock"])
            + f" | {ratio(rate(g), rate(e))} | "
            + " · ".join(latency(x, "p50") for x in (e, m, g)) + " | "
            + " · ".join(latency(x, "p99") for x in (e, m, g)) + " | "
            + f"{errors(m)} · {errors(g)} |")
    out.append("")
    out.append("CPU time per heartbeat in the window (µs; the machine's 2 cores are shared by "
               "the generator and the servers):")
    out.append("")
    out.append("| scenario | echo | mock | gateway | coordinator | generator (Groupwire run) |")
    out.append("|---|---|---|---|---|---|")
    for name, *_ in HEARTBEAT_SCENARIOS:
        e, m, g = (results[name][t] for t in ("echo", "mock", "groupwire"))
        out.append(f"| {name} | {cpu_per_heartbeat(e, 'echo')} | {cpu_per_heartbeat(m, 'mock')} "
                   f"| {cpu_per_heartbeat(g, 'gateway')} | {cpu_per_heartbeat(g, 'coordinator')} "
                   f"| {cpu_per_heartbeat(g, 'generator')} |")
    return out


def stable_ms(r: dict) -> float | None:
    return r["time_to_stable_ms"]["max"] if ok(r) and r["time_to_stable_ms"] else None


def stable_section(runs: int, results: dict) -> list[str]:
    out = ["| members joining at once | mock ms | Groupwire ms | Groupwire JoinGroups · "
           "rebalances seen | errors mock · Groupwire |", "|---|---|---|---|---|"]
    for size in STABLE_SIZES:
        print(f"time to Stable, 1 group of {size}:", file=sys.stderr, flush=True)
        flags = ("--groups", "1", "--members", str(size), "--duration-ms", "0", "--warmup-ms",
                 "0", *SESSION_FLAGS)
        per_target = {}
        for target_class in (MockTarget, GroupwireTarget):
            per_target[target_class.label] = [measure(target_class(), *flags)
                                              for _ in range(runs)]
        results[f"stable {size}"] = per_target

        def median(label: str) -> str:
            times = [t for t in map(stable_ms, per_target[label]) if t is not None]
            if not times:
                return "never Stable"
            missing = len(per_target[label]) - len(times)
            return f"{statistics.median(times):,.1f}" + (f" ({missing} never)" if missing else "")

        def error_total(label: str) -> str:
            return str(sum(r.get("error_count", 0) for r in per_target[label] if ok(r)))

        g = [r for r in per_target["groupwire"] if ok(r)]
        joins = statistics.median(r["join_requests"] for r in g) if g else 0
        rebalances = statistics.median(r["rebalances"] for r in g) if g else 0
        out.append(f"| {size:,} | {median('mock')} | {median('groupwire')} | "
                   f"{joins:.0f} · {rebalances:.0f} | {error_total('mock')} · "
                   f"{error_total('groupwire')} |")
    out.append("")
    out.append(f"Median of {runs} runs; time from the last JoinGroup sent to the SyncGroup answer "
               "that completed the group. The mock's first rebalance always waits 3 s "
               "(librdkafka 2.0.2 hard-codes its initial delay); Groupwire runs with "
               "`--initial-rebalance-delay-ms 0`.")
    return out


# Kafka's default initial delay (3 s) gathers each group in one generation, and Kafka's default
# heartbeat interval (3 s) keeps the waiting members from flooding the machine.
MEMORY_COORDINATOR_FLAGS = ("--initial-rebalance-delay-ms", "3000")
MEMORY_GENERATOR_FLAGS = ("--duration-ms", "0", "--warmup-ms", "0", "--join-heartbeat-ms", "3000",
                          "--session-timeout-ms", "600000", "--rebalance-timeout-ms", "600000",
                          "--join-timeout-ms", "1200000", "--connect-concurrency", "64",
                          "--threads", "2")


def rss_growth_kib(r: dict, name: str, at: str = "stable") -> int:
    rss = process(r, name)["rss_kib"]
    return rss[at] - rss["before"]


def memory_section(members: int, idle: int, fd_limit: int, results: dict) -> list[str]:
    out = ["| measure | figure |", "|---|---|"]
    # Each member is a connection to a gateway and one in a generator: both processes need a
    # descriptor per member, so members beyond the open-files limit go to more gateways.
    per_gateway = (fd_limit - 1000) // MEMBERS_PER_GROUP * MEMBERS_PER_GROUP
    print(f"memory: {members} members, at most {per_gateway} per gateway:", file=sys.stderr,
          flush=True)
    held = hold_members(members, per_gateway, (
        *MEMORY_GENERATOR_FLAGS,
        "--loopback-sources", str(math.ceil(per_gateway / CONNECTIONS_PER_SOURCE_ADDRESS))),
        MEMORY_COORDINATOR_FLAGS)
    results["memory members"] = {"members": held.members, "gateways": held.gateways,
                                 "coordinator_kib": held.coordinator_kib,
                                 "gateway_kib": held.gateway_kib, "reports": held.reports,
                                 "error": held.error}
    errors_seen = sum(r["error_count"] for r in held.reports)
    stable = sum(r["stable_groups"] for r in held.reports)
    print(f"  {held.gateways} gateways, error {held.error}, {errors_seen} errors, {stable} "
          f"groups Stable", file=sys.stderr, flush=True)
    if held.error is None:
        n = held.members
        before, after = held.coordinator_kib
        per = (after - before) * 1024 / n
        results["coordinator bytes per member"] = per
        out.append(f"| coordinator RSS growth per member, {n:,} members in {n // MEMBERS_PER_GROUP:,} Stable "
                   f"groups behind {held.gateways} gateways | {per:,.0f} B ({before / 1024:,.1f} "
                   f"→ {after / 1024:,.1f} MiB) |")
        gateway_growth = sum(a - b for b, a in held.gateway_kib) * 1024 / n
        out.append(f"| gateway RSS growth per member connection, same run (all gateways) | "
                   f"{gateway_growth:,.0f} B |")
        slowest = max(held.reports, key=lambda r: r["join_phase_ms"])
        out.append(f"| joining {n:,} members (connect · join phases of the slowest generator) | "
                   f"{slowest['connect_phase_ms'] / 1000:.1f} s · "
                   f"{slowest['join_phase_ms'] / 1000:.1f} s, {errors_seen} errors |")
    else:
        out.append(f"| members memory | not measured: {held.error} |")

    print(f"memory: {idle} idle connections:", file=sys.stderr, flush=True)
    r = measure(GroupwireTarget(max_connections=idle + 100), "--idle-connections", str(idle),
                "--duration-ms", "1000", "--connect-concurrency", "64")
    results["memory idle"] = r
    if ok(r) and r["error_count"] == 0:
        rss = process(r, "gateway")["rss_kib"]
        out.append(f"| gateway RSS growth per idle connection, {idle:,} connections (each "
                   f"answered ApiVersions) | {rss_growth_kib(r, 'gateway', 'connected') * 1024 / idle:,.0f} B "
                   f"({rss['before'] / 1024:,.1f} → {rss['connected'] / 1024:,.1f} MiB) |")
    else:
        out.append(f"| gateway RSS per idle connection | not measured: {errors(r)} "
                   f"{r.get('error', '')} |")
    return out


def targets_section(results: dict) -> list[str]:
    out = []

    def check(text: str, met: bool | None) -> None:
        verdict = "not measured" if met is None else ("met" if met else "NOT met")
        out.append(f"- {text}: **{verdict}**")

    hb = results.get("100x10")
    if hb:
        e, m, g = hb["echo"], hb["mock"], hb["groupwire"]
        gateway, coordinator, echo = (cpu_us(g, "gateway"), cpu_us(g, "coordinator"),
                                      cpu_us(e, "echo"))
        check(f"100×10 gateway CPU per heartbeat ≤ 1.3× the echo server's "
              f"({us(gateway)} vs {us(echo)} µs, {ratio(gateway, echo)}×)",
              gateway <= 1.3 * echo if gateway is not None and echo else None)
        check(f"100×10 coordinator CPU per heartbeat ≤ 0.4× the echo server's "
              f"({us(coordinator)} vs {us(echo)} µs, {ratio(coordinator, echo)}×)",
              coordinator <= 0.4 * echo if coordinator is not None and echo else None)
        met = None
        if rate(m) and rate(g):
            met = rate(g) >= rate(m) and latency_ms(g, "p99") <= latency_ms(m, "p99")
        check(f"100×10 heartbeats/s Groupwire ≥ 1.0× mock with a p99 no higher "
              f"({ratio(rate(g), rate(m))}×; p99 {latency(g, 'p99')} vs {latency(m, 'p99')} ms)",
              met)
    pipelined = results.get("1x1 pipelined x8")
    if pipelined:
        m, g = pipelined["mock"], pipelined["groupwire"]
        check(f"1×1 pipelined ×8 heartbeats/s Groupwire ≥ 0.5× mock ({ratio(rate(g), rate(m))}×)",
              rate(g) >= 0.5 * rate(m) if rate(g) and rate(m) else None)
    one = results.get("1x1")
    if one:
        e, g = one["echo"], one["groupwire"]
        g50, e50 = latency_ms(g, "p50"), latency_ms(e, "p50")
        check(f"1×1 p50 Groupwire ≤ 3.5× echo ({latency(g, 'p50')} vs {latency(e, 'p50')} ms, "
              f"{ratio(g50, e50)}×)", g50 <= 3.5 * e50 if g50 is not None and e50 else None)
    big = results.get("stable 1000")
    if big:
        times = [t for t in map(stable_ms, big["groupwire"]) if t is not None]
        worst = max(times) if len(times) == len(big["groupwire"]) else None
        check(f"1,000-member group Stable within 1 s of the last JoinGroup (worst of "
              f"{len(big['groupwire'])} runs: {'–' if worst is None else f'{worst:,.0f} ms'})",
              worst <= 1000 if worst is not None else None)
    late_join = results.get("consumer late join")
    if late_join:
        share = results["consumer share"]
        runs = late_join["consumer"]
        clean = [r for r in runs if "error" not in r and r["error_count"] == 0
                 and len(r["late"]["moved"]) == r["groups"]]
        moved = [m for r in clean for m in r["late"]["moved"]]
        worst = max(moved) if moved and len(clean) == len(runs) else None
        check(f"one member joining a Stable consumer group moves only its share, ≤ "
              f"{math.ceil(share)} partitions (most in any group of {len(runs)} runs: "
              f"{'–' if worst is None else worst})",
              worst <= math.ceil(share) if worst is not None else None)
    data = results.get("data plane")
    for label, ratios in (data["ratios"] if data else {}).items():
        for what, target in (("produce", 0.9), ("fetch", 0.95)):
            r = ratios[what]
            check(f"{what}, {label}: through the gateway ≥ {target}× direct MB/s "
                  f"({'–' if r is None else f'{r:.2f}×'})",
                  r >= target if r is not None else None)
    if "memory members" in results:
        per = results.get("coordinator bytes per member")
        check(f"≤ 2 KiB coordinator memory per member ({'–' if per is None else f'{per:,.0f} B'})",
              per <= 2048 if per is not None else None)
    return out


def console_section(results: dict) -> list[str]:
    """console_render.js (node, playwright-core from tests/e2e/node): the web console's first
    render with 1,000 groups and with a 500-member group against 1 group and 1 member."""
    node = shutil.which("node")
    if node is None:
        return ["- PROBLEM: node not found: the console section needs nodejs and "
                "`npm ci --prefix tests/e2e/node`"]
    script = Path(__file__).resolve().parent / "console_render.js"
    run = subprocess.run([node, str(script), "--json"], capture_output=True, text=True,
                         timeout=1800, check=False)
    if run.returncode != 0:
        return [f"- PROBLEM: console_render.js failed: {run.stderr.strip()[-1000:]}"]
    report = json.loads(run.stdout)
    results["console"] = report["results"]
    return report["markdown"].splitlines()


def machine() -> str:
    model = "unknown CPU"
    with open("/proc/cpuinfo") as f:
        for line in f:
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    with open("/proc/meminfo") as f:
        mem_kib = int(f.readline().split()[1])
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    return (f"{os.cpu_count()} cores ({model}), {mem_kib / 1024 / 1024:.0f} GiB, "
            f"load average {load} at the start")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--duration-ms", type=int, default=10000,
                        help="measured heartbeat window of each run")
    parser.add_argument("--heartbeat-runs", type=int, default=3,
                        help="runs per heartbeat scenario and target (the median is shown)")
    parser.add_argument("--stable-runs", type=int, default=3,
                        help="runs per time-to-Stable size (the median is shown)")
    parser.add_argument("--memory-members", type=int, default=100000,
                        help="members for the coordinator memory figure, in groups of 100, "
                        "spread over as many gateways (one generator each) as the open-files "
                        "limit needs")
    parser.add_argument("--idle-connections", type=int, default=10000,
                        help="connections for the gateway memory figure")
    parser.add_argument("--security-records", type=int, default=500000,
                        help="records of 100 B per produce run of the TLS and SASL section")
    parser.add_argument("--consumer-runs", type=int, default=3,
                        help="rounds (one classic and one consumer run each, and one against "
                        "librdkafka 2.15.1's mock when build_mock_215.sh can build it) per "
                        "consumer protocol scenario")
    parser.add_argument("--consumer-members", type=int, default=1000,
                        help="members joining one group at once, classic against consumer")
    parser.add_argument("--consumer-small-group", type=int, default=100,
                        help="the Stable group one more member joins")
    parser.add_argument("--consumer-small-groups", type=int, default=5,
                        help="groups of --consumer-small-group members per run, one more member "
                        "joining each (every group a sample)")
    parser.add_argument("--consumer-partitions", type=int, default=1000,
                        help="partitions of the topic the consumer-protocol scenarios assign")
    parser.add_argument("--consumer-heartbeat-interval-ms", type=int, default=1000,
                        help="the coordinator's --consumer-heartbeat-interval-ms, and the classic "
                        "members' heartbeat interval while the group forms")
    parser.add_argument("--data-rounds", type=int, default=3,
                        help="rounds (one run straight to the upstream and one through the "
                        "gateway each) of the data plane section")
    parser.add_argument("--data-volume", type=volume, action="append",
                        help="RECORDSxBYTES produced and then fetched per data plane run "
                        "(repeatable; default " + " and ".join(DEFAULT_VOLUMES) + ")")
    parser.add_argument("--data-latency-requests", type=int, default=2000,
                        help="single-record Produce round trips per data plane latency run")
    parser.add_argument("--only", choices=("heartbeats", "stable", "memory", "security",
                                           "consumer", "data", "console"),
                        action="append",
                        help="run only these sections (repeatable); console (the web console's "
                        "render times, in Chromium) runs only when asked for")
    parser.add_argument("--json-out", help="write every generator report to this file")
    args = parser.parse_args()
    sections = args.only or ["heartbeats", "stable", "memory", "security", "consumer", "data"]

    limit = raise_fd_limit(2 * max(args.memory_members, args.idle_connections) + 10000)
    started = datetime.datetime.now(datetime.timezone.utc)
    lines = [f"{started:%Y-%m-%d %H:%M} UTC, {machine()}, open files limit {limit:,}.",
             f"Command: `tests/bench/run-benchmarks.sh {shlex.join(sys.argv[1:])}`"]
    results: dict = {}
    if "heartbeats" in sections:
        lines += ["", f"#### Heartbeats ({args.duration_ms / 1000:g} s window per run, "
                  f"closed loop; per target the run with the median heartbeats/s of "
                  f"{args.heartbeat_runs}, run in rounds of one per target; Groupwire / mock "
                  "in brackets: lowest and highest of the rounds)", ""]
        lines += heartbeat_section(args.duration_ms, args.heartbeat_runs, results)
    if "stable" in sections:
        lines += ["", "#### Time to Stable", ""]
        lines += stable_section(args.stable_runs, results)
    if "memory" in sections:
        lines += ["", "#### Memory", ""]
        lines += memory_section(args.memory_members, args.idle_connections, limit, results)
    if "security" in sections:
        # The 100x10 heartbeat scenario and a produce run, plaintext against TLS + SASL.
        lines += ["", "#### TLS and SASL against plaintext", ""]
        security, problems = security_section(args.heartbeat_runs, args.duration_ms, 100, 10,
                                              args.security_records, 100)
        lines += security + [f"- PROBLEM: {p}" for p in problems]
    if "consumer" in sections:
        lines += ["", "#### The consumer group protocol (KIP-848) against the classic protocol",
                  ""]
        results["consumer share"] = args.consumer_partitions / (args.consumer_small_group + 1)
        lines += consumer_section(args.consumer_runs, args.consumer_members,
                                  args.consumer_small_group, args.consumer_small_groups,
                                  args.consumer_partitions, args.consumer_heartbeat_interval_ms,
                                  args.duration_ms, results)
    if "data" in sections:
        lines += ["", "#### The data plane: Produce and Fetch through the gateway against "
                  "straight to the upstream", ""]
        data, problems = data_plane_section(
            args.data_rounds, args.data_volume or [volume(v) for v in DEFAULT_VOLUMES],
            args.data_latency_requests, results)
        lines += data + [f"- PROBLEM: {p}" for p in problems]
    if "console" in sections:
        lines += ["", "#### The web console: first render with 1,000 groups and 500 members", ""]
        lines += console_section(results)
    lines += ["", "#### Targets", ""] + targets_section(results)
    print("\n".join(lines))
    if args.json_out:
        with open(args.json_out, "w") as f:
            json.dump(results, f, indent=1)
    return 0


if __name__ == "__main__":
    sys.exit(main())
