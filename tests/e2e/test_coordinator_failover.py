"""Coordinators on one PostgreSQL (a real server the test starts) behind two gateways, with real
consumers: librdkafka (confluent-kafka) and kafka-python, one group each, each group with a
member on each gateway, committing in a loop. Gateways are given every coordinator's address
(--coordinator A,B,C) and route each group's calls to its partition's owner.

    - kill -9 of the coordinator that owns both groups' partitions: another serves them within
      the lease plus a little; no member rejoins (same generation and member id, no new
      assignment); no member sees UNKNOWN_MEMBER_ID, ILLEGAL_GENERATION or
      REBALANCE_IN_PROGRESS; every acknowledged offset is in the database; both keep committing.
    - Scale 1 -> 3 coordinators, a rolling restart of all three (SIGTERM, start again on the
      same port), then scale down to 2: the partitions end evenly spread each time, no member
      rejoins, and the commits carry on.

Who owns what is read from the database (groupwire_leases).

Run with Debian's interpreter (python3-kafka, python3-confluent-kafka):
    /usr/bin/python3 -m unittest -v test_coordinator_failover.py
"""

import sys
import time
import unittest
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from consumer_agent import ConsumerAgent, split_of  # noqa: E402
from gateway_process import GatewayProcess  # noqa: E402
from group_cluster import CoordinatorProcess, wait_until  # noqa: E402
from kafka_hash import partition_of  # noqa: E402
from postgres_cluster import FLAGS, LEASE_MS, PARTITIONS, PostgresClusterTest  # noqa: E402
from test_coordinator_crash import Committer, postgres_offsets  # noqa: E402

TOPIC, TOPIC_PARTITIONS = "orders", 4
LIBS = ("confluent", "kafka-python")
CONFIG = {
    "confluent": {"session.timeout.ms": 10000, "heartbeat.interval.ms": 500},
    "kafka-python": {"session_timeout_ms": 10000, "heartbeat_interval_ms": 500},
}
# What a failover must never make a member see: it would mean the group rebalanced or lost it.
FATAL = ("UNKNOWN_MEMBER_ID", "ILLEGAL_GENERATION", "REBALANCE_IN_PROGRESS", "UnknownMemberId",
         "IllegalGeneration", "RebalanceInProgress")
ACKS = 3
DEADLINE = 60.0


