"""The coordinator process dies (SIGKILL) and comes back on the same port; the gateway and the
Kafka clients stay up.

    - While it is down, every group API through the gateway answers
      COORDINATOR_LOAD_IN_PROGRESS (14) within a bounded time, on the same client connection (the gateway does not close
      it); kafka-python's own encoder builds the requests. A JoinGroup parked in the
      coordinator when it dies gets 14 too, at once rather than after its rebalance timeout.
    - Once it is back, the same connection reaches it again (the gateway reconnects by itself),
      and what was stored before the crash is there: the member of the last completed
      generation heartbeats with the same generation, its committed offset reads back.
    - A Stable group of static confluent-kafka members survives the restart with no rebalance:
      no assignment callback fires, and each member's commit, which carries its member id and
      generation, is accepted after the restart, one session timeout later too (their
      heartbeats kept them in). Neither the gateway nor the consumers are restarted.

Run with Debian's interpreter (python3-kafka, python3-confluent-kafka):
    /usr/bin/python3 -m unittest -v test_coordinator_restart.py
"""

import sys
import time
import unittest
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from consumer_agent import ConsumerAgent, split_of  # noqa: E402
from group_cluster import GroupCluster, wait_until  # noqa: E402
from raw_group_client import (COORDINATOR_LOAD_IN_PROGRESS, NONE, RawGroupClient,  # noqa: E402
                              subscription)

from kafka.protocol.admin import (DeleteGroupsRequest, DescribeGroupsRequest,  # noqa: E402
                                  ListGroupsRequest)
from kafka.protocol.commit import OffsetFetchRequest  # noqa: E402
from kafka.protocol.group import (HeartbeatRequest, JoinGroupRequest,  # noqa: E402
                                  LeaveGroupRequest, SyncGroupRequest)

TOPIC, PARTITIONS = "orders", 4
ALL = {(TOPIC, p) for p in range(PARTITIONS)}
# The bound asked of the gateway for an answer while the coordinator is down (its
# --coordinator-timeout-ms defaults to 5000; a refused connection should fail much faster).
ANSWER_BOUND = 10.0
DEADLINE = 45.0


