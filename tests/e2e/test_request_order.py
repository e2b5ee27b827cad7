"""Every request sees the effects of every earlier request on its connection, as with Kafka.

Kafka's broker handles one request per connection at a time, so an OffsetFetch written right
behind an OffsetCommit on the same connection reads the offsets just committed, never those from
before. A gateway that pipelines a connection's requests to the coordinator must keep that: here
pairs of requests are written in ONE `sendall` on a raw socket (group_wire.py encodes them), so
the gateway reads them together, and each pair is repeated many times with new values, since a
lost race shows only now and then. Each scenario runs all its rounds and then fails with how many
answers missed an earlier request's effect and the first of them.

The coordinator runs with its durable store and fsync on (the default), so a commit is applied
only once written; the gateways serve a topic catalog.
    - OffsetCommit then OffsetFetch on one connection: v2/v1 (a member's commit) and v9/v9 (a
      simple commit: generation -1, no member, as admin tools and assign() consumers make)
    - OffsetFetch on other connections, to the same and to another gateway, once the commit's
      answer has arrived
    - OffsetDelete then OffsetFetch; DeleteGroups then ListGroups and then DescribeGroups;
      LeaveGroup then DescribeGroups and then JoinGroup; commits to two groups then
      DescribeGroups and OffsetFetch v8 naming both; the leader's SyncGroup then ListGroups,
      DescribeGroups, Heartbeat and OffsetCommit
    - with --coordinator-channels 2 (calls on different gRPC streams): commit then fetch for
      several groups in one write, and the two-group reads after commits

Run with Debian's interpreter (python3-kafka):
    /usr/bin/python3 -m unittest -v test_request_order.py
"""

import sys
import unittest
from pathlib import Path
from typing import Any, Callable

sys.path.insert(0, str(Path(__file__).resolve().parent))
from gateway_process import GatewayProcess  # noqa: E402
from group_cluster import GroupCluster, serve_cluster_per_module  # noqa: E402
from group_wire import (Described, Fetched, Joined, RawConnection, Request,  # noqa: E402
                        delete_groups, describe_groups, heartbeat, join_group, leave_group,
                        list_groups, offset_commit, offset_delete, offset_fetch, sync_group)
from raw_group_client import NONE, RawGroupClient, assignment, subscription  # noqa: E402

TOPIC, PARTITIONS = "orders", 4
EVERY_PARTITION = {TOPIC: list(range(PARTITIONS))}
# Rounds per scenario: enough for a race lost now and then to show, few enough that the module
# stays well under a minute on two cores (each round waits for at least one fsync).
ROUNDS = 300         # commit then fetch
ROUNDS_WRITES = 100  # other writes: each round also sets the state up with a commit
ROUNDS_GROUPS = 40   # each round first forms a group (JoinGroup, SyncGroup)

cluster: GroupCluster
serve_cluster_per_module(globals(), topics={TOPIC: PARTITIONS})


def rising(round_: int) -> dict[tuple[str, int], int]:
    """Offsets of every partition for a round, higher than any earlier round's."""
    return {(TOPIC, p): round_ * PARTITIONS + p + 1 for p in range(PARTITIONS)}


def accepted(offsets: dict[tuple[str, int], int]) -> dict[tuple[str, int], int]:
    return {tp: NONE for tp in offsets}


def committed(offsets: dict[tuple[str, int], int]) -> Fetched:
    return Fetched(NONE, {tp: (offset, NONE) for tp, offset in offsets.items()})


def start_gateway(*flags: str) -> GatewayProcess:
    """One more gateway in front of the module's coordinator."""
    return GatewayProcess("--coordinator", cluster.coordinator.address, *flags,
                          topics={TOPIC: PARTITIONS}).start()