class CoordinatorFailoverTest(PostgresClusterTest):
    def setUp(self):
        super().setUp()
        self.gateways: list[GatewayProcess] = []
        self.agents: dict[str, list[ConsumerAgent]] = {}

    # -- the cluster ---------------------------------------------------------------------------

    def shares(self) -> dict[str, int]:
        out: dict[str, int] = {}
        for owner, _ in self.leases().values():
            if owner:
                out[owner] = out.get(owner, 0) + 1
        return out

    def wait_for_even_spread(self, live: list[CoordinatorProcess], what: str) -> None:
        n = len(live)
        fair = sorted([PARTITIONS // n + (1 if i < PARTITIONS % n else 0) for i in range(n)])

        def even() -> bool:
            shares = self.shares()
            return (set(shares) == {c.address for c in live}
                    and sorted(shares.values()) == fair)
        try:
            wait_until(even, 30, what, watchdog=self.problem)
        except AssertionError as err:
            self.fail(f"{err}: {self.shares()}\n{self.diagnostics()}")

    def start_gateways(self) -> None:
        seeds = ",".join(c.address for c in self.coordinators)
        for _ in range(2):
            g = GatewayProcess("--coordinator", seeds, topics={TOPIC: TOPIC_PARTITIONS}).start()
            self.addCleanup(g.stop)
            self.gateways.append(g)

    # -- the consumers -------------------------------------------------------------------------

    def start_groups(self, groups: dict[str, str]) -> dict[str, list[Committer]]:
        """For each lib, its group with one member on each gateway, split and committing."""
        committers = {}
        for lib in LIBS:
            members = []
            for i, gateway in enumerate(self.gateways):
                agent = ConsumerAgent(lib, gateway.bootstrap, groups[lib], [TOPIC], CONFIG[lib],
                                      f"{lib}-{i}", watchdog=self.problem)
                self.addCleanup(agent.kill)
                members.append(agent)
            self.agents[lib] = members
            every = {(TOPIC, p) for p in range(TOPIC_PARTITIONS)}
            wait_until(lambda: split_of(members, every), DEADLINE, f"{lib}: the split",
                       watchdog=self.problem)
            committers[lib] = [Committer(a) for a in members]
        return committers

    def members(self) -> dict[str, tuple[int, str]]:
        """Each member's (generation, member id) as the client holds them."""
        out = {}
        for agents in self.agents.values():
            for a in agents:
                m = a.member()
                out[a.name] = (m["generation"], m["member_id"])
        return out

    def assignment_events(self) -> int:
        return sum(len(a.events_of("assignment")) for agents in self.agents.values()
                   for a in agents)

    def wait_for_acks(self, committers: dict[str, list[Committer]], what: str) -> None:
        marks = {id(c): c.ack_count() for cs in committers.values() for c in cs}
        every = [c for cs in committers.values() for c in cs]
        try:
            wait_until(lambda: all(c.ack_count() >= marks[id(c)] + ACKS for c in every),
                       DEADLINE, f"{ACKS} acknowledged commits per member {what}",
                       watchdog=lambda: next(filter(None, (c.problem() for c in every)),
                                             None) or self.problem())
        except AssertionError as err:
            self.fail(f"{err}\n{self.diagnostics()}")

    def assert_no_rebalance(self, before: dict[str, tuple[int, str]], assignments: int,
                            committers: dict[str, list[Committer]], what: str) -> None:
        self.assertEqual(self.members(), before, f"{what}: members rejoined\n{self.diagnostics()}")
        self.assertEqual(self.assignment_events(), assignments,
                         f"{what}: a member was assigned again\n{self.diagnostics()}")
        for agents in self.agents.values():
            for a in agents:
                fatal = [line for line in a.stderr_lines() if any(f in line for f in FATAL)]
                self.assertEqual(fatal, [], f"{what}: {a.name}\n{self.diagnostics()}")
        for cs in committers.values():
            for c in cs:
                fatal = [f for f in c.failures if any(name in f for name in FATAL)]
                self.assertEqual(fatal, [], f"{what}: {c.agent.name}")

    def assert_acks_stored(self, committers: dict[str, list[Committer]],
                           groups: dict[str, str]) -> None:
        acked = {(lib, c.agent.name): c.stop() for lib, cs in committers.items() for c in cs}
        stored = postgres_offsets(self.pg, "groupwire")()
        for (lib, name), offsets in acked.items():
            for (topic, partition), value in offsets.items():
                got = stored.get((groups[lib], topic, partition), -1)
                self.assertGreaterEqual(got, value, f"{name} {topic}-{partition}: "
                                        f"acknowledged {value}, stored {got}")

    def problem(self) -> str | None:
        for p in [*self.gateways, *(a for agents in self.agents.values() for a in agents)]:
            if p.proc is not None and p.proc.poll() is not None:
                return f"{p.name} exited with {p.proc.returncode}"
        return None

    def diagnostics(self) -> str:
        return (f"leases: {self.leases()}\n"
                + "\n".join(a.describe() for agents in self.agents.values() for a in agents)
                + "\n" + "\n".join("\n".join(p.log_lines())
                                   for p in [*self.coordinators, *self.gateways]))

    # -- the tests -----------------------------------------------------------------------------

    def test_after_kill_9_of_the_owner_another_serves_its_groups_without_a_rebalance(self):
        for _ in range(3):
            self.start_coordinator()
        self.wait_for_even_spread(self.coordinators, "3 coordinators sharing the partitions")
        self.start_gateways()
        victim = self.coordinators[0]
        theirs = {p for p, (owner, _) in self.leases().items() if owner == victim.address}
        names = (f"failover-{i}" for i in range(10000))
        groups = {lib: next(g for g in names if partition_of(g, PARTITIONS) in theirs)
                  for lib in LIBS}
        committers = self.start_groups(groups)
        self.wait_for_acks(committers, "before the kill")
        before, assignments = self.members(), self.assignment_events()
        epochs = {p: e for p, (_, e) in self.leases().items()}

        killed = time.monotonic()
        victim.kill()
        survivors = [c.address for c in self.coordinators[1:]]
        wait_until(lambda: all(self.leases()[p][0] in survivors for p in theirs), 30,
                   "the survivors to take the killed coordinator's partitions")
        took = time.monotonic() - killed
        # Lease expiry, then a renewal period or two, on a loaded machine.
        self.assertLess(took, LEASE_MS / 1000 + 2.0, self.diagnostics())
        for p in theirs:
            self.assertGreater(self.leases()[p][1], epochs[p], f"partition {p}: a new epoch")
        self.wait_for_acks(committers, "after the kill")
        self.assert_no_rebalance(before, assignments, committers, "after kill -9")
        self.assert_acks_stored(committers, groups)

    def test_scale_out_rolling_restart_and_scale_in_without_a_rebalance(self):
        first = self.start_coordinator()
        self.wait_for_even_spread([first], "one coordinator owning every partition")
        # Every coordinator's address from the start, as a headless service would resolve
        # once they run: the two not started yet are refused until they are.
        spare = [CoordinatorProcess(*FLAGS, postgres=self.conninfo) for _ in range(2)]
        for c in spare:
            self.addCleanup(c.kill)
        self.coordinators += spare
        for c in spare:
            c.start()
            c.stop(timeout=15)  # to learn its port, kept by later starts
        self.start_gateways()
        groups = {lib: f"rolling-{lib}" for lib in LIBS}
        committers = self.start_groups(groups)
        self.wait_for_acks(committers, "with one coordinator")
        before, assignments = self.members(), self.assignment_events()

        for c in spare:
            c.start()
        self.wait_for_even_spread(self.coordinators, "scaled out to 3")
        self.wait_for_acks(committers, "after scaling out")
        self.assert_no_rebalance(before, assignments, committers, "scale out")

        for c in self.coordinators:
            self.assertEqual(c.stop(timeout=15), 0, self.diagnostics())
            c.start()
            self.wait_for_even_spread(self.coordinators, f"{c.address} back after its restart")
            self.wait_for_acks(committers, f"after restarting {c.address}")
        self.assert_no_rebalance(before, assignments, committers, "rolling restart")

        self.assertEqual(self.coordinators[2].stop(timeout=15), 0, self.diagnostics())
        self.wait_for_even_spread(self.coordinators[:2], "scaled in to 2")
        self.wait_for_acks(committers, "after scaling in")
        self.assert_no_rebalance(before, assignments, committers, "scale in")
        self.assert_acks_stored(committers, groups)


if __name__ == "__main__":
    unittest.main()
