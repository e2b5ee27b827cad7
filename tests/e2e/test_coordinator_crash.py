"""Nothing acknowledged is lost when the coordinator crashes, on either store: SQLite (the
embedded default) and PostgreSQL (a real server the test starts).

Real consumers, librdkafka (confluent-kafka) and kafka-python, each in its own group, commit
synchronously in a loop through the gateway while the coordinator is SIGKILLed and restarted
several times (on the same port and database). A commit counts as acknowledged when the client
library returned it without error.

    - At each kill, with the coordinator dead and before anything else can write, its database
      holds, for every partition, at least the last value acknowledged before the kill. (Read
      straight from the file or the server: once the coordinator is back the clients' ever
      larger commits would hide a lost one.)
    - After the last restart a fresh admin client reads every group's offsets through the
      gateway: at least every acknowledged value. Both consumers, never restarted, are still
      committing after each restart.

Run with Debian's interpreter (python3-kafka, python3-confluent-kafka):
    /usr/bin/python3 -m unittest -v test_coordinator_crash.py
"""

import sqlite3
from contextlib import closing
import sys
import threading
import unittest
from pathlib import Path
from typing import Callable

sys.path.insert(0, str(Path(__file__).resolve().parent))
from consumer_agent import ConsumerAgent  # noqa: E402
from group_cluster import GroupCluster, wait_until  # noqa: E402
from postgres_server import PostgresServer  # noqa: E402

from kafka import KafkaAdminClient  # noqa: E402

TOPIC, PARTITIONS = "orders", 4
KILLS = 3
ACKS_BETWEEN_KILLS = 3
DEADLINE = 60.0


class Committer:
    """Commits ever larger offsets for the consumer's current assignment until stopped; keeps
    the largest acknowledged offset of each partition."""

    def __init__(self, agent: ConsumerAgent):
        self.agent = agent
        self.acked: dict[tuple[str, int], int] = {}
        self.acks = 0
        self.failures: list[str] = []
        self.crash: str | None = None
        self._stop = threading.Event()
        self._lock = threading.Lock()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        try:
            self._commit_until_stopped()
        except Exception as err:  # noqa: BLE001 - reported to the test by problem()
            self.crash = f"{self.agent.name}: committer failed: {type(err).__name__}: {err}"

    def problem(self) -> str | None:
        return self.crash

    def _commit_until_stopped(self) -> None:
        offset = 0
        while not self._stop.is_set():
            partitions = self.agent.assignment
            if not partitions:
                self.agent.wait_for_assignment(bool, DEADLINE, "an assignment to commit for")
                continue
            offset += 1
            wanted = {tp: offset for tp in partitions}
            try:
                result = self.agent.commit(wanted, timeout=DEADLINE)
            except AssertionError as err:  # not acknowledged: fine while the coordinator is down
                with self._lock:
                    self.failures.append(str(err).splitlines()[0])
                continue
            with self._lock:
                for topic, partition, committed, error in result:
                    if error is None:
                        tp = (topic, partition)
                        self.acked[tp] = max(self.acked.get(tp, -1), committed)
                self.acks += 1

    def snapshot(self) -> dict[tuple[str, int], int]:
        with self._lock:
            return dict(self.acked)

    def ack_count(self) -> int:
        with self._lock:
            return self.acks

    def stop(self) -> dict[tuple[str, int], int]:
        self._stop.set()
        self._thread.join(DEADLINE + 10)
        self.assert_stopped()
        with self._lock:
            return dict(self.acked)

    def assert_stopped(self) -> None:
        if self._thread.is_alive():
            raise AssertionError(f"{self.agent.name}: committer did not stop")


StoredOffsets = Callable[[], dict[tuple[str, str, int], int]]


def sqlite_offsets(db: Path) -> StoredOffsets:
    """The committed offsets in a (dead) coordinator's SQLite database."""
    def read():
        with closing(sqlite3.connect(db)) as conn:
            rows = conn.execute("SELECT group_id, topic, partition, committed_offset FROM offsets")
            return {(g, t, p): o for g, t, p, o in rows}
    return read


def postgres_offsets(pg: PostgresServer, database: str) -> StoredOffsets:
    """The committed offsets in a PostgreSQL database (strings are stored as bytes)."""
    def read():
        rows = pg.query(database, "SELECT convert_from(group_id, 'UTF8'), "
                        "convert_from(topic, 'UTF8'), partition, committed_offset "
                        "FROM groupwire_offsets")
        return {(g, t, int(p)): int(o) for g, t, p, o in rows}
    return read