class RequestOrderTestCase(unittest.TestCase):
    """Tallies every answer checked, per request, and fails at the end of a scenario with the
    count of answers that missed an earlier request's effect and the first of them."""

    def gateway(self) -> GatewayProcess:
        return cluster.gateway

    def setUp(self):
        self.tallies: dict[str, list] = {}  # request -> [answers, wrong, first wrong]

    def connect(self, gateway: GatewayProcess | None = None) -> RawConnection:
        conn = RawConnection(gateway or self.gateway())
        self.addCleanup(conn.close)
        return conn

    def group(self, suffix: Any = None) -> str:
        """A group of this test alone: a group left by another test could hold the very offsets
        a stale read would return."""
        name = f"{type(self).__name__}.{self._testMethodName.removeprefix('test_')}"
        return name if suffix is None else f"{name}-{suffix}"

    def expect(self, round_: int, what: str, got: Any, expected: Any) -> None:
        tally = self.tallies.setdefault(what, [0, 0, None])
        tally[0] += 1
        if got != expected:
            tally[1] += 1
            tally[2] = tally[2] or f"round {round_}: {got!r}, expected {expected!r}"

    def assert_in_order(self) -> None:
        wrong = [f"{what}: {n_wrong} of {n} answers wrong (first: {first})"
                 for what, (n, n_wrong, first) in self.tallies.items() if n_wrong]
        if wrong:
            self.fail("answers that miss the effect of a request before them:\n"
                      + "\n".join(wrong))

    def commit(self, conn: RawConnection, group: str, offsets: dict[tuple[str, int], int]):
        """A simple commit on its own, to set a round up (not part of the race)."""
        [answer] = conn.exchange(offset_commit(9, group, offsets))
        self.assertEqual(answer, accepted(offsets), f"setting up {group}")

    def fetch_behind_commit(self, conn: RawConnection, group: str, commit_version: int,
                            fetch_version: int, generation: int = -1, member_id: str = ""):
        """Rounds of a commit with a fetch of the same partitions right behind it."""
        for r in range(ROUNDS):
            offsets = rising(r)
            commit = offset_commit(commit_version, group, offsets, generation, member_id)
            fetch = offset_fetch(fetch_version, {group: EVERY_PARTITION})
            got_commit, got_fetch = conn.exchange(commit, fetch)
            self.expect(r, commit.name, got_commit, accepted(offsets))
            self.expect(r, fetch.name, got_fetch, {group: committed(offsets)})
        self.assert_in_order()

    def multi_group_reads_behind_commits(self, conn: RawConnection) -> None:
        """Rounds of commits to two new groups with DescribeGroups and OffsetFetch v8, both
        naming the two, right behind them."""
        for r in range(ROUNDS_WRITES):
            groups = [self.group(f"{r}a"), self.group(f"{r}b")]
            offsets = rising(r)
            commits = [offset_commit(9, g, offsets) for g in groups]
            describe = describe_groups(groups)
            fetch = offset_fetch(8, {g: EVERY_PARTITION for g in groups})
            *got_commits, got_describe, got_fetch = conn.exchange(*commits, describe, fetch)
            for commit, got in zip(commits, got_commits):
                self.expect(r, commit.name, got, accepted(offsets))
            # A group made by a simple commit is Empty, with no protocol type and no members.
            self.expect(r, describe.name, got_describe,
                        {g: Described(NONE, "Empty", "", "", ()) for g in groups})
            self.expect(r, fetch.name, got_fetch, {g: committed(offsets) for g in groups})
        self.assert_in_order()


