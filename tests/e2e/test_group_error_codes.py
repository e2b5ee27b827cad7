"""Group error codes as kafka-python's own encoder and decoder see them, through the gateway.

Requests are built from kafka.protocol.group's HeartbeatRequest[v] and LeaveGroupRequest[v] (every
version kafka-python defines: v0 and v1) and OffsetCommitRequest v2/v3, and sent with the
low-level kafka.client_async.KafkaClient. The group is driven into each state by hand (JoinGroup,
SyncGroup), so each answer is the coordinator's decision, forwarded by the gateway:
    - Heartbeat with a wrong generation          -> ILLEGAL_GENERATION (22)
    - Heartbeat from an unknown member           -> UNKNOWN_MEMBER_ID (25)
    - Heartbeat while the group rebalances       -> REBALANCE_IN_PROGRESS (27), and a wrong
      generation then still wins (Kafka checks the generation before the state); OffsetCommit
      is accepted in PreparingRebalance and refused (27) in CompletingRebalance
    - LeaveGroup of an unknown member            -> UNKNOWN_MEMBER_ID (25)
    - OffsetCommit with a wrong generation / unknown member -> 22 / 25 in every partition

Run with Debian's interpreter (python3-kafka):
    /usr/bin/python3 -m unittest -v test_group_error_codes.py
"""

import sys
import unittest
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from group_cluster import GroupCluster, serve_cluster_per_module  # noqa: E402
from raw_group_client import (ILLEGAL_GENERATION, NONE, REBALANCE_IN_PROGRESS,  # noqa: E402
                              UNKNOWN_MEMBER_ID, RawGroupClient)

from kafka.protocol.group import HeartbeatRequest, LeaveGroupRequest  # noqa: E402

TOPIC, PARTITIONS = "orders", 4
HEARTBEAT_VERSIONS = range(len(HeartbeatRequest))
LEAVE_VERSIONS = range(len(LeaveGroupRequest))
COMMIT_VERSIONS = (2, 3)  # kafka-python defines 0-3; Kafka 4.x (and the gateway) start at 2

cluster: GroupCluster
serve_cluster_per_module(globals(), topics={TOPIC: PARTITIONS})


