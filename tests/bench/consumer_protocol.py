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

When librdkafka 2.15.1's mock cluster can be had (build_mock_215.sh), each round runs the consumer
members against it too, as a third column: a peer for timing and the happy path only. It serves
ConsumerGroupHeartbeat v1 with a plain range assignment and no ConsumerGroupDescribe, so its
groups are Stable as the members' answers show it, unchecked; there is no gateway in front of it.

Classic leaders assign with the range assignor (eager: every member revokes everything it owns
when it rejoins). Both protocols heartbeat at the same interval while the group forms: the
coordinator gives consumer members --consumer-heartbeat-interval-ms, and classic members are
run with --join-heartbeat-ms of the same value (a classic member learns of a rebalance only
through a heartbeat)."""

import statistics
import sys

from group_load_targets import GroupwireTarget, Mock215Target, mock_215_binary, run_generator

TOPIC = "kip848"
PEER = "mock"  # the column of librdkafka 2.15.1's mock


def measure(target: GroupwireTarget | Mock215Target, label: str, *flags: str) -> dict:
    """One generator run against a fresh target; a failure is a figure of the run."""
    try:
        with target:
            report = run_generator(target.bootstrap, *target.generator_flags, *flags, "--label",
                                   label, pids=target.pids, timeout=1800)
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


def target(column: str, partitions: int, interval_ms: int,
           mock: str | None) -> GroupwireTarget | Mock215Target:
    if column == PEER:
        return Mock215Target(mock, {TOPIC: partitions}, interval_ms)
    return GroupwireTarget(topics={TOPIC: partitions},
                           coordinator_flags=("--consumer-heartbeat-interval-ms",
                                              str(interval_ms)))


def protocol_flags(column: str, interval_ms: int) -> tuple[str, ...]:
    if column == "classic":
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


def watched(r: dict, names: tuple[str, ...], key: str) -> float | None:
    """The sum of `key` over the watched processes `names` the run has (None: it has none)."""
    values = [p[key] for p in r["processes"] if p["name"] in names]
    return None if not values or None in values else sum(values)


def cpu(key: str, *names: str):
    return lambda r: watched(r, names, key)


def per_heartbeat_us(*names: str):
    def get(r: dict) -> float | None:
        spent = watched(r, names, "cpu_s")
        return spent * 1e6 / r["heartbeats"] if spent is not None and r["heartbeats"] else None
    return get


SERVER = ("gateway", "coordinator", "mock")  # every process that serves the members


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


def header(runs: dict[str, list[dict]], names: dict[str, str]) -> list[str]:
    """The table's head: a column per target, then consumer / classic and, with the peer,
    Groupwire's consumer / the mock's."""
    cols = [names[c] for c in runs] + ["consumer / classic"]
    if PEER in runs:
        cols.append("Groupwire / mock (consumer)")
    return ["| measure | " + " | ".join(cols) + " |", "|---" * (len(cols) + 1) + "|"]


def row(what: str, runs: dict[str, list[dict]], get, fmt: str = "{:,.0f}",
        peer: bool = True) -> str:
    """peer=False: the figure means something else on the mock (left blank)."""
    cells = [spread(figures(reports, get), fmt) if c != PEER or peer else "–"
             for c, reports in runs.items()]
    cells.append(spread(ratios(runs["consumer"], runs["classic"], get), "{:.2f}"))
    if PEER in runs:
        cells.append(spread(ratios(runs["consumer"], runs[PEER], get), "{:.2f}") if peer else "–")
    return f"| {what} | " + " | ".join(cells) + " |"


def failures_row(runs: dict[str, list[dict]]) -> str:
    return ("| runs with errors | " + " | ".join(failures(r) for r in runs.values()) + " |"
            + " |" * (2 if PEER in runs else 1))


def peer() -> tuple[str | None, str]:
    """The mock's binary, or None and why the column is left out (printed, not a failure)."""
    binary, why = mock_215_binary()
    if binary is None:
        print(f"consumer protocol: no mock 2.15.1 column: {why}", file=sys.stderr, flush=True)
    return binary, why