class SameConnectionTest(RequestOrderTestCase):
    """Pairs written together on one connection."""

    def members(self) -> RawGroupClient:
        """A kafka-python connection that forms groups (JoinGroup, SyncGroup) for a round."""
        client = RawGroupClient(cluster.bootstrap, cluster.gateway.node_id)
        self.addCleanup(client.close)
        return client

    def test_offset_fetch_v1_behind_offset_commit_v2(self):
        group = self.group()
        generation, member = self.members().form_group(group, TOPIC, PARTITIONS)
        # The member's commits keep its session alive for all the rounds.
        self.fetch_behind_commit(self.connect(), group, 2, 1, generation, member)

    def test_offset_fetch_v9_behind_offset_commit_v9(self):
        self.fetch_behind_commit(self.connect(), self.group(), 9, 9)

    def test_offset_fetch_behind_offset_delete(self):
        conn, group = self.connect(), self.group()
        for r in range(ROUNDS_WRITES):
            offsets = rising(r)
            self.commit(conn, group, offsets)
            delete = offset_delete(group, {TOPIC: [0]})
            fetch = offset_fetch(9, {group: EVERY_PARTITION})
            got_delete, got_fetch = conn.exchange(delete, fetch)
            self.expect(r, delete.name, got_delete, (NONE, {(TOPIC, 0): NONE}))
            self.expect(r, fetch.name, got_fetch,
                        {group: committed({**offsets, (TOPIC, 0): -1})})
        self.assert_in_order()

    def delete_group_then(self, read: Callable[[str], Request],
                          seen: Callable[[str, Any], Any], expected: Any) -> None:
        """Each round deletes a new group (Empty: made by a commit) with read(group) written
        right behind; seen(group, answer) is the part of read's answer about that group."""
        conn = self.connect()
        for r in range(ROUNDS_WRITES):
            group = self.group(r)
            self.commit(conn, group, rising(r))
            delete, after = delete_groups([group]), read(group)
            got_delete, got_read = conn.exchange(delete, after)
            self.expect(r, delete.name, got_delete, {group: NONE})
            self.expect(r, after.name, seen(group, got_read), expected)
        self.assert_in_order()

    def test_list_groups_behind_delete_groups(self):
        # A deleted group is gone from the list: (error, the group's state or None).
        self.delete_group_then(lambda group: list_groups(),
                               lambda group, got: (got[0], got[1].get(group)), (NONE, None))

    def test_describe_groups_behind_delete_groups(self):
        # Below v6 a group that does not exist is described as Dead, with no error.
        self.delete_group_then(lambda group: describe_groups([group]),
                               lambda group, got: got[group], Described(NONE, "Dead", "", "", ()))

    def test_describe_groups_behind_leave_group(self):
        conn, members = self.connect(), self.members()
        for r in range(ROUNDS_GROUPS):
            group = self.group(r)
            _, member = members.form_group(group, TOPIC, PARTITIONS)
            leave, describe = leave_group(group, [member]), describe_groups([group])
            got_leave, got_describe = conn.exchange(leave, describe)
            self.expect(r, leave.name, got_leave, (NONE, {member: NONE}))
            # Its last member gone, the group is Empty; it keeps its protocol type.
            self.expect(r, describe.name, got_describe,
                        {group: Described(NONE, "Empty", "consumer", "", ())})
        self.assert_in_order()

    def test_join_group_behind_leave_group(self):
        # After the leave the group is Empty one generation later, so the newcomer starts a
        # generation of its own, two after the one it was Stable in. Joined before the leave,
        # it would have shared the rebalance the leave ends, one generation later. A static
        # member, so that its first JoinGroup joins (no MEMBER_ID_REQUIRED in either case).
        conn, members = self.connect(), self.members()
        for r in range(ROUNDS_GROUPS):
            group = self.group(r)
            generation, member = members.form_group(group, TOPIC, PARTITIONS)
            leave = leave_group(group, [member])
            join = join_group(group, f"newcomer-{r}", subscription(TOPIC), 10000, 10000)
            got_leave, got_join = conn.exchange(leave, join)
            self.expect(r, leave.name, got_leave, (NONE, {member: NONE}))
            newcomer = got_join.member_id
            self.expect(r, join.name, got_join,
                        Joined(NONE, generation + 2, "range", newcomer, newcomer, (newcomer,)))
        self.assert_in_order()

    def test_describe_and_fetch_two_groups_behind_commits(self):
        self.multi_group_reads_behind_commits(self.connect())

    def test_group_calls_behind_the_leader_sync_group(self):
        # The generation becomes Stable once its assignment is stored, which the leader's
        # SyncGroup waits for: the calls written behind it find it Stable. Before, the listing
        # and description would say CompletingRebalance and the commit REBALANCE_IN_PROGRESS.
        conn = self.connect()
        for r in range(ROUNDS_GROUPS):
            group, instance = self.group(r), f"leader-{r}"
            [joined] = conn.exchange(
                join_group(group, instance, subscription(TOPIC), 10000, 10000))
            self.assertEqual(joined.error, NONE, f"joining {group}")
            generation, member = joined.generation, joined.member_id
            mine = assignment(TOPIC, list(range(PARTITIONS)))
            offsets = rising(r)
            calls = [sync_group(group, generation, member, instance, {member: mine}),
                     list_groups(), describe_groups([group]),
                     heartbeat(group, generation, member, instance),
                     offset_commit(9, group, offsets, generation, member)]
            got_sync, got_list, got_describe, got_heartbeat, got_commit = conn.exchange(*calls)
            sync, listing, describe, beat, commit = calls
            self.expect(r, sync.name, got_sync, (NONE, mine))
            self.expect(r, listing.name, (got_list[0], got_list[1].get(group)), (NONE, "Stable"))
            self.expect(r, describe.name, got_describe,
                        {group: Described(NONE, "Stable", "consumer", "range", (member,))})
            self.expect(r, beat.name, got_heartbeat, NONE)
            self.expect(r, commit.name, got_commit, accepted(offsets))
        self.assert_in_order()


