"""Consumer groups run by real clients through the gateway and the coordinator.

Each consumer runs in its own process (consumer_agent.py) and polls; the test watches what the
client itself reports (rebalance callbacks, consumer.assignment()) and what the coordinator logs.

For confluent-kafka (librdkafka) and for kafka-python's KafkaConsumer:
    - two members of one group get disjoint assignments that together cover every partition;
    - one closes (LeaveGroup) and the other ends up with every partition;
    - one is SIGKILLed (no LeaveGroup): only after its session timeout does the survivor get
      every partition;
    - offsets committed synchronously with explicit offsets are read back by the consumer and by
      kafka-python's admin client.
confluent-kafka only: static members (group.instance.id) restart within the session timeout
without a rebalance: no new generation, no callbacks on the other member, same assignment.
kafka-python's KafkaAdminClient lists, describes (state, members, decoded metadata and
assignments) and deletes a group.

Run with Debian's interpreter (python3-kafka, python3-confluent-kafka):
    /usr/bin/python3 -m unittest -v test_group_membership.py
"""

import re
import sys
import time
import unittest
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from consumer_agent import ConsumerAgent, split_of  # noqa: E402
from group_cluster import GroupCluster, serve_cluster_per_module, wait_until  # noqa: E402

import kafka  # noqa: E402
import kafka.errors  # noqa: E402
from kafka.structs import OffsetAndMetadata, TopicPartition  # noqa: E402

TOPIC, PARTITIONS = "orders", 6
ALL = {(TOPIC, p) for p in range(PARTITIONS)}
SESSION_MS = 3000
HEARTBEAT_MS = 300
# Generous bounds for a loaded 2-core machine; the expected times are far shorter.
DEADLINE = 45.0

cluster: GroupCluster
serve_cluster_per_module(globals(), topics={TOPIC: PARTITIONS, "events": 2})


class _GroupTestCase(unittest.TestCase):
    LIB = ""

    def group(self, suffix: str = "") -> str:
        return f"{self.LIB}-{self._testMethodName}{suffix}"

    def config(self, session_ms: int = SESSION_MS, **extra) -> dict:
        if self.LIB == "confluent":
            return {"session.timeout.ms": session_ms, "heartbeat.interval.ms": HEARTBEAT_MS,
                    **extra}
        return {"session_timeout_ms": session_ms, "heartbeat_interval_ms": HEARTBEAT_MS,
                **extra}

    def start_consumer(self, name: str, group: str, config: dict | None = None,
                       lib: str | None = None) -> ConsumerAgent:
        consumer = ConsumerAgent(lib or self.LIB, cluster.bootstrap, group, [TOPIC],
                                 config if config is not None else self.config(), name,
                                 watchdog=cluster.problem)
        self.addCleanup(consumer.kill)
        self.consumers = getattr(self, "consumers", []) + [consumer]
        return consumer

    def diagnostics(self) -> str:
        return "\n".join(c.describe() for c in getattr(self, "consumers", [])) + "\n" \
            + cluster.logs()

    def wait_for_split(self, consumers, what: str) -> list[set]:
        try:
            return wait_until(lambda: split_of(consumers, ALL), DEADLINE, what,
                              watchdog=cluster.problem)
        except AssertionError as err:
            self.fail(f"{err}\n{self.diagnostics()}")

    def wait_for_all(self, consumer: ConsumerAgent, what: str, after: int = 0) -> dict:
        """The first assignment event (after `after`) holding every partition."""
        event = consumer.wait_for_event(
            lambda e: e["event"] == "assignment" and {tuple(tp) for tp in e["partitions"]} == ALL,
            DEADLINE, what, after)
        return event

    def admin(self) -> kafka.KafkaAdminClient:
        admin = kafka.KafkaAdminClient(bootstrap_servers=cluster.bootstrap,
                                       request_timeout_ms=30000)
        self.addCleanup(admin.close)
        return admin


