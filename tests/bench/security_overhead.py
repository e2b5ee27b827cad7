#!/usr/bin/env python3
"""What TLS and SASL cost, against plaintext, in one run: a plaintext gateway and a gateway with
TLS and SASL SCRAM-SHA-512 side by side, measured in turn (plaintext, secured, plaintext, ...)
so that drift of a noisy machine hits both alike.

- Heartbeats: one coordinator, both gateways in catalog mode in front of it;
  groupwire-bench-groups (each secured connection a TLS handshake and a SCRAM login) runs
  G groups of M members through each: heartbeats/s, p50/p99, CPU per heartbeat, and the time
  to open the connections.
- Produce: librdkafka's mock cluster (groupwire-dev-upstream), a coordinator and both gateways
  in upstream mode in front of them; produce_load.py (confluent-kafka, its batching defaults)
  produces N records through each, PLAINTEXT against SASL_SSL: records/s, MB/s and the
  gateway's CPU per MB.

Prints a Markdown table with the ratios secured / plaintext; exits 1 when a run failed or had
errors. run_benchmarks.py runs it as its "security" section; alone:

    GROUPWIRE_GATEWAY=... GROUPWIRE_COORDINATOR=... GROUPWIRE_DEV_UPSTREAM=...
    GROUPWIRE_BENCH_GROUPS=... GROUPWIRE_CLI=... /usr/bin/python3 security_overhead.py [--smoke]
"""

import argparse
import json
import os
import statistics
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

from group_load_targets import process, run_generator

_HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(_HERE.parents[0] / "e2e"))

from gateway_process import GatewayProcess  # noqa: E402
from group_cluster import CoordinatorProcess  # noqa: E402
from security_fixtures import SecurityFiles, another_gateway  # noqa: E402
from upstream_cluster import UpstreamCluster  # noqa: E402

MECHANISM = "SCRAM-SHA-512"
USER, PASSWORD = "bench", "bench-secret"
TOPIC, PARTITIONS = "bench", 6
PLAIN, SECURED = "plaintext", f"TLS + SASL {MECHANISM}"
# As run_benchmarks.py's heartbeat scenarios: long enough for a loaded machine.
SESSION_FLAGS = ("--session-timeout-ms", "10000", "--rebalance-timeout-ms", "10000")


