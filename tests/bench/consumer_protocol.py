"""The consumer group protocol (KIP-848) against the classic protocol, on Groupwire (gateway in
catalog mode + coordinator), each run on a fresh target; the `consumer` section of
run_benchmarks.py. Every round runs the classic members first and then the same members
speaking ConsumerGroupHeartbeat, so each ratio compares runs minutes apart:

- formation: MEMBERS members of one group join at once over a topic of PARTITIONS partitions:
  time to Stable, then heartbeats in a closed loop (latency, CPU per heartbeat);
- one more member joins a Stable group of SMALL_GROUP members (same topic): partitions that
  changed owner, partitions revoked, and the time from its join until it owns a partition
  (could consume) and until the group is Stable again. Several such groups run side by side,
  each a sample; each late member joins at a random moment within one heartbeat interval after
  the groups are Stable, as a member arriving at any time would, not in step with the others'
  heartbeats.

Classic leaders assign with the range assignor (eager: every member revokes everything it owns
when it rejoins). Both protocols heartbeat at the same interval while the group forms: the
coordinator gives consumer members --consumer-heartbeat-interval-ms, and classic members are
run with --join-heartbeat-ms of the same value (a classic member learns of a rebalance only
through a heartbeat)."""

import statistics
import sys

from group_load_targets import GroupwireTarget, process, run_generator

TOPIC = "kip848"


def measure(target: GroupwireTarget, label: str, *flags: str) -> dict:
    """One generator run against a fresh target; a failure is a figure of the run."""
    try:
        with target:
            report = run_generator(target.bootstrap, *flags, "--label", label, pids=target.pids,
                                   timeout=1800)
    except Exception as e:  # noqa: BLE001 (any failure is a figure of the run)
        report = {"error": str(e).splitlines()[0][:300]}
    report["target"] = label
    print(f"  {label:9} {summary(report)}", file=sys.stderr, flush=True)
    return report


def summary(r: dict) -> str:
    if "error" in r:
        return f"FAILED: {r['error']}"
    late = r.get("late") or {}
    return (f"join {r['join_phase_ms']:.0f} ms, stable {r['stable_groups']}, "
            f"first partition {r['first_partition_ms']}, late {late}, "
            f"{r['heartbeats_per_s']:.0f} hb/s p50 {r['latency_ms']['p50']:.2f} p99 "
            f"{r['latency_ms']['p99']:.2f} ms, errors {r['error_count']} {r['errors']}")


def ok(r: dict) -> bool:
    return "error" not in r and r["error_count"] == 0


def target(partitions: int, interval_ms: int) -> GroupwireTarget:
    return GroupwireTarget(topics={TOPIC: partitions},
                           coordinator_flags=("--consumer-heartbeat-interval-ms",
                                              str(interval_ms)))


def protocol_flags(protocol: str, interval_ms: int) -> tuple[str, ...]:
    if protocol == "classic":
        return ("--protocol", "classic", "--join-heartbeat-ms", str(interval_ms))
    return ("--protocol", "consumer")


def spread(values: list[float], fmt: str = "{:,.0f}") -> str:
    """Median, and (lowest–highest) when there are several."""
    if not values:
        return "–"
    text = fmt.format(statistics.median(values))
    if len(values) > 1:
        text += f" ({fmt.format(min(values))}–{fmt.format(max(values))})"
    return text


def value(r: dict, get) -> float | list[float] | None:
    """get(r) of a clean run (a list: one figure per group), else None."""
    return get(r) if ok(r) else None


def figures(reports: list[dict], get) -> list[float]:
    """get(report) of every clean run that has it, lists flattened."""
    out = []
    for r in reports:
        v = value(r, get)
        if isinstance(v, list):
            out += v
        elif v is not None:
            out.append(v)
    return out


def run_figure(r: dict, get) -> float | None:
    """One figure per run: a list's median."""
    v = value(r, get)
    if isinstance(v, list):
        return statistics.median(v) if v else None
    return v


def ratios(consumer: list[dict], classic: list[dict], get) -> list[float]:
    """consumer / classic of each round (the two runs of one round)."""
    out = []
    for c, k in zip(consumer, classic):
        a, b = run_figure(c, get), run_figure(k, get)
        if a is not None and b:
            out.append(a / b)
    return out


def cpu(name: str, key: str):
    return lambda r: process(r, name)[key]


def per_heartbeat_us(name: str):
    def get(r: dict) -> float | None:
        spent = process(r, name)["cpu_s"]
        return spent * 1e6 / r["heartbeats"] if spent is not None and r["heartbeats"] else None
    return get


def late(key: str, sub: str | None = None):
    def get(r: dict) -> float | None:
        value = r["late"][key] if r.get("late") else None
        return value[sub] if value is not None and sub else value
    return get


def failures(reports: list[dict]) -> str:
    bad = [r for r in reports if not ok(r)]
    if not bad:
        return "0"
    return "; ".join(r.get("error") or str(r["errors"]) for r in bad)