class CoordinatorRestartTest(unittest.TestCase):
    def setUp(self):
        self.cluster = GroupCluster(topics={TOPIC: PARTITIONS}).start()
        self.addCleanup(self.cluster.stop)
        self.consumers: list[ConsumerAgent] = []

    def diagnostics(self) -> str:
        return "\n".join(c.describe() for c in self.consumers) + "\n" + self.cluster.logs()

    def restart_coordinator(self) -> None:
        port = self.cluster.coordinator.port
        self.cluster.coordinator.start()
        self.assertEqual(self.cluster.coordinator.port, port)

    def timed(self, what: str, call):
        started = time.monotonic()
        result = call()
        elapsed = time.monotonic() - started
        self.assertLess(elapsed, ANSWER_BOUND, f"{what} took {elapsed:.1f} s")
        return result

    def test_group_apis_answer_coordinator_load_in_progress_while_it_is_down(self):
        raw = RawGroupClient(self.cluster.bootstrap, self.cluster.gateway.node_id)
        self.addCleanup(raw.close)
        group = "restart-raw"
        generation, member = raw.form_group(group, TOPIC, PARTITIONS)
        self.assertEqual(raw.heartbeat(group, generation, member, 1), NONE)
        self.assertEqual(raw.commit(group, generation, member, {(TOPIC, 0): 1}, 2),
                         {(TOPIC, 0): NONE})
        sock = raw.socket()
        # A second member's JoinGroup is parked in the coordinator (waiting for the first member
        # to rejoin) when it dies: a long poll, not bounded by --coordinator-timeout-ms.
        parked = RawGroupClient(self.cluster.bootstrap, self.cluster.gateway.node_id)
        self.addCleanup(parked.close)
        mark = self.cluster.coordinator.mark()
        parked_join = parked.join(group, rebalance_timeout_ms=120000)
        self.cluster.coordinator.wait_for_log(rf"group {group}: member \S+ joins \(2 members\)",
                                              timeout=DEADLINE, after=mark)

        self.cluster.coordinator.kill()
        na = COORDINATOR_LOAD_IN_PROGRESS
        with self.subTest(api="JoinGroup parked in the coordinator"):
            self.assertEqual(self.timed("parked JoinGroup", lambda: parked.wait(
                parked_join, timeout=ANSWER_BOUND + 5)).error_code, na)
            self.assertTrue(parked.connected())
        for v in range(len(HeartbeatRequest)):
            with self.subTest(api="Heartbeat", version=v):
                self.assertEqual(self.timed("Heartbeat", lambda: raw.heartbeat(
                    group, generation, member, v)), na)
        for v in (2, 3):
            with self.subTest(api="OffsetCommit", version=v):
                self.assertEqual(self.timed("OffsetCommit", lambda: raw.commit(
                    group, generation, member, {(TOPIC, 0): 2, (TOPIC, 1): 3}, v)),
                    {(TOPIC, 0): na, (TOPIC, 1): na})

        # Every other group API too.
        protocols = [("range", subscription(TOPIC))]
        checks = {
            "JoinGroup": (JoinGroupRequest[2](group, 10000, 30000, "", "consumer", protocols),
                          lambda r: r.error_code),
            "SyncGroup": (SyncGroupRequest[1](group, generation, member, []),
                          lambda r: r.error_code),
            "LeaveGroup": (LeaveGroupRequest[1](group, member), lambda r: r.error_code),
            "OffsetFetch v1": (OffsetFetchRequest[1](group, [(TOPIC, [0, 1])]),
                               lambda r: {e for _, ps in r.topics for _, _, _, e in ps}),
            "OffsetFetch v3": (OffsetFetchRequest[3](group, [(TOPIC, [0, 1])]),
                               lambda r: r.error_code),
            "DescribeGroups": (DescribeGroupsRequest[1]([group]),
                               lambda r: {g[0] for g in r.groups}),
            "ListGroups": (ListGroupsRequest[1](), lambda r: r.error_code),
            "DeleteGroups": (DeleteGroupsRequest[1]([group]),
                             lambda r: {e for _, e in r.results}),
        }
        for api, (request, error_of) in checks.items():
            with self.subTest(api=api):
                response = self.timed(api, lambda: raw.call(request))
                self.assertIn(error_of(response), (na, {na}), f"{api}: {response}")

        # All answered on the connection the client had before the coordinator died.
        self.assertIs(raw.socket(), sock)
        self.assertTrue(raw.connected())

        self.restart_coordinator()
        # The gateway reconnects by itself: poll (bounded) until the answer is no longer 15.
        def answer_other_than_15():
            code = raw.heartbeat(group, generation, member, 1)
            return None if code == na else (code,)

        code, = wait_until(answer_other_than_15, DEADLINE,
                           "a Heartbeat answer other than COORDINATOR_LOAD_IN_PROGRESS",
                           interval=0.2, watchdog=self.cluster.problem)
        self.assertEqual(code, NONE, self.diagnostics())
        # The group came back from the database: same member, same generation, same offset.
        self.cluster.coordinator.wait_for_log(r"loaded \d+ groups", timeout=DEADLINE)
        self.assertEqual(raw.heartbeat(group, generation, member, 1), NONE)
        fetched = raw.call(OffsetFetchRequest[3](group, [(TOPIC, [0])]))
        self.assertEqual([(t, [(p, o) for p, o, _, _ in ps]) for t, ps in fetched.topics],
                         [(TOPIC, [(0, 1)])])
        # A new group forms and commits on the restarted coordinator, still over the same
        # connection.
        generation2, member2 = raw.form_group("restart-raw-after", TOPIC, PARTITIONS)
        self.assertEqual(raw.commit("restart-raw-after", generation2, member2, {(TOPIC, 3): 9},
                                    3), {(TOPIC, 3): NONE})
        self.assertIs(raw.socket(), sock)
        self.assertIsNone(self.cluster.gateway.proc.poll())
        self.cluster.stop_cleanly()  # both exit 0 on SIGTERM (no crash, no sanitizer report)

    def test_stable_static_group_survives_restart_without_rebalance(self):
        group = "restart-static"
        session_s = 6.0
        config = {"session.timeout.ms": int(session_s * 1000), "heartbeat.interval.ms": 250}
        for name in ("first", "second"):
            consumer = ConsumerAgent("confluent", self.cluster.bootstrap, group, [TOPIC],
                                     {**config, "group.instance.id": name}, name,
                                     watchdog=self.cluster.problem)
            self.addCleanup(consumer.kill)
            self.consumers.append(consumer)
        try:
            sets = wait_until(lambda: split_of(self.consumers, ALL), DEADLINE,
                              "two members sharing the partitions", watchdog=self.cluster.problem)
        except AssertionError as err:
            self.fail(f"{err}\n{self.diagnostics()}")
        # Stable once both have committed with their generation.
        for consumer, mine in zip(self.consumers, sets):
            consumer.commit({tp: 1 for tp in mine})
        gateway_pid = self.cluster.gateway.proc.pid

        marks = [c.mark() for c in self.consumers]
        coordinator_mark = self.cluster.coordinator.mark()
        self.cluster.coordinator.kill()
        self.restart_coordinator()
        self.cluster.coordinator.wait_for_log(r"loaded [1-9]\d* groups", timeout=DEADLINE,
                                              after=coordinator_mark)
        loaded_at = time.monotonic()

        # A commit carries the member id and generation: accepted means still the same member of
        # the same generation. Once more a session timeout after loading: by then only
        # heartbeats can have kept the members in.
        for round_ in (2, 3):
            if round_ == 3:
                wait_until(lambda: time.monotonic() - loaded_at > session_s + 1, DEADLINE,
                           "a session timeout since the restart")
            for consumer, mine in zip(self.consumers, sets):
                committed = wait_until(lambda: self._try_commit(consumer, mine, round_), DEADLINE,
                                       f"{consumer.name}'s commit {round_} accepted",
                                       watchdog=self.cluster.problem)
                self.assertEqual(committed, {tp: round_ for tp in mine})

        for consumer, mark in zip(self.consumers, marks):
            rebalances = [e for e in consumer.events[mark:] if e["event"] in ("assign", "revoke")]
            self.assertEqual(rebalances, [], consumer.describe())
        self.assertEqual(split_of(self.consumers, ALL), sets)
        restarted_log = self.cluster.coordinator.log_lines()[coordinator_mark:]
        self.assertFalse([l for l in restarted_log if f"group {group}: preparing rebalance" in l],
                         self.diagnostics())

        # Nothing but the coordinator was restarted.
        self.assertEqual(self.cluster.gateway.proc.pid, gateway_pid)
        self.assertIsNone(self.cluster.gateway.proc.poll())
        for consumer in self.consumers:
            self.assertIsNone(consumer.proc.poll(), consumer.describe())
        for consumer in self.consumers:
            consumer.close()
        self.cluster.stop_cleanly()

    @staticmethod
    def _try_commit(consumer: ConsumerAgent, partitions, value: int):
        """The partitions' offsets after committing `value`, or None while the client still
        reports the coordinator as unavailable (it retries until it finds it again)."""
        try:
            result = consumer.commit({tp: value for tp in partitions})
        except AssertionError as err:
            if "COORDINATOR" in str(err) or "NOT_COORDINATOR" in str(err):
                return None
            raise
        if any(error is not None for _, _, _, error in result):
            if all("COORDINATOR" in error for _, _, _, error in result if error):
                return None
            raise AssertionError(f"{consumer.name}: commit {value}: {result}")
        return {(t, p): o for t, p, o, _ in result}


if __name__ == "__main__":
    unittest.main()
