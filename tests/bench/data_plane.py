#!/usr/bin/env python3
"""The data plane: Produce and Fetch through a gateway in upstream mode against the same straight
to the upstream, in one run. librdkafka's mock cluster (groupwire-dev-upstream, 3 brokers) holds
the records and a gateway stands in front of it; kcat (a C librdkafka client with its defaults)
produces a fixed volume from a file, then consumes it from the beginning to the end, once
straight to the mock and once through the gateway, in rounds (direct, gateway, direct, ...) so
that drift of a noisy machine hits both alike. Every run starts a fresh cluster: the mock keeps
its records in memory.

Figures: MB/s of record values produced and fetched, the gateway's and the mock's CPU per MB,
and the round trip of single-record Produce requests (produce_latency.py, acks=1). Prints a
Markdown table with the ratios gateway / direct; exits 1 when a run failed or lost records.
run_benchmarks.py runs it as its "data" section; alone:

    GROUPWIRE_GATEWAY=... GROUPWIRE_COORDINATOR=... GROUPWIRE_DEV_UPSTREAM=...
    /usr/bin/python3 data_plane.py [--smoke] [--volume 2000000x100 ...]
"""

import argparse
import json
import math
import subprocess
import sys
import tempfile
import time
import zlib
from dataclasses import dataclass, field
from pathlib import Path

from security_overhead import cpu_seconds, log, median_of, print_section, ratio_spread

_HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(_HERE.parents[0] / "e2e"))

from upstream_cluster import UpstreamCluster  # noqa: E402

DIRECT, GATEWAY = "direct", "through the gateway"
TOPIC, LATENCY_TOPIC = "bench", "latency"
KIB = 1024
DEFAULT_VOLUMES = ("2000000x100", f"20000x{100 * KIB}")
# librdkafka's batch.size: records are written in blocks of about a batch per partition.
BATCH_BYTES = 1_000_000
# The mock drops a partition's oldest batches beyond 5 MiB: each partition gets at most this
# much, so that every record produced can be fetched.
PARTITION_BYTES = 3 * KIB * KIB
# A record's bytes besides its value in a batch, and its key (a few digits) in the file.
RECORD_OVERHEAD = 20
# From offset 0, as a fresh cluster's partitions keep every record: from "beginning" the consumer
# first asks each partition's offset, and librdkafka 2.0.2 retries a question asked before the
# partition's broker is up only 500 ms later. The mock cannot cut a Fetch's wait short when
# records arrive, and parks every empty one for fetch.wait.max.ms (500 ms by default): the last
# Fetch of a run, which finds the end, would add that to each run.
FETCH_FLAGS = ("-o", "0", "-X", "fetch.wait.max.ms=10")
TIMEOUT_S = 1800