class GroupErrorCodesTest(unittest.TestCase):
    def setUp(self):
        self.client = RawGroupClient(cluster.bootstrap, cluster.gateway.node_id)
        self.addCleanup(self.client.close)

    def group(self) -> str:
        return f"errors-{self._testMethodName}"

    def test_versions_under_test(self):
        # If kafka-python ever defined more versions they would be covered automatically;
        # make sure the loops below are not vacuous.
        self.assertEqual(list(HEARTBEAT_VERSIONS), [0, 1])
        self.assertEqual(list(LEAVE_VERSIONS), [0, 1])

    def test_heartbeat_with_wrong_generation_is_illegal_generation(self):
        group = self.group()
        generation, member = self.client.form_group(group, TOPIC, PARTITIONS)
        for v in HEARTBEAT_VERSIONS:
            with self.subTest(version=v):
                self.assertEqual(self.client.heartbeat(group, generation, member, v), NONE)
                self.assertEqual(self.client.heartbeat(group, generation + 1, member, v),
                                 ILLEGAL_GENERATION)
                self.assertEqual(self.client.heartbeat(group, generation - 1, member, v),
                                 ILLEGAL_GENERATION)
                self.assertEqual(self.client.heartbeat(group, -1, member, v),
                                 ILLEGAL_GENERATION)
        self.assertEqual(self.client.leave(group, member, 1), NONE)

    def test_heartbeat_from_unknown_member_is_unknown_member_id(self):
        group = self.group()
        generation, member = self.client.form_group(group, TOPIC, PARTITIONS)
        for v in HEARTBEAT_VERSIONS:
            with self.subTest(version=v):
                self.assertEqual(
                    self.client.heartbeat(group, generation, "no-such-member", v),
                    UNKNOWN_MEMBER_ID)
                # A group that does not exist at all: also UNKNOWN_MEMBER_ID.
                self.assertEqual(
                    self.client.heartbeat(f"{group}-missing", 1, "no-such-member", v),
                    UNKNOWN_MEMBER_ID)
        self.assertEqual(self.client.leave(group, member, 1), NONE)

    def test_heartbeat_during_rebalance_is_rebalance_in_progress(self):
        group = self.group()
        generation, first = self.client.form_group(group, TOPIC, PARTITIONS)

        # A second member joins over its own connection (a broker handles one request per
        # connection at a time, and this JoinGroup stays parked until the join phase ends).
        second_client = RawGroupClient(cluster.bootstrap, cluster.gateway.node_id)
        self.addCleanup(second_client.close)
        mark = cluster.coordinator.mark()
        second_join = second_client.join(group)
        cluster.coordinator.wait_for_log(rf"group {group}: member \S+ joins \(2 members\)",
                                         timeout=20, after=mark)
        cluster.coordinator.wait_for_log(
            rf"group {group}: preparing rebalance \(generation {generation}\)", timeout=20,
            after=mark)
        self.assertFalse(second_join.is_done)

        for v in HEARTBEAT_VERSIONS:
            with self.subTest(version=v):
                self.assertEqual(self.client.heartbeat(group, generation, first, v),
                                 REBALANCE_IN_PROGRESS)
                # Generation is validated before the state.
                self.assertEqual(self.client.heartbeat(group, generation + 1, first, v),
                                 ILLEGAL_GENERATION)
                self.assertEqual(self.client.heartbeat(group, generation, "no-such-member", v),
                                 UNKNOWN_MEMBER_ID)
        # OffsetCommit with the current generation is still accepted in PreparingRebalance.
        for v in COMMIT_VERSIONS:
            with self.subTest(api="OffsetCommit", version=v, state="PreparingRebalance"):
                self.assertEqual(self.client.commit(group, generation, first, {(TOPIC, 1): v}, v),
                                 {(TOPIC, 1): NONE})

        # The first member rejoins: the join phase completes for both, one generation later.
        rejoined = self.client.wait(self.client.join(group, member_id=first), timeout=30)
        joined = second_client.wait(second_join, timeout=30)
        self.assertEqual((rejoined.error_code, joined.error_code), (NONE, NONE))
        self.assertEqual(rejoined.generation_id, generation + 1)
        self.assertEqual(joined.generation_id, generation + 1)
        self.assertEqual(rejoined.member_id, first)
        self.assertEqual(rejoined.leader_id, first)
        self.assertEqual(joined.leader_id, first)
        self.assertEqual(sorted(m for m, _ in rejoined.members), sorted([first, joined.member_id]))
        self.assertEqual(joined.members, [])
        # CompletingRebalance: heartbeats are fine again (with the new generation only).
        for v in HEARTBEAT_VERSIONS:
            with self.subTest(version=v, state="CompletingRebalance"):
                self.assertEqual(self.client.heartbeat(group, generation + 1, first, v), NONE)
                self.assertEqual(self.client.heartbeat(group, generation, first, v),
                                 ILLEGAL_GENERATION)
        # ... but OffsetCommit is refused until the leader's SyncGroup makes it Stable.
        for v in COMMIT_VERSIONS:
            with self.subTest(api="OffsetCommit", version=v, state="CompletingRebalance"):
                self.assertEqual(
                    self.client.commit(group, generation + 1, first, {(TOPIC, 1): 10}, v),
                    {(TOPIC, 1): REBALANCE_IN_PROGRESS})
        self.assertEqual(second_client.leave(group, joined.member_id, 1), NONE)
        self.assertEqual(self.client.leave(group, first, 1), NONE)

    def test_leave_of_unknown_member_is_unknown_member_id(self):
        group = self.group()
        generation, member = self.client.form_group(group, TOPIC, PARTITIONS)
        for v in LEAVE_VERSIONS:
            with self.subTest(version=v):
                self.assertEqual(self.client.leave(group, "no-such-member", v),
                                 UNKNOWN_MEMBER_ID)
                self.assertEqual(self.client.leave(f"{group}-missing", "no-such-member", v),
                                 UNKNOWN_MEMBER_ID)
        # The real member is still there (the unknown leaves changed nothing), then leaves.
        self.assertEqual(self.client.heartbeat(group, generation, member, 1), NONE)
        self.assertEqual(self.client.leave(group, member, 0), NONE)
        # Gone: a second leave and a heartbeat no longer know it.
        self.assertEqual(self.client.leave(group, member, 1), UNKNOWN_MEMBER_ID)
        self.assertEqual(self.client.heartbeat(group, generation, member, 1), UNKNOWN_MEMBER_ID)

    def test_offset_commit_errors_are_reported_per_partition(self):
        group = self.group()
        generation, member = self.client.form_group(group, TOPIC, PARTITIONS)
        offsets = {(TOPIC, 0): 5, (TOPIC, 2): 9}
        for v in COMMIT_VERSIONS:
            with self.subTest(version=v):
                self.assertEqual(self.client.commit(group, generation, member, offsets, v),
                                 dict.fromkeys(offsets, NONE))
                self.assertEqual(self.client.commit(group, generation + 1, member, offsets, v),
                                 dict.fromkeys(offsets, ILLEGAL_GENERATION))
                self.assertEqual(
                    self.client.commit(group, generation, "no-such-member", offsets, v),
                    dict.fromkeys(offsets, UNKNOWN_MEMBER_ID))
        self.assertEqual(self.client.leave(group, member, 1), NONE)


if __name__ == "__main__":
    unittest.main()