@dataclass
class Figures:
    """Every round's runs of one gateway."""
    heartbeats: list[dict] = field(default_factory=list)  # generator reports
    produce: list[dict] = field(default_factory=list)  # produce_load.py reports + gateway CPU


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process so far."""
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def heartbeat_problem(r: dict, groups: int) -> str | None:
    if "error" in r:
        return r["error"]
    if r["error_count"] or r["heartbeats"] == 0 or r["stable_groups"] < groups:
        return (f"{r['heartbeats']} heartbeats, {r['stable_groups']}/{groups} groups Stable, "
                f"errors {r['errors']}")
    return None


def produce_problem(r: dict) -> str | None:
    if "error" in r:
        return r["error"]
    return f"{r['failed']} of {r['records']} records not delivered" if r["failed"] else None


def measure_heartbeats(gateway: GatewayProcess, coordinator: CoordinatorProcess,
                       flags: tuple[str, ...]) -> dict:
    try:
        return run_generator(f"{gateway.host}:{gateway.port}", *flags,
                             pids={"gateway": gateway.proc.pid,
                                   "coordinator": coordinator.proc.pid}, timeout=900)
    except Exception as e:  # noqa: BLE001 (a failed run is a figure of the run)
        return {"error": str(e).splitlines()[0][:300]}


def measure_produce(gateway: GatewayProcess, records: int, size: int,
                    client: dict[str, str]) -> dict:
    argv = [sys.executable, str(_HERE / "produce_load.py"), "--bootstrap",
            f"{gateway.host}:{gateway.port}", "--topic", TOPIC, "--records", str(records),
            "--size", str(size)]
    for key, value in client.items():
        argv += ["-X", f"{key}={value}"]
    before = cpu_seconds(gateway.proc.pid)
    done = subprocess.run(argv, capture_output=True, text=True, timeout=900)
    gateway_cpu = cpu_seconds(gateway.proc.pid) - before
    if done.returncode != 0:
        return {"error": (done.stderr.strip().splitlines() or ["no output"])[-1][:300]}
    report = json.loads(done.stdout)
    report["gateway_cpu_s"] = gateway_cpu
    return report


def log(text: str) -> None:
    print(text, file=sys.stderr, flush=True)


def heartbeat_rounds(sec: SecurityFiles, rounds: int, flags: tuple[str, ...],
                     figures: dict[str, Figures]) -> None:
    coordinator = CoordinatorProcess("--initial-rebalance-delay-ms", "0").start()
    gateways: list[GatewayProcess] = []
    try:
        common = ("--coordinator", coordinator.address, "--max-connections", "20000")
        gateways.append(GatewayProcess(*common, topics={TOPIC: 1}).start())
        gateways.append(GatewayProcess(*common, *sec.gateway_flags(MECHANISM),
                                       topics={TOPIC: 1}).start())
        secured_flags = ("--tls-ca", str(sec.ca), "--sasl-mechanism", MECHANISM,
                         "--sasl-user", USER, "--sasl-password", PASSWORD)
        for n in range(rounds):
            for label, gateway, extra in ((PLAIN, gateways[0], ()),
                                          (SECURED, gateways[1], secured_flags)):
                r = measure_heartbeats(gateway, coordinator, (*flags, *extra))
                figures[label].heartbeats.append(r)
                log(f"  heartbeats round {n + 1}, {label}: "
                    + (heartbeat_problem(r, 0) if "error" in r else
                       f"{r['heartbeats_per_s']:.0f} hb/s, p50 {r['latency_ms']['p50']:.3f} ms, "
                       f"p99 {r['latency_ms']['p99']:.3f} ms, errors {r['error_count']}"))
    finally:
        for p in (*gateways, coordinator):
            p.stop()


def produce_rounds(sec: SecurityFiles, rounds: int, records: int, size: int,
                   figures: dict[str, Figures]) -> None:
    cluster = UpstreamCluster(topics={TOPIC: PARTITIONS})
    cluster.upstream.argv += ["--log-level", "warn"]
    cluster.start()
    secured = None
    try:
        secured = another_gateway(cluster, *sec.gateway_flags(MECHANISM))
        for n in range(rounds):
            for label, gateway, client in ((PLAIN, cluster.gateway, {}),
                                           (SECURED, secured, sec.librdkafka(USER, PASSWORD))):
                r = measure_produce(gateway, records, size, client)
                figures[label].produce.append(r)
                log(f"  produce round {n + 1}, {label}: "
                    + (r["error"] if "error" in r else
                       f"{r['records'] / r['seconds']:,.0f} records/s, "
                       f"{r['bytes'] / r['seconds'] / 1e6:.1f} MB/s, failed {r['failed']}"))
    finally:
        if secured is not None:
            secured.stop()
        cluster.stop()


# -- figures ------------------------------------------------------------------------------------

def hb_rate(r: dict) -> float | None:
    return r["heartbeats_per_s"] if "error" not in r and r["heartbeats"] else None


def records_per_s(r: dict) -> float | None:
    return r["records"] / r["seconds"] if "error" not in r and r["seconds"] > 0 else None


def megabytes_per_s(r: dict) -> float | None:
    return r["bytes"] / r["seconds"] / 1e6 if "error" not in r and r["seconds"] > 0 else None


def median_of(reports: list[dict], figure) -> float | None:
    values = [v for v in map(figure, reports) if v is not None]
    return statistics.median(values) if values else None


def per_heartbeat_us(name: str):
    def figure(r: dict) -> float | None:
        return process(r, name)["cpu_s"] * 1e6 / r["heartbeats"] if hb_rate(r) else None
    return figure


def latency(p: str):
    return lambda r: r["latency_ms"][p] if hb_rate(r) else None


def connect_ms(r: dict) -> float | None:
    return r["connect_phase_ms"] if "error" not in r else None


def gateway_cpu_per_mb_ms(r: dict) -> float | None:
    return r["gateway_cpu_s"] * 1e3 / (r["bytes"] / 1e6) if "error" not in r else None


def ratio_spread(plain: list[dict], secured: list[dict], figure) -> str:
    """Secured / plaintext in each round (the two runs closest in time), as min–max."""
    each = [figure(s) / figure(p) for p, s in zip(plain, secured) if figure(p) and figure(s)]
    return f" ({min(each):.2f}–{max(each):.2f})" if len(each) > 1 else ""


def table(figures: dict[str, Figures], groups: int, members: int, records: int,
          size: int) -> list[str]:
    p, s = figures[PLAIN], figures[SECURED]
    rows = [
        (f"heartbeats/s, {groups}×{members}", "heartbeats", hb_rate, "{:,.0f}", True),
        ("heartbeat p50 ms", "heartbeats", latency("p50"), "{:.2f}", False),
        ("heartbeat p99 ms", "heartbeats", latency("p99"), "{:.2f}", False),
        ("gateway CPU µs per heartbeat", "heartbeats", per_heartbeat_us("gateway"), "{:.1f}",
         False),
        ("coordinator CPU µs per heartbeat", "heartbeats", per_heartbeat_us("coordinator"),
         "{:.1f}", False),
        (f"opening {groups * members:,} member connections, ms", "heartbeats", connect_ms,
         "{:,.0f}", False),
        (f"produce records/s, {records:,} × {size} B", "produce", records_per_s, "{:,.0f}",
         True),
        ("produce MB/s (values)", "produce", megabytes_per_s, "{:.1f}", True),
        ("gateway CPU ms per MB produced", "produce", gateway_cpu_per_mb_ms, "{:.1f}", False),
    ]
    out = [f"| measure | {PLAIN} | {SECURED} | secured / plaintext |", "|---|---|---|---|"]
    for name, kind, figure, fmt, spread in rows:
        plain_runs, secured_runs = getattr(p, kind), getattr(s, kind)
        a, b = median_of(plain_runs, figure), median_of(secured_runs, figure)
        cells = ["–" if v is None else fmt.format(v) for v in (a, b)]
        r = f"{b / a:.2f}" if a and b is not None else "–"
        if spread:
            r += ratio_spread(plain_runs, secured_runs, figure)
        out.append(f"| {name} | {cells[0]} | {cells[1]} | {r} |")
    return out


def security_section(rounds: int, duration_ms: int, groups: int, members: int, records: int,
                     size: int, warmup_ms: int = 500) -> tuple[list[str], list[str]]:
    """The table's lines and the problems seen (failed runs, errors, lost records)."""
    sec = SecurityFiles()
    figures = {PLAIN: Figures(), SECURED: Figures()}
    try:
        sec.add_user(USER, PASSWORD, MECHANISM)
        log(f"security: heartbeats, {groups}×{members}, {rounds} rounds:")
        heartbeat_rounds(sec, rounds, (
            "--groups", str(groups), "--members", str(members), "--duration-ms",
            str(duration_ms), "--warmup-ms", str(warmup_ms), *SESSION_FLAGS), figures)
        log(f"security: produce, {records} records of {size} B, {rounds} rounds:")
        produce_rounds(sec, rounds, records, size, figures)
    finally:
        sec.cleanup()
    problems = []
    for label, f in figures.items():
        problems += [f"heartbeats, {label}: {why}" for r in f.heartbeats
                     if (why := heartbeat_problem(r, groups))]
        problems += [f"produce, {label}: {why}" for r in f.produce if (why := produce_problem(r))]
    lines = table(figures, groups, members, records, size)
    lines += ["", f"Median of {rounds} round{'s' if rounds != 1 else ''}, each a run through the plaintext gateway then "
              "one through the secured one (in brackets: the lowest and highest ratio of a "
              "round). Heartbeats: a closed loop over "
              f"{duration_ms / 1000:g} s, each secured member connection opened with a TLS "
              f"handshake and a {MECHANISM} login. Produce: one confluent-kafka producer with "
              "its default batching, PLAINTEXT against SASL_SSL, through a gateway in upstream "
              f"mode in front of librdkafka's mock cluster ({PARTITIONS} partitions, 3 "
              "brokers)."]
    return lines, problems