class CoordinatorCrashTest(unittest.TestCase):
    def test_acknowledged_commits_survive_repeated_sigkill(self):
        cluster = GroupCluster(topics={TOPIC: PARTITIONS}).start()
        self.addCleanup(cluster.stop)
        self.crash_repeatedly(cluster, sqlite_offsets(Path(cluster.coordinator.data_dir) /
                                                      "groupwire.db"))

    def test_acknowledged_commits_survive_repeated_sigkill_on_postgres(self):
        pg = PostgresServer().start()
        self.addCleanup(pg.stop)
        cluster = GroupCluster(topics={TOPIC: PARTITIONS},
                               postgres=pg.create_database("groupwire")).start()
        self.addCleanup(cluster.stop)
        self.crash_repeatedly(cluster, postgres_offsets(pg, "groupwire"))

    def crash_repeatedly(self, cluster: GroupCluster, stored_offsets: StoredOffsets) -> None:
        config = {
            "confluent": {"session.timeout.ms": 10000, "heartbeat.interval.ms": 500},
            "kafka-python": {"session_timeout_ms": 10000, "heartbeat_interval_ms": 500},
        }
        agents = {}
        for lib in ("confluent", "kafka-python"):
            agent = ConsumerAgent(lib, cluster.bootstrap, f"crash-{lib}", [TOPIC], config[lib],
                                  lib, watchdog=cluster.problem)
            self.addCleanup(agent.kill)
            agents[lib] = agent
        pids = {lib: a.proc.pid for lib, a in agents.items()}
        for agent in agents.values():
            agent.wait_for_assignment(lambda a: len(a) == PARTITIONS, DEADLINE, "all partitions")
        committers = {lib: Committer(a) for lib, a in agents.items()}

        def diagnostics() -> str:
            return "\n".join(a.describe() for a in agents.values()) + "\n" + cluster.logs()

        def acks_after(marks: dict[str, int]) -> bool:
            return all(c.ack_count() >= marks[lib] + ACKS_BETWEEN_KILLS
                       for lib, c in committers.items())

        for kill in range(KILLS + 1):
            marks = {lib: c.ack_count() for lib, c in committers.items()}
            try:
                wait_until(lambda: acks_after(marks), DEADLINE,
                           f"{ACKS_BETWEEN_KILLS} acknowledged commits per client "
                           f"after restart {kill}",
                           watchdog=lambda: next(filter(None, (c.problem() for c in
                                                               committers.values())), None))
            except AssertionError as err:
                self.fail(f"{err}\n{diagnostics()}")
            if kill < KILLS:
                port = cluster.coordinator.port
                acked_before = {lib: c.snapshot() for lib, c in committers.items()}
                cluster.coordinator.kill()
                on_disk = stored_offsets()
                for lib, offsets in acked_before.items():
                    for (topic, partition), value in offsets.items():
                        got = on_disk.get((f"crash-{lib}", topic, partition), -1)
                        self.assertGreaterEqual(got, value, f"kill {kill + 1}: {lib} "
                                                f"{topic}-{partition} acknowledged {value}, "
                                                f"on disk {got}\n{diagnostics()}")
                cluster.coordinator.start()
                self.assertEqual(cluster.coordinator.port, port)

        acked = {lib: c.stop() for lib, c in committers.items()}
        # The consumers were never restarted: the same processes carried on through every crash.
        for lib, agent in agents.items():
            self.assertEqual(agent.proc.pid, pids[lib])
            self.assertIsNone(agent.proc.poll(), agent.describe())
        self.assertEqual(sum("listening on" in line for line in cluster.coordinator.log_lines()),
                         KILLS + 1, "coordinator incarnations")

        admin = KafkaAdminClient(bootstrap_servers=cluster.bootstrap)
        self.addCleanup(admin.close)
        for lib, offsets in acked.items():
            self.assertEqual(len(offsets), PARTITIONS, f"{lib} acknowledged {offsets}")
            stored = {(tp.topic, tp.partition): om.offset for tp, om in
                      admin.list_consumer_group_offsets(f"crash-{lib}").items()}
            for tp, value in offsets.items():
                self.assertGreaterEqual(stored.get(tp, -1), value,
                                        f"{lib} {tp}: acknowledged {value}, stored "
                                        f"{stored.get(tp)}\n{diagnostics()}")
        for agent in agents.values():
            agent.close()
        cluster.stop_cleanly()


if __name__ == "__main__":
    unittest.main()