def consumer_section(runs: int, members: int, small_group: int, small_groups: int,
                     partitions: int, interval_ms: int, duration_ms: int,
                     results: dict) -> list[str]:
    mock, why_not = peer()
    columns = ["classic", "consumer"] + ([PEER] if mock else [])
    formation: dict[str, list[dict]] = {c: [] for c in columns}
    joining: dict[str, list[dict]] = {c: [] for c in columns}
    session = ("--session-timeout-ms", "30000", "--rebalance-timeout-ms", "30000")
    for i in range(runs):
        print(f"consumer protocol, round {i + 1} of {runs}: {members} members join:",
              file=sys.stderr, flush=True)
        for column in columns:
            formation[column].append(measure(
                target(column, partitions, interval_ms, mock), column, "--groups", "1",
                "--members", str(members), "--topic", TOPIC, "--duration-ms", str(duration_ms),
                "--warmup-ms", "1000", *session, *protocol_flags(column, interval_ms)))
        print(f"consumer protocol, round {i + 1} of {runs}: 1 member joins each of "
              f"{small_groups} groups of {small_group}:",
              file=sys.stderr, flush=True)
        for column in columns:
            joining[column].append(measure(
                target(column, partitions, interval_ms, mock), column, "--groups",
                str(small_groups), "--members", str(small_group), "--late-members", "1",
                "--late-join-spread-ms", str(interval_ms), "--topic", TOPIC, "--duration-ms", "0",
                "--warmup-ms", "0", *session, *protocol_flags(column, interval_ms)))
    results["consumer formation"] = formation
    results["consumer late join"] = joining

    names = {"classic": "classic", "consumer": "consumer (KIP-848)",
             PEER: "mock 2.15.1 (consumer, range)"}
    r = formation
    out = [f"**{members:,} members join one group over {partitions:,} partitions** (heartbeat "
           f"interval {interval_ms} ms; then {duration_ms / 1000:g} s of heartbeats in a closed "
           "loop)", "", *header(r, names),
           row("time to Stable, ms (from every member's first join)", r,
               lambda x: x["join_phase_ms"]),
           # The mock answers a member epoch 0 until its partitions are free: the epoch-0
           # heartbeats it sends meanwhile count as joins, the last of them just before Stable.
           row("time to Stable, ms (from the last join sent)", r,
               lambda x: (x["time_to_stable_ms"] or {}).get("max"), peer=False),
           row("every member owns a partition, ms after its join (slowest member)", r,
               lambda x: (x["first_partition_ms"] or {}).get("max")),
           row("joins sent (JoinGroup · epoch-0 heartbeats)", r, lambda x: x["join_requests"]),
           row("partitions revoked while forming", r, lambda x: x["revoked_while_joining"]),
           row("coordinator CPU while forming, s", r, cpu("join_cpu_s", "coordinator"),
               "{:.2f}"),
           row("gateway CPU while forming, s", r, cpu("join_cpu_s", "gateway"), "{:.2f}"),
           row("server CPU while forming, s (gateway + coordinator; the mock's process)", r,
               cpu("join_cpu_s", *SERVER), "{:.2f}"),
           row("heartbeats/s, closed loop", r, lambda x: x["heartbeats_per_s"]),
           row("heartbeat p50 ms", r, lambda x: x["latency_ms"]["p50"], "{:.2f}"),
           row("heartbeat p99 ms", r, lambda x: x["latency_ms"]["p99"], "{:.2f}"),
           row("coordinator CPU µs per heartbeat", r, per_heartbeat_us("coordinator"), "{:.1f}"),
           row("gateway CPU µs per heartbeat", r, per_heartbeat_us("gateway"), "{:.1f}"),
           row("server CPU µs per heartbeat (gateway + coordinator; the mock's process)", r,
               per_heartbeat_us(*SERVER), "{:.1f}"),
           failures_row(r)]

    r = joining
    share = partitions / (small_group + 1)
    names = {"classic": "classic (eager, range)", "consumer": "consumer (KIP-848, uniform)",
             PEER: "mock 2.15.1 (consumer, range)"}
    out += ["", f"**One member joins a Stable group of {small_group} over {partitions:,} "
            f"partitions** (its share: {partitions:,} / {small_group + 1} = {share:.1f}; "
            f"{small_groups} such groups per run, each a sample; the new member joins at a "
            f"random moment within {interval_ms} ms after the groups are Stable)", "",
            *header(r, names),
            row("partitions that changed owner, per group", r, late("moved")),
            row("partitions revoked, per group", r, late("revoked")),
            row("new member owns a partition, ms after its join (median of the groups)", r,
                late("first_partition_ms", "median")),
            row("same, slowest group", r, late("first_partition_ms", "max")),
            row("group Stable again, ms after the join (median of the groups)", r,
                late("time_to_stable_ms", "median")),
            row("same, slowest group", r, late("time_to_stable_ms", "max")),
            row("coordinator CPU meanwhile, s", r, cpu("late_cpu_s", "coordinator"), "{:.3f}"),
            row("server CPU meanwhile, s (gateway + coordinator; the mock's process)", r,
                cpu("late_cpu_s", *SERVER), "{:.3f}"),
            failures_row(r)]
    against = ("the classic members, then the consumer members, each against a fresh gateway "
               "and coordinator")
    if mock:
        against += (", then the consumer members against a fresh mock 2.15.1 (librdkafka's mock "
                    "cluster, one broker, no gateway; it serves no ConsumerGroupDescribe, so its "
                    "Stable is as the members' answers show it, unchecked)")
    out += ["", f"Median of {runs} rounds (lowest–highest in brackets; per-group figures: of "
            f"every group of every round); a round runs {against}. The ratio columns are the "
            "medians of the rounds' ratios (per-group figures: of each run's median)."]
    if not mock:
        out += ["", f"No mock 2.15.1 column: {why_not}."]
    return out