def print_section(lines: list[str], problems: list[str]) -> int:
    """A benchmark script's output: its section on stdout, its problems on stderr; the exit code
    says whether there were any."""
    print("\n".join(lines))
    for problem in problems:
        print(f"PROBLEM: {problem}", file=sys.stderr)
    return 1 if problems else 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--duration-ms", type=int, default=10000,
                        help="measured heartbeat window of each run")
    parser.add_argument("--groups", type=int, default=100)
    parser.add_argument("--members", type=int, default=10, help="per group")
    parser.add_argument("--records", type=int, default=500000, help="records per produce run")
    parser.add_argument("--size", type=int, default=100, help="bytes per record")
    parser.add_argument("--smoke", action="store_true",
                        help="a few seconds' run (1 round, 2×2 members, 20,000 records) that "
                        "fails unless both gateways serve without errors")
    args = parser.parse_args()
    if args.smoke:
        args.rounds, args.duration_ms, args.groups, args.members, args.records = (
            1, 1000, 2, 2, 20000)
    lines, problems = security_section(args.rounds, args.duration_ms, args.groups,
                                       args.members, args.records, args.size,
                                       warmup_ms=200 if args.smoke else 500)
    return print_section(lines, problems)


if __name__ == "__main__":
    sys.exit(main())
