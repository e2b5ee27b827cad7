"""A consumer group (KIP-848) outlives its coordinator: killed (SIGKILL) and started again, with
SQLite and with PostgreSQL, it comes back as it was, with no rebalance.

Two members join over raw sockets (ConsumerGroupHeartbeat v1, group_wire encodes it) and
reconcile to a Stable split of a 4-partition topic. The coordinator is killed and started again on the same port; the gateway and the members' connection
stay up. Then each member heartbeats at its epoch with what it owns and is answered NONE at that
epoch (the group epoch did not move: nothing was lost or rebalanced), a member one epoch behind
what it acknowledged is fenced (the epochs came back, not a fresh group).

Run with Debian's interpreter: /usr/bin/python3 -m unittest -v test_consumer_protocol_restart.py
"""

import sys
import unittest
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from group_cluster import GroupCluster, wait_until  # noqa: E402
from group_wire import RawConnection, consumer_group_heartbeat  # noqa: E402
from postgres_server import PostgresServer  # noqa: E402

NONE, FENCED_MEMBER_EPOCH = 0, 110
GROUP, TOPIC, PARTITIONS = "restart-cg", "orders", 4
DEADLINE = 30.0
SERVES_CONSUMER_PROTOCOL = "coordinators serve the consumer group protocol"


class ConsumerGroupRestart:
    """The scenario, for a cluster whose coordinator keeps its state where restarts find it."""

    postgres: str | None = None

    def setUp(self):
        self.cluster = GroupCluster({TOPIC: PARTITIONS}, postgres=self.postgres).start()
        self.addCleanup(self.cluster.stop)
        # Until it has the coordinators' routing table a gateway does not offer the protocol.
        self.cluster.gateway.wait_for_log(SERVES_CONSUMER_PROTOCOL, timeout=15)
        self.conn = RawConnection(self.cluster.gateway)
        self.addCleanup(self.conn.close)

    def heartbeat(self, member: str, epoch: int, owned=None, **join):
        [answer] = self.conn.exchange(consumer_group_heartbeat(GROUP, member, epoch, owned=owned,
                                                               **join))
        return answer

    def reconcile(self, members: dict[str, tuple[int, dict]]) -> dict[str, tuple[int, dict]]:
        """Heartbeats every member, saying what it owns, until the group is Stable: every member at
        the same epoch with disjoint assignments covering the topic."""
        def settled():
            for member, (epoch, owned) in list(members.items()):
                answer = self.heartbeat(member, epoch, owned)
                self.assertEqual(answer.error, NONE, answer)
                members[member] = (answer.member_epoch,
                                   owned if answer.assignment is None else answer.assignment)
            epochs = {epoch for epoch, _ in members.values()}
            owned = [p for _, o in members.values() for ps in o.values() for p in ps]
            return len(epochs) == 1 and sorted(owned) == list(range(PARTITIONS))
        wait_until(settled, DEADLINE, "the group to settle", interval=0.1)
        return members

    def test_a_stable_group_comes_back_without_a_rebalance(self):
        a, b = str(uuid.uuid4()), str(uuid.uuid4())
        members = {}
        for member in (a, b):
            joined = self.heartbeat(member, 0, owned={}, topics=[TOPIC], rebalance_timeout_ms=30000)
            self.assertEqual(joined.error, NONE, joined)
            members[member] = (joined.member_epoch, joined.assignment or {})
        members = self.reconcile(members)
        epoch = members[a][0]
        self.assertGreaterEqual(epoch, 2)

        self.cluster.coordinator.kill()
        self.cluster.coordinator.start()

        # The first heartbeats may meet the gateway still reconnecting (a retriable error).
        def back():
            answer = self.heartbeat(a, epoch, members[a][1])
            return answer if answer.error == NONE else None
        answer = wait_until(back, DEADLINE, "member a to be answered again", interval=0.1)
        self.assertEqual((answer.member_epoch, answer.assignment), (epoch, None),
                         (answer, self.cluster.logs()))
        answer = self.heartbeat(b, epoch, members[b][1])
        self.assertEqual((answer.error, answer.member_epoch, answer.assignment),
                         (NONE, epoch, None), answer)
        # The epochs came back, not a fresh group: an epoch the member already left is fenced.
        stale = self.heartbeat(a, epoch - 1, {bytes(16): [0]})
        self.assertEqual(stale.error, FENCED_MEMBER_EPOCH, stale)


class SqliteRestartTest(ConsumerGroupRestart, unittest.TestCase):
    pass


class PostgresRestartTest(ConsumerGroupRestart, unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.pg = PostgresServer().start()
        cls.postgres = cls.pg.create_database("groupwire")

    @classmethod
    def tearDownClass(cls):
        cls.pg.stop()


if __name__ == "__main__":
    unittest.main()