class _MembershipTests(_GroupTestCase):
    """The same scenarios for each client library (subclasses set LIB)."""

    def test_two_members_split_partitions_and_survivor_takes_all_after_leave(self):
        group = self.group()
        first = self.start_consumer("first", group)
        self.wait_for_all(first, "first member alone gets every partition")
        second = self.start_consumer("second", group)
        split = self.wait_for_split([first, second], "two members sharing the partitions")
        # Both built-in assignors (range, roundrobin) give 3 + 3 here.
        self.assertEqual(sorted(map(len, split)), [3, 3], self.diagnostics())
        cluster.coordinator.wait_for_log(rf"group {group}: generation \d+ formed with 2 members")

        mark = first.mark()
        coordinator_mark = cluster.coordinator.mark()
        second.close()
        cluster.coordinator.wait_for_log(rf"group {group}: member \S+ leaves", timeout=DEADLINE,
                                         after=coordinator_mark)
        self.wait_for_all(first, "survivor gets every partition after the other left", mark)
        first.close()

    def test_killed_member_expires_after_session_timeout_and_survivor_takes_all(self):
        group = self.group()
        survivor = self.start_consumer("survivor", group)
        self.wait_for_all(survivor, "first member alone gets every partition")
        victim = self.start_consumer("victim", group)
        self.wait_for_split([survivor, victim], "two members sharing the partitions")

        mark = survivor.mark()
        coordinator_mark = cluster.coordinator.mark()
        killed_at = time.monotonic()
        victim.kill()  # SIGKILL: no LeaveGroup
        cluster.coordinator.wait_for_log(
            rf"group {group}: member \S+ expired: no heartbeat within its session timeout",
            timeout=DEADLINE, after=coordinator_mark)
        event = self.wait_for_all(survivor, "survivor gets every partition after the expiry",
                                  mark)
        # The session timer was last reset by the victim's last heartbeat before the kill (one
        # heartbeat interval before it, or more if the machine is slow), so nothing can move
        # much before a session timeout has passed; a leave would take milliseconds.
        elapsed = event["t"] - killed_at
        self.assertGreaterEqual(elapsed, SESSION_MS / 2 / 1000, self.diagnostics())
        self.assertFalse(any(re.search(rf"group {group}: member \S+ leaves", line)
                             for line in cluster.coordinator.log_lines()[coordinator_mark:]))
        survivor.close()

    def test_committed_offsets_are_read_back(self):
        group = self.group()
        consumer = self.start_consumer("committer", group)
        self.wait_for_all(consumer, "the only member gets every partition")
        offsets = {(TOPIC, 0): 42, (TOPIC, 3): 7, (TOPIC, 5): 0}
        result = consumer.commit(offsets)
        self.assertEqual([[t, p, o, err] for t, p, o, err in result],
                         [[t, p, o, None] for (t, p), o in sorted(offsets.items())])

        committed = consumer.committed(sorted(ALL))
        self.assertEqual({tp: o for tp, o in committed.items() if tp in offsets}, offsets)
        for tp in ALL - offsets.keys():
            # No offset: librdkafka says OFFSET_INVALID (-1001), kafka-python None.
            self.assertTrue(committed[tp] is None or committed[tp] < 0, committed)

        self.assertEqual(self.admin().list_consumer_group_offsets(group),
                         {TopicPartition(t, p): OffsetAndMetadata(o, "")
                          for (t, p), o in offsets.items()})

        # Committing again moves them.
        consumer.commit({(TOPIC, 0): 43})
        self.assertEqual(consumer.committed([(TOPIC, 0)]), {(TOPIC, 0): 43})
        consumer.close()
        # They outlive the membership (the group is Empty now, not deleted).
        self.assertEqual(self.admin().list_consumer_group_offsets(group)[TopicPartition(TOPIC, 0)],
                         OffsetAndMetadata(43, ""))


class ConfluentMembershipTest(_MembershipTests):
    LIB = "confluent"

    def test_static_member_restart_does_not_rebalance(self):
        group = self.group()
        session_ms = 15000  # ample time to restart a consumer process on a loaded machine

        def static(instance: str) -> dict:
            return self.config(session_ms, **{"group.instance.id": instance})

        leader = self.start_consumer("static-a", group, static("static-a"))
        self.wait_for_all(leader, "first static member alone gets every partition")
        follower = self.start_consumer("static-b", group, static("static-b"))
        before = self.wait_for_split([leader, follower], "two static members sharing")
        formed = cluster.coordinator.wait_for_log(
            rf"group {group}: generation (\d+) formed with 2 members")
        generation = int(re.search(r"generation (\d+) formed", formed)[1])
        cluster.coordinator.wait_for_log(rf"group {group}: generation {generation} is stable")
        admin = self.admin()
        described = admin.describe_consumer_groups([group])[0]
        self.assertEqual((described.state, len(described.members)), ("Stable", 2))

        # Restart the follower, then the leader: each closes without LeaveGroup (static members
        # do not send one) and a new process with the same instance id takes its place.
        survivor, restarted_name, expected = leader, "static-b", before[1]
        for step in ("follower", "leader"):
            with self.subTest(restart=step):
                survivor_mark = survivor.mark()
                coordinator_mark = cluster.coordinator.mark()
                old = follower if step == "follower" else leader
                old.close()
                new = self.start_consumer(f"{restarted_name}-again", group,
                                          static(restarted_name))
                got = new.wait_for_assignment(lambda s: bool(s), DEADLINE,
                                              f"restarted {restarted_name} gets an assignment")
                self.assertEqual(got, expected, self.diagnostics())
                cluster.coordinator.wait_for_log(
                    rf"group {group}: static member {restarted_name} rejoins",
                    after=coordinator_mark)
                log = cluster.coordinator.log_lines()[coordinator_mark:]
                rebalances = [line for line in log if re.search(
                    rf"group {group}: (preparing rebalance|generation \d+ formed"
                    rf"|member \S+ (leaves|expired))", line)]
                self.assertEqual(rebalances, [], self.diagnostics())
                # The other member saw no rebalance callback and kept its partitions.
                self.assertEqual(
                    [e for e in survivor.events[survivor_mark:]
                     if e["event"] in ("assign", "revoke", "assignment")], [],
                    self.diagnostics())
                described = admin.describe_consumer_groups([group])[0]
                self.assertEqual((described.state, len(described.members)), ("Stable", 2))
                assigned = sorted(sorted((t, p) for t, ps in m.member_assignment.assignment
                                         for p in ps) for m in described.members)
                self.assertEqual(assigned, sorted(sorted(s) for s in before))
                if step == "follower":
                    follower = new
                    survivor, restarted_name, expected = follower, "static-a", before[0]
                else:
                    leader = new

        # (That a static member which does not come back is removed by its session timeout is
        # the kill test's scenario; waiting 15 s for it here would add nothing.)
        leader.close()
        follower.close()


