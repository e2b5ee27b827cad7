"""The consumer group protocol (KIP-848) on raw sockets: what the gateway advertises and what
ConsumerGroupHeartbeat v1 answers, byte by byte (group_wire encodes it).

With the coordinator's default --group-protocols (classic,consumer) ApiVersions offers
ConsumerGroupHeartbeat (68) and ConsumerGroupDescribe (69) at v0-1; a member joins, is given every
partition of its topic and leaves; a subscription to an invalid regular expression is refused
with INVALID_REGULAR_EXPRESSION and a message. With --group-protocols classic neither API is
offered. A gateway learns the protocols from the coordinator's routing table, which it logs.

Run with Debian's interpreter: /usr/bin/python3 -m unittest -v test_consumer_protocol_wire.py
"""

import sys
import unittest
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from group_cluster import FAST_GROUPS, GroupCluster  # noqa: E402
from group_wire import RawConnection, consumer_group_heartbeat  # noqa: E402
from sasl_wire import api_versions  # noqa: E402

CONSUMER_GROUP_HEARTBEAT, CONSUMER_GROUP_DESCRIBE = 68, 69
NONE, INVALID_REGULAR_EXPRESSION = 0, 128
TOPICS = {"orders": 3}
HEARTBEAT_INTERVAL_MS = 500
ROUTING_TABLE = r"coordinators: \d+ group partitions, routing table from"
SERVES_CONSUMER_PROTOCOL = "coordinators serve the consumer group protocol"


def advertised(cluster: GroupCluster) -> dict[int, tuple[int, int]]:
    conn = RawConnection(cluster.gateway)
    try:
        [(error, ranges)] = conn.exchange(api_versions())
    finally:
        conn.close()
    assert error == NONE, error
    return ranges


class ConsumerProtocolServedTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.cluster = GroupCluster(TOPICS, coordinator_flags=FAST_GROUPS + (
            "--consumer-heartbeat-interval-ms", str(HEARTBEAT_INTERVAL_MS))).start()
        cls.cluster.gateway.wait_for_log(SERVES_CONSUMER_PROTOCOL, timeout=15)

    @classmethod
    def tearDownClass(cls):
        cls.cluster.stop_cleanly()

    def setUp(self):
        self.conn = RawConnection(self.cluster.gateway)
        self.addCleanup(self.conn.close)

    def test_api_versions_offers_the_consumer_group_apis(self):
        ranges = advertised(self.cluster)
        offered = (ranges.get(CONSUMER_GROUP_HEARTBEAT), ranges.get(CONSUMER_GROUP_DESCRIBE))
        self.assertEqual(offered, ((0, 1), (0, 1)), ranges)

    def test_join_is_given_every_partition_then_leaves(self):
        member = str(uuid.uuid4())  # v1: the client makes its member id
        [joined] = self.conn.exchange(consumer_group_heartbeat(
            "wire-join", member, 0, topics=["orders"], owned={}, rebalance_timeout_ms=30000))
        self.assertEqual((joined.error, joined.error_message, joined.member_id,
                          joined.heartbeat_interval_ms),
                         (NONE, None, member, HEARTBEAT_INTERVAL_MS), (joined, self.cluster.logs()))
        self.assertGreater(joined.member_epoch, 0, joined)
        self.assertIsNotNone(joined.assignment, joined)
        [(topic_id, partitions)] = joined.assignment.items()
        self.assertNotEqual(topic_id, bytes(16))
        self.assertEqual(sorted(partitions), [0, 1, 2])

        [left] = self.conn.exchange(consumer_group_heartbeat("wire-join", member, -1))
        self.assertEqual((left.error, left.member_id, left.member_epoch), (NONE, member, -1), left)

    def test_invalid_regular_expression_is_refused_with_a_message(self):
        [answer] = self.conn.exchange(consumer_group_heartbeat(
            "wire-regex", str(uuid.uuid4()), 0, regex="orders[", owned={},
            rebalance_timeout_ms=30000))
        self.assertEqual(answer.error, INVALID_REGULAR_EXPRESSION, answer)
        self.assertTrue(answer.error_message, answer)
        self.assertIsNone(answer.assignment, answer)


class ClassicOnlyTest(unittest.TestCase):
    def test_api_versions_does_not_offer_the_consumer_group_apis(self):
        cluster = GroupCluster(TOPICS, coordinator_flags=FAST_GROUPS + (
            "--group-protocols", "classic")).start()
        try:
            # Only once the gateway has the routing table does it know what coordinators serve.
            cluster.gateway.wait_for_log(ROUTING_TABLE, timeout=15)
            ranges = advertised(cluster)
            self.assertNotIn(CONSUMER_GROUP_HEARTBEAT, ranges)
            self.assertNotIn(CONSUMER_GROUP_DESCRIBE, ranges)
            self.assertFalse(any(SERVES_CONSUMER_PROTOCOL in l
                                 for l in cluster.gateway.log_lines()), cluster.logs())
        finally:
            cluster.stop_cleanly()


if __name__ == "__main__":
    unittest.main()