class OtherConnectionTest(RequestOrderTestCase):
    """A commit acknowledged on one connection is seen by a fetch on any other, through the
    same gateway or another one."""

    other: GatewayProcess

    @classmethod
    def setUpClass(cls):
        cls.other = start_gateway()

    @classmethod
    def tearDownClass(cls):
        cls.other.stop_cleanly()

    def test_offset_fetch_after_the_commit_answer(self):
        group = self.group()
        committer = self.connect()
        readers = {"same gateway": self.connect(), "other gateway": self.connect(self.other)}
        for r in range(ROUNDS):
            offsets = rising(r)
            commit = offset_commit(9, group, offsets)
            [got_commit] = committer.exchange(commit)
            self.expect(r, commit.name, got_commit, accepted(offsets))
            for where, reader in readers.items():
                fetch = offset_fetch(9, {group: EVERY_PARTITION})
                [got_fetch] = reader.exchange(fetch)
                self.expect(r, f"{fetch.name} ({where})", got_fetch, {group: committed(offsets)})
        self.assert_in_order()


class CoordinatorChannelsTest(RequestOrderTestCase):
    """A gateway with two gRPC streams to the coordinator: each group's calls go to one of them
    and calls naming several groups to either, so one connection's calls travel on both."""

    channels: GatewayProcess

    @classmethod
    def setUpClass(cls):
        cls.channels = start_gateway("--coordinator-channels", "2")

    @classmethod
    def tearDownClass(cls):
        cls.channels.stop_cleanly()

    def gateway(self) -> GatewayProcess:
        return self.channels

    def test_offset_fetch_behind_offset_commit_for_several_groups(self):
        # Eight groups, so that each stream carries some of them.
        conn, groups = self.connect(), [self.group(k) for k in range(8)]
        for r in range(ROUNDS_WRITES):
            offsets = rising(r)
            requests = [request for group in groups for request in (
                offset_commit(9, group, offsets), offset_fetch(9, {group: EVERY_PARTITION}))]
            answers = conn.exchange(*requests)
            for group, commit, fetch, got_commit, got_fetch in zip(
                    groups, requests[::2], requests[1::2], answers[::2], answers[1::2]):
                self.expect(r, commit.name, got_commit, accepted(offsets))
                self.expect(r, fetch.name, got_fetch, {group: committed(offsets)})
        self.assert_in_order()

    def test_describe_and_fetch_two_groups_behind_commits(self):
        self.multi_group_reads_behind_commits(self.connect())


if __name__ == "__main__":
    unittest.main()