class KafkaPythonMembershipTest(_MembershipTests):
    LIB = "kafka-python"


class AdminTest(_GroupTestCase):
    """kafka-python's KafkaAdminClient on a group run by two confluent-kafka consumers."""

    LIB = "confluent"

    def test_list_describe_and_delete_group(self):
        group = self.group()
        admin = self.admin()
        members = {}
        for name in ("admin-a", "admin-b"):
            members[name] = self.start_consumer(name, group, self.config(**{"client.id": name}))
        split = self.wait_for_split(list(members.values()), "two members sharing")
        cluster.coordinator.wait_for_log(rf"group {group}: generation \d+ is stable")
        members["admin-a"].commit({(TOPIC, 1): 11})

        self.assertIn((group, "consumer"), admin.list_consumer_groups())

        [described] = admin.describe_consumer_groups([group])
        self.assertEqual(described.error_code, 0)
        self.assertEqual(described.group, group)
        self.assertEqual(described.state, "Stable")
        self.assertEqual(described.protocol_type, "consumer")
        self.assertIn(described.protocol, ("range", "roundrobin"))
        self.assertEqual(sorted(m.client_id for m in described.members), ["admin-a", "admin-b"])
        by_client = {m.client_id: m for m in described.members}
        for name, consumer in members.items():
            member = by_client[name]
            self.assertTrue(member.member_id.startswith(f"{name}-"), member.member_id)
            self.assertEqual(member.client_host, "/127.0.0.1")  # Kafka: "/" + address
            self.assertEqual(member.member_metadata.subscription, [TOPIC])
            assigned = {(t, p) for t, ps in member.member_assignment.assignment for p in ps}
            self.assertEqual(assigned, consumer.assignment)
        self.assertEqual(sorted(map(len, split)), [3, 3])

        # Not while it has members.
        self.assertEqual(admin.delete_consumer_groups([group]),
                         [(group, kafka.errors.NonEmptyGroupError)])

        for consumer in members.values():
            consumer.close()
        described = wait_until(
            lambda: next((d for d in admin.describe_consumer_groups([group])
                          if d.state == "Empty"), None), DEADLINE, "the group to become Empty",
            watchdog=cluster.problem)
        self.assertEqual((described.members, described.protocol_type), ([], "consumer"))
        self.assertIn((group, "consumer"), admin.list_consumer_groups())
        self.assertEqual(admin.list_consumer_group_offsets(group),
                         {TopicPartition(TOPIC, 1): OffsetAndMetadata(11, "")})

        self.assertEqual(admin.delete_consumer_groups([group]), [(group, kafka.errors.NoError)])
        self.assertNotIn(group, [g for g, _ in admin.list_consumer_groups()])
        [described] = admin.describe_consumer_groups([group])
        self.assertEqual((described.error_code, described.state, described.members),
                         (0, "Dead", []))
        self.assertEqual(admin.list_consumer_group_offsets(group), {})
        self.assertEqual(admin.delete_consumer_groups([group]),
                         [(group, kafka.errors.GroupIdNotFoundError)])


del _MembershipTests  # only its subclasses run

if __name__ == "__main__":
    unittest.main()