@dataclass(frozen=True)
class Volume:
    records: int
    size: int  # bytes of each record's value

    @property
    def value_bytes(self) -> int:
        return self.records * self.size

    @property
    def label(self) -> str:
        size = f"{self.size // KIB} KiB" if self.size % KIB == 0 else f"{self.size} B"
        return f"{self.records:,} × {size}"

    @property
    def block(self) -> int:
        """Records in a row to the same partition."""
        return max(1, BATCH_BYTES // (self.size + RECORD_OVERHEAD))

    @property
    def partitions(self) -> int:
        blocks = math.ceil(self.records / self.block)
        per_partition = max(1, PARTITION_BYTES // (self.block * (self.size + RECORD_OVERHEAD)))
        return math.ceil(blocks / per_partition)


def volume(text: str) -> Volume:
    """RECORDSxBYTES, e.g. 2000000x100."""
    records, sep, size = text.partition("x")
    try:
        v = Volume(int(records), int(size))
    except ValueError:
        v = None
    if not sep or v is None or v.records < 1 or v.size < 1:
        raise argparse.ArgumentTypeError(f"{text!r} is not RECORDSxBYTES")
    return v


def write_records(v: Volume, path: Path) -> None:
    """kcat's input (-K '\\t' -l): KEY<tab>VALUE lines, a block of records per key, the keys
    taking the partitions in turn. librdkafka's partitioner sends a key to partition
    crc32(key) % partitions, so each key is picked for its partition."""
    keys: dict[int, bytes] = {}
    n = 0
    while len(keys) < v.partitions:
        key = str(n).encode()
        keys.setdefault(zlib.crc32(key) % v.partitions, key)
        n += 1
    value = b"x" * v.size
    with open(path, "wb") as f:
        for b, first in enumerate(range(0, v.records, v.block)):
            f.write((keys[b % v.partitions] + b"\t" + value + b"\n")
                    * min(v.block, v.records - first))


def timed(argv: list[str], pids: dict[str, int]) -> dict:
    """Runs a client to its end: wall seconds, the CPU seconds each of `pids` spent meanwhile,
    and its stdout; "error" if it failed."""
    before = {name: cpu_seconds(pid) for name, pid in pids.items()}
    start = time.monotonic()
    done = subprocess.run(argv, capture_output=True, text=True, timeout=TIMEOUT_S)
    seconds = time.monotonic() - start
    run = {"seconds": seconds,
           "cpu_s": {name: cpu_seconds(pid) - before[name] for name, pid in pids.items()}}
    if done.returncode != 0:
        run["error"] = (done.stderr.strip().splitlines() or ["no output"])[-1][:300]
    run["stdout"] = done.stdout
    return run


def transfer(route: str, v: Volume, records: Path) -> dict:
    """One run: a fresh cluster, the volume produced, then fetched, by `route`."""
    cluster = UpstreamCluster(topics={TOPIC: v.partitions})
    cluster.upstream.argv += ["--log-level", "warn"]
    try:
        with cluster:
            bootstrap = cluster.upstream.bootstrap if route == DIRECT else cluster.bootstrap
            pids = {"gateway": cluster.gateway.proc.pid, "upstream": cluster.upstream.proc.pid}
            produce = timed(["kcat", "-P", "-b", bootstrap, "-t", TOPIC, "-K", "\t", "-l",
                             str(records)], pids)
            # One line per record: its value's size.
            fetch = timed(["kcat", "-C", "-b", bootstrap, "-t", TOPIC, "-e", "-q", "-f", "%S\n",
                           *FETCH_FLAGS], pids)
            problem = cluster.problem()
    except Exception as e:  # noqa: BLE001 (a failed run is a figure of the run)
        return {"error": str(e).splitlines()[0][:300]}
    sizes = [int(s) for s in fetch.pop("stdout").split()]
    produce.pop("stdout")
    run = {"produce": produce, "fetch": fetch, "fetched_records": len(sizes),
           "fetched_bytes": sum(sizes)}
    for what, r in (("produce", produce), ("fetch", fetch)):
        if "error" in r:
            run["error"] = f"{what}: {r['error']}"
    if problem:
        run["error"] = problem
    return run


def transfer_problem(r: dict, v: Volume) -> str | None:
    if "error" in r:
        return r["error"]
    if (r["fetched_records"], r["fetched_bytes"]) != (v.records, v.value_bytes):
        return (f"{r['fetched_records']:,} records ({r['fetched_bytes']:,} B) fetched of "
                f"{v.records:,} ({v.value_bytes:,} B) produced")
    return None


def measure_latency(bootstrap: str, requests: int) -> dict:
    argv = [sys.executable, str(_HERE / "produce_latency.py"), "--bootstrap", bootstrap,
            "--topic", LATENCY_TOPIC, "--requests", str(requests)]
    done = subprocess.run(argv, capture_output=True, text=True, timeout=TIMEOUT_S)
    if done.returncode != 0:
        return {"error": (done.stderr.strip().splitlines() or ["no output"])[-1][:300]}
    report = json.loads(done.stdout)
    if report["failed"]:
        report["error"] = f"{report['failed']} of {report['samples']} records not delivered"
    return report


@dataclass
class Runs:
    """Every round's runs of one route."""
    transfers: dict[Volume, list[dict]] = field(default_factory=dict)
    latency: list[dict] = field(default_factory=list)


def transfer_rounds(rounds: int, volumes: list[Volume], figures: dict[str, Runs]) -> None:
    with tempfile.TemporaryDirectory(prefix="groupwire-data-plane-") as tmp:
        for v in volumes:
            records = Path(tmp) / "records"
            write_records(v, records)
            log(f"data plane: {v.label}, {v.partitions} partitions, {rounds} rounds:")
            for n in range(rounds):
                for route, f in figures.items():
                    r = transfer(route, v, records)
                    f.transfers.setdefault(v, []).append(r)
                    log(f"  round {n + 1}, {route}: " + (transfer_problem(r, v) or (
                        f"produce {mb_per_s(r, 'produce', v):.1f} MB/s, fetch "
                        f"{mb_per_s(r, 'fetch', v):.1f} MB/s, {r['fetched_records']:,} records "
                        f"fetched")))


def latency_rounds(rounds: int, requests: int, figures: dict[str, Runs]) -> None:
    log(f"data plane: produce latency, {requests} single-record requests, {rounds} rounds:")
    cluster = UpstreamCluster(topics={LATENCY_TOPIC: 1})
    cluster.upstream.argv += ["--log-level", "warn"]
    with cluster:
        for n in range(rounds):
            for route, f in figures.items():
                bootstrap = cluster.upstream.bootstrap if route == DIRECT else cluster.bootstrap
                r = measure_latency(bootstrap, requests)
                f.latency.append(r)
                log(f"  round {n + 1}, {route}: " + (r.get("error") or (
                    f"p50 {r['p50_ms']:.3f} ms, p99 {r['p99_ms']:.3f} ms")))


# -- figures ------------------------------------------------------------------------------------

def mb_per_s(r: dict, what: str, v: Volume) -> float | None:
    if "error" in r or r[what]["seconds"] <= 0:
        return None
    return v.value_bytes / r[what]["seconds"] / 1e6


def cpu_ms_per_mb(r: dict, what: str, name: str, v: Volume) -> float | None:
    return None if "error" in r else r[what]["cpu_s"][name] * 1e3 / (v.value_bytes / 1e6)


def latency_ms(p: str):
    return lambda r: None if "error" in r else r[f"{p}_ms"]


def cell(value: float | None, fmt: str) -> str:
    return "–" if value is None else fmt.format(value)


def table(figures: dict[str, Runs], volumes: list[Volume]) -> tuple[list[str], dict]:
    """The table's lines, and per volume the median ratios gateway / direct of produce and
    fetch MB/s (for the targets)."""
    d, g = figures[DIRECT], figures[GATEWAY]
    out = [f"| measure | {DIRECT} | {GATEWAY} | gateway / direct |", "|---|---|---|---|"]
    ratios = {}
    for v in volumes:
        ratios[v.label] = {}
        for what, verb in (("produce", "produce"), ("fetch", "fetch")):
            def figure(r: dict, what=what) -> float | None:
                return mb_per_s(r, what, v)
            a, b = (median_of(f.transfers[v], figure) for f in (d, g))
            ratio = b / a if a and b is not None else None
            ratios[v.label][what] = ratio
            out.append(f"| {verb} MB/s, {v.label} | {cell(a, '{:.1f}')} | {cell(b, '{:.1f}')} | "
                       f"{cell(ratio, '{:.2f}')}"
                       f"{ratio_spread(d.transfers[v], g.transfers[v], figure)} |")
        for name in ("gateway", "upstream"):
            cells = []
            for f in (d, g):
                each = [median_of(f.transfers[v], lambda r, w=w: cpu_ms_per_mb(r, w, name, v))
                        for w in ("produce", "fetch")]
                cells.append(" · ".join(cell(x, "{:.1f}") for x in each))
            if name == "gateway":
                cells[0] = "–"
            out.append(f"| {name} CPU ms per MB produced · fetched, {v.label} | {cells[0]} | "
                       f"{cells[1]} | |")
    for p in ("p50", "p99"):
        a, b = (median_of(f.latency, latency_ms(p)) for f in (d, g))
        added = f" ({(b - a) * 1e3:+.0f} µs)" if a is not None and b is not None else ""
        out.append(f"| produce round trip {p} ms, 1 record of 100 B, acks=1 | "
                   f"{cell(a, '{:.3f}')} | {cell(b, '{:.3f}')} | "
                   f"{cell(b / a if a and b is not None else None, '{:.2f}')}{added} |")
    return out, ratios


def data_plane_section(rounds: int, volumes: list[Volume], latency_requests: int,
                       results: dict) -> tuple[list[str], list[str]]:
    """The table's lines and the problems seen (failed runs, lost records). Stores the runs
    and the ratios in results["data plane"]."""
    figures = {DIRECT: Runs(), GATEWAY: Runs()}
    transfer_rounds(rounds, volumes, figures)
    latency_rounds(rounds, latency_requests, figures)
    problems = []
    for route, f in figures.items():
        problems += [f"{v.label}, {route}: {why}" for v, runs in f.transfers.items() for r in runs
                     if (why := transfer_problem(r, v))]
        problems += [f"produce latency, {route}: {r['error']}" for r in f.latency if "error" in r]
    lines, ratios = table(figures, volumes)
    results["data plane"] = {
        "ratios": ratios,
        "runs": {route: {"transfers": {v.label: runs for v, runs in f.transfers.items()},
                        "latency": f.latency} for route, f in figures.items()}}
    lines += ["", f"Median of {rounds} round{'s' if rounds != 1 else ''}, each a run straight to "
              "the upstream then one through the gateway (in brackets: the lowest and highest "
              "ratio of a round), each run a fresh librdkafka mock cluster (3 brokers) with a "
              "gateway in upstream mode in front. kcat (librdkafka, its defaults: acks=all, "
              "linger.ms=5) produces the records from a file, keyed in blocks of a batch over "
              "as many partitions as the mock keeps them all in, then consumes them from the "
              "first offset to the end; MB/s of record values, wall time of each kcat process. "
              "Round trip: a confluent-kafka producer awaiting each record's delivery "
              f"({latency_requests:,} per run)."]
    return lines, problems


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--volume", type=volume, action="append",
                        help="RECORDSxBYTES produced and fetched per run (repeatable; default "
                        + " and ".join(DEFAULT_VOLUMES) + ")")
    parser.add_argument("--latency-requests", type=int, default=2000,
                        help="single-record Produce requests per latency run")
    parser.add_argument("--smoke", action="store_true",
                        help="a few seconds' run (1 round, 20,000 × 100 B and 200 × 100 KiB, "
                        "200 round trips) that fails unless every record comes back")
    args = parser.parse_args()
    volumes = args.volume or [volume(t) for t in DEFAULT_VOLUMES]
    if args.smoke:
        args.rounds, args.latency_requests = 1, 200
        volumes = [Volume(20000, 100), Volume(200, 100 * KIB)]
    lines, problems = data_plane_section(args.rounds, volumes, args.latency_requests, {})
    return print_section(lines, problems)


if __name__ == "__main__":
    sys.exit(main())
