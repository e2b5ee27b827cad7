#!/usr/bin/env python3
"""groupwire-bench-failover: how long a group is without a coordinator when the coordinator that
owns its partition fails, and when it hands the partition off.

Two coordinators share one PostgreSQL database (a throwaway PostgreSQL 15 server the benchmark
starts), behind a gateway given both (--coordinator A,B), which routes each group's calls to its
partition's owner. A group is formed whose partition the second coordinator owns; its member
then heartbeats every 5 ms, which the gateway answers with a retriable error
(COORDINATOR_NOT_AVAILABLE, NOT_COORDINATOR) while no coordinator serves the partition, or holds
until the new owner answers. Each run measures, with the same member id and generation (the
group is not rebalanced):

    failover   SIGKILL of the owner -> first successful heartbeat (goal: <= lease + 1 s)
    handoff    SIGTERM of the owner -> first successful heartbeat (goal: < 500 ms)

    tests/bench/coordinator_failover.py [--runs 5] [--lease-ms 10000]
"""

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "e2e"))
from gateway_process import GatewayProcess  # noqa: E402
from group_cluster import FAST_GROUPS, CoordinatorProcess, wait_until  # noqa: E402
from kafka_hash import partition_of  # noqa: E402
from postgres_server import PostgresServer  # noqa: E402
from raw_group_client import NONE, RETRIABLE, RawGroupClient  # noqa: E402

PARTITIONS = 10


class Cluster:
    def __init__(self, lease_ms: int):
        self.pg = PostgresServer().start()
        self.conninfo = self.pg.create_database("groupwire")
        self.flags = (*FAST_GROUPS, "--group-partitions", str(PARTITIONS), "--lease-ms",
                      str(lease_ms))
        self.coordinators = [self.start_coordinator(), self.start_coordinator()]
        self.gateway = GatewayProcess("--coordinator",
                                      ",".join(c.address for c in self.coordinators),
                                      topics={"orders": 1}).start()

    def start_coordinator(self, port: int = 0) -> CoordinatorProcess:
        c = CoordinatorProcess(*self.flags, postgres=self.conninfo)
        c.port = port
        return c.start()

    def owner(self, partition: int) -> str | None:
        rows = self.pg.query("groupwire", "SELECT owner FROM groupwire_leases WHERE "
                             f"group_partition = {partition} AND expires_at > clock_timestamp()")
        return rows[0][0] if rows and rows[0][0] else None

    def wait_split(self) -> None:
        def split():
            rows = self.pg.query("groupwire", "SELECT owner, count(*) FROM groupwire_leases "
                                 "WHERE expires_at > clock_timestamp() GROUP BY owner")
            return len(rows) == 2 and all(int(n) == PARTITIONS // 2 for _, n in rows)
        wait_until(split, 60, "the partitions split between the two coordinators")

    def stop(self) -> None:
        for p in [self.gateway, *self.coordinators]:
            p.kill()
        self.pg.stop()


def one_run(cluster: Cluster, run: int, kill: bool) -> float:
    """Seconds from the owner's SIGKILL (or SIGTERM) to the first heartbeat the new owner
    answers."""
    cluster.wait_split()
    group = next(g for g in (f"failover-{run}-{i}" for i in range(10000))
                 if cluster.owner(partition_of(g, PARTITIONS)) == cluster.coordinators[1].address)
    client = RawGroupClient(cluster.gateway.bootstrap, node_id=cluster.gateway.node_id)
    try:
        # Right after the last run, the gateway may still be reconnecting to the restarted one.
        generation, member = client.form_group(group, partitions=1, session_timeout_ms=60000,
                                               retry_for=10)
        version = 1  # the newest HeartbeatRequest kafka-python 2.0 has
        assert client.heartbeat(group, generation, member, version) == NONE
        owner = cluster.coordinators[1]
        started = time.monotonic()
        if kill:
            owner.kill()
        else:
            owner.terminate()
        survivor, partition = cluster.coordinators[0].address, partition_of(group, PARTITIONS)
        while True:
            error = client.heartbeat(group, generation, member, version)
            answered = time.monotonic()
            if error not in RETRIABLE | {NONE}:
                raise AssertionError(f"heartbeat answered {error}: the group was not kept")
            # Heartbeats the old owner answered before it went do not count.
            if error == NONE and cluster.owner(partition) == survivor:
                took = answered - started
                break
            if time.monotonic() - started > 120:
                raise AssertionError("no coordinator took the group over within 120 s")
            time.sleep(0.005)
        if not kill:
            owner.wait_exit(30)
    finally:
        client.close()
    # The failed coordinator comes back on its port (the gateway may ask it for the routing table
    # again) and takes its share back by handoff, for the next run.
    cluster.coordinators[1] = cluster.start_coordinator(owner.port)
    return took


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--lease-ms", type=int, default=10000)
    args = parser.parse_args()
    if args.runs < 1 or args.lease_ms < 1000:
        parser.error("--runs must be positive and --lease-ms at least 1000")
    cluster = Cluster(args.lease_ms)
    try:
        failover = [one_run(cluster, i, kill=True) for i in range(args.runs)]
        handoff = [one_run(cluster, args.runs + i, kill=False) for i in range(args.runs)]
    finally:
        cluster.stop()
    lease_s = args.lease_ms / 1000
    print(f"coordinator failover, 2 coordinators on PostgreSQL, {PARTITIONS} partitions, "
          f"lease {args.lease_ms} ms, {args.runs} runs each (seconds to the first heartbeat "
          "answered by the new owner, same member and generation)")
    for name, values, goal, goal_text in (
            ("failover (SIGKILL)", failover, lease_s + 1, f"<= lease + 1 s = {lease_s + 1:.1f}"),
            ("handoff (SIGTERM)", handoff, 0.5, "< 0.5")):
        median = statistics.median(values)
        print(f"{name:20} median {median:.3f}  min {min(values):.3f}  max {max(values):.3f}  "
              f"goal {goal_text}: {'met' if median <= goal else 'NOT met'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