def row(what: str, classic: list[dict], consumer: list[dict], get,
        fmt: str = "{:,.0f}") -> str:
    return (f"| {what} | {spread(figures(classic, get), fmt)} | "
            f"{spread(figures(consumer, get), fmt)} | "
            f"{spread(ratios(consumer, classic, get), '{:.2f}')} |")


def consumer_section(runs: int, members: int, small_group: int, small_groups: int,
                     partitions: int, interval_ms: int, duration_ms: int,
                     results: dict) -> list[str]:
    formation = {"classic": [], "consumer": []}
    joining = {"classic": [], "consumer": []}
    session = ("--session-timeout-ms", "30000", "--rebalance-timeout-ms", "30000")
    for i in range(runs):
        print(f"consumer protocol, round {i + 1} of {runs}: {members} members join:",
              file=sys.stderr, flush=True)
        for protocol in ("classic", "consumer"):
            formation[protocol].append(measure(
                target(partitions, interval_ms), protocol, "--groups", "1", "--members",
                str(members), "--topic", TOPIC, "--duration-ms", str(duration_ms),
                "--warmup-ms", "1000", *session, *protocol_flags(protocol, interval_ms)))
        print(f"consumer protocol, round {i + 1} of {runs}: 1 member joins each of "
              f"{small_groups} groups of {small_group}:",
              file=sys.stderr, flush=True)
        for protocol in ("classic", "consumer"):
            joining[protocol].append(measure(
                target(partitions, interval_ms), protocol, "--groups", str(small_groups),
                "--members", str(small_group), "--late-members", "1", "--late-join-spread-ms",
                str(interval_ms), "--topic", TOPIC, "--duration-ms", "0", "--warmup-ms", "0",
                *session, *protocol_flags(protocol, interval_ms)))
    results["consumer formation"] = formation
    results["consumer late join"] = joining

    k, c = formation["classic"], formation["consumer"]
    out = [f"**{members:,} members join one group over {partitions:,} partitions** (heartbeat "
           f"interval {interval_ms} ms; then {duration_ms / 1000:g} s of heartbeats in a closed "
           "loop)", "",
           "| measure | classic | consumer (KIP-848) | consumer / classic |", "|---|---|---|---|",
           row("time to Stable, ms (from every member's first join)", k, c,
               lambda r: r["join_phase_ms"]),
           row("time to Stable, ms (from the last join sent)", k, c,
               lambda r: (r["time_to_stable_ms"] or {}).get("max")),
           row("every member owns a partition, ms after its join (slowest member)", k, c,
               lambda r: (r["first_partition_ms"] or {}).get("max")),
           row("joins sent (JoinGroup · epoch-0 heartbeats)", k, c,
               lambda r: r["join_requests"]),
           row("partitions revoked while forming", k, c, lambda r: r["revoked_while_joining"]),
           row("coordinator CPU while forming, s", k, c, cpu("coordinator", "join_cpu_s"),
               "{:.2f}"),
           row("gateway CPU while forming, s", k, c, cpu("gateway", "join_cpu_s"), "{:.2f}"),
           row("heartbeats/s, closed loop", k, c, lambda r: r["heartbeats_per_s"]),
           row("heartbeat p50 ms", k, c, lambda r: r["latency_ms"]["p50"], "{:.2f}"),
           row("heartbeat p99 ms", k, c, lambda r: r["latency_ms"]["p99"], "{:.2f}"),
           row("coordinator CPU µs per heartbeat", k, c, per_heartbeat_us("coordinator"),
               "{:.1f}"),
           row("gateway CPU µs per heartbeat", k, c, per_heartbeat_us("gateway"), "{:.1f}"),
           f"| runs with errors | {failures(k)} | {failures(c)} | |"]

    k, c = joining["classic"], joining["consumer"]
    share = partitions / (small_group + 1)
    out += ["", f"**One member joins a Stable group of {small_group} over {partitions:,} "
            f"partitions** (its share: {partitions:,} / {small_group + 1} = {share:.1f}; "
            f"{small_groups} such groups per run, each a sample; the new member joins at a "
            f"random moment within {interval_ms} ms after the groups are Stable)", "",
            "| measure | classic (eager, range) | consumer (KIP-848, uniform) | consumer / classic "
            "|", "|---|---|---|---|",
            row("partitions that changed owner, per group", k, c, late("moved")),
            row("partitions revoked, per group", k, c, late("revoked")),
            row("new member owns a partition, ms after its join (median of the groups)", k, c,
                late("first_partition_ms", "median")),
            row("same, slowest group", k, c, late("first_partition_ms", "max")),
            row("group Stable again, ms after the join (median of the groups)", k, c,
                late("time_to_stable_ms", "median")),
            row("same, slowest group", k, c, late("time_to_stable_ms", "max")),
            row("coordinator CPU meanwhile, s", k, c, cpu("coordinator", "late_cpu_s"),
                "{:.3f}"),
            f"| runs with errors | {failures(k)} | {failures(c)} | |"]
    out += ["", f"Median of {runs} rounds (lowest–highest in brackets; per-group figures: of "
            "every group of every round); a round runs the classic members, then the consumer "
            "members, each against a fresh gateway and coordinator. The ratio column is the "
            "median of the rounds' ratios (per-group figures: of each run's median)."]
    return out
