"""Consumer groups over real records: the gateway in upstream mode in front of librdkafka's mock
cluster (groupwire-dev-upstream, 3 brokers), group APIs answered by the coordinator.

The same scenario for kafka-python, confluent-kafka (librdkafka 2.0.2) and kcat, each on a topic
of its own (6 partitions) that only it uses:
    - two members of one group join and split the partitions (disjoint, covering all);
    - N records per partition are produced with the client's own producer (kcat -P for kcat);
      the two members consume them exactly once between them, each only from its partitions;
      the records are produced after the split, since members that read before a rebalance
      without having committed would legitimately read some again;
    - both commit what they consumed; one leaves cleanly (LeaveGroup, logged by the
      coordinator) and the other gets every partition; N more records per partition are then
      consumed by the survivor, and nothing else (it resumed the leaver's partitions at the
      leaver's committed offsets); it commits and leaves;
    - N more records per partition are produced, and a member started now (auto.offset.reset
      earliest) consumes exactly those: it resumed from the committed offsets;
    - the client's admin API lists, describes and deletes the group where it has one:
      kafka-python's KafkaAdminClient all three; confluent-kafka 1.7.0's AdminClient only has
      list_groups (which lists and describes; deleting needs 2.x); kcat has none.
Every client (the test process's producers and admin clients, and every consumer process) may
connect to the gateway's listeners only, never to a mock broker: checked on the clients' own
connection logs (librdkafka debug=broker, kafka-python's kafka.conn) and on their sockets in
/proc. And the gateway must not have closed a client connection over an unserved request.

Run with Debian's interpreter (python3-kafka, python3-confluent-kafka) and
GROUPWIRE_DEV_UPSTREAM, GROUPWIRE_GATEWAY, GROUPWIRE_COORDINATOR set (ctest does):
    /usr/bin/python3 -m unittest -v test_upstream_groups.py
"""

import logging
import os
import re
import shutil
import subprocess
import sys
import threading
import time
import unittest
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from consumer_agent import ConsumerAgent, split_of  # noqa: E402
from group_cluster import wait_until  # noqa: E402
from upstream_cluster import ConnectionWatch, UpstreamCluster, check_peers  # noqa: E402

import kafka  # noqa: E402
import kafka.errors  # noqa: E402
from kafka.structs import OffsetAndMetadata, TopicPartition  # noqa: E402

PARTITIONS = 6
N = 5  # records per partition and batch
SESSION_MS = 4000
HEARTBEAT_MS = 300
DEADLINE = 45.0  # generous for a loaded 2-core machine; expected waits are ~1 s

# Connection attempts in the clients' own logs.
_LIBRDKAFKA_CONNECT = re.compile(r"Connecting to ipv4#([\d.]+):(\d+)")
_KAFKA_PYTHON_CONNECT = re.compile(r"connecting to ([\d.]+):(\d+)")


class _LogCollector(logging.Handler):
    """Keeps the messages of a Python logger (kafka-python's kafka.conn, confluent's logger)."""

    def __init__(self):
        super().__init__(logging.DEBUG)
        self.lines: list[str] = []
        self._lock2 = threading.Lock()

    def emit(self, record):
        with self._lock2:
            self.lines.append(record.getMessage())

    def snapshot(self) -> list[str]:
        with self._lock2:
            return list(self.lines)


def _connections_in(lines, label: str) -> set[tuple[str, str, int]]:
    found = set()
    for line in lines:
        for regex in (_LIBRDKAFKA_CONNECT, _KAFKA_PYTHON_CONNECT):
            for host, port in regex.findall(line):
                found.add((label, host, int(port)))
    return found


class _AgentMember:
    """A confluent-kafka or kafka-python consumer process (consumer_agent.py)."""

    def __init__(self, agent: ConsumerAgent):
        self.agent = agent
        self.name = agent.name
        self.pid = agent.proc.pid

    @property
    def assignment(self) -> set:
        return self.agent.assignment

    def mark(self) -> int:
        return self.agent.mark()

    def records(self, after: int = 0) -> list[tuple]:
        return self.agent.records(after)

    def wait_for_assignment(self, predicate, what: str, after: int = 0) -> set:
        return self.agent.wait_for_assignment(predicate, DEADLINE, what, after)

    def commit(self, offsets: dict) -> None:
        result = self.agent.commit(offsets)
        errors = [r for r in result if r[3] is not None]
        assert not errors, f"{self.name}: commit errors {errors}\n{self.describe()}"

    def close(self) -> None:
        self.agent.close()

    def kill(self) -> None:
        self.agent.kill()

    def connection_log(self) -> list[str]:
        return self.agent.stderr_lines()

    def describe(self) -> str:
        return self.agent.describe()


class _KcatMember:
    """`kcat -G GROUP TOPIC`: a balanced consumer that prints each record on stdout and its
    rebalances ("% Group G rebalanced (memberid M): assigned: T [P], ...") on stderr. It
    commits by itself (auto commit every 5 s: kcat's -X sets auto.commit.interval.ms on the
    topic configuration, where the consumer ignores it) and on SIGTERM closes the consumer: a
    final commit and LeaveGroup."""

    _REBALANCE = re.compile(r"% Group (\S+) rebalanced \(memberid (\S+)\): (assigned|revoked): (.*)")

    def __init__(self, bootstrap: str, group: str, topic: str, name: str, watchdog):
        self.name = name
        self.watchdog = watchdog
        self.argv = ["kcat", "-b", bootstrap, "-G", group, "-u", "-d", "broker",
                     "-X", f"client.id={name}", "-X", "auto.offset.reset=earliest",
                     "-X", f"session.timeout.ms={SESSION_MS}",
                     "-X", f"heartbeat.interval.ms={HEARTBEAT_MS}",
                     "-X", "fetch.wait.max.ms=100",
                     "-f", "%t %p %o %s\\n", topic]
        self.proc = subprocess.Popen(self.argv, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                     stderr=subprocess.PIPE, text=True, errors="replace")
        self.pid = self.proc.pid
        self._cond = threading.Condition()
        self.events: list[dict] = []  # {"event": "assignment", "partitions": set} or records
        self.stderr: list[str] = []
        self._eof = 0
        self._readers = [threading.Thread(target=self._read_stdout, daemon=True),
                         threading.Thread(target=self._read_stderr, daemon=True)]
        for reader in self._readers:
            reader.start()

    def _read_stdout(self):
        for line in self.proc.stdout:
            parts = line.rstrip("\n").split(" ", 3)
            with self._cond:
                if len(parts) == 4:
                    self.events.append({"event": "records", "records": [
                        (parts[0], int(parts[1]), int(parts[2]), parts[3])]})
                else:
                    self.events.append({"event": "garbage", "line": line})
                self._cond.notify_all()
        with self._cond:
            self._eof += 1
            self._cond.notify_all()

    def _read_stderr(self):
        current: set = set()
        for line in self.proc.stderr:
            line = line.rstrip("\n")
            with self._cond:
                self.stderr.append(line)
                m = self._REBALANCE.search(line)
                if m:
                    partitions = {(t, int(p)) for t, p in re.findall(r"(\S+) \[(\d+)\]", m[4])}
                    current = set(partitions) if m[3] == "assigned" else current - partitions
                    self.events.append({"event": "assignment", "partitions": set(current)})
                self._cond.notify_all()
        with self._cond:
            self._eof += 1
            self._cond.notify_all()

    @property
    def assignment(self) -> set:
        with self._cond:
            for e in reversed(self.events):
                if e["event"] == "assignment":
                    return set(e["partitions"])
        return set()

    def mark(self) -> int:
        with self._cond:
            return len(self.events)

    def records(self, after: int = 0) -> list[tuple]:
        with self._cond:
            return [r for e in self.events[after:] if e["event"] == "records"
                    for r in e["records"]]

    def wait_for_assignment(self, predicate, what: str, after: int = 0) -> set:
        deadline = time.monotonic() + DEADLINE
        index = after
        with self._cond:
            while True:
                for e in self.events[index:]:
                    if e["event"] == "assignment" and predicate(e["partitions"]):
                        return set(e["partitions"])
                index = len(self.events)
                problem = self.watchdog()
                if self._eof or problem or time.monotonic() >= deadline:
                    why = "kcat exited" if self._eof else problem or f"{DEADLINE} s passed"
                    raise AssertionError(f"{self.name}: no assignment {what} ({why})\n"
                                         + self.describe())
                self._cond.wait(0.5)

    def close(self) -> None:
        """SIGTERM: kcat closes its consumer (commit, LeaveGroup) and exits 0."""
        if self.proc.poll() is None:
            self.proc.terminate()
        code = self.proc.wait(30)
        self._cleanup()
        assert code == 0, f"{self.name}: kcat exited with {code}\n{self.describe()}"

    def kill(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
        self.proc.wait(10)
        self._cleanup()

    def _cleanup(self):
        for reader in self._readers:
            reader.join(10)
        for pipe in (self.proc.stdout, self.proc.stderr):
            pipe.close()

    def connection_log(self) -> list[str]:
        with self._cond:
            return list(self.stderr)

    def describe(self) -> str:
        with self._cond:
            events = "\n".join(str(e) for e in self.events)
            interesting = [l for l in self.stderr if l.startswith("%") or "ERROR" in l.upper()]
        return f"-- {self.name} (kcat) events:\n{events}\n-- {self.name} stderr:\n" + \
            "\n".join(interesting[-40:])


class _UpstreamGroupScenario(unittest.TestCase):
    """The scenario; subclasses set LIB and TOPIC and implement the client-specific hooks."""

    LIB = ""
    TOPIC = ""
    # kcat commits on its own, and on close: its survivor and late member are not asked to.
    COMMITS_ON_CLOSE = False
    cluster: UpstreamCluster
    watch: ConnectionWatch

    @classmethod
    def setUpClass(cls):
        cls.cluster = UpstreamCluster(topics={cls.TOPIC: PARTITIONS}).start()
        cls.watch = ConnectionWatch()
        cls.watch.watch(os.getpid(), "test process")
        cls.log_lines = _LogCollector()
        cls.members: list = []

    @classmethod
    def tearDownClass(cls):
        cls.watch.stop()
        cls.cluster.stop_cleanly()

    @property
    def every(self) -> set:
        return {(self.TOPIC, p) for p in range(PARTITIONS)}

    # -- hooks ------------------------------------------------------------------------------

    def produce(self, values: dict[int, list[str]]) -> dict[int, list[int]]:
        """Produces values[p] to partition p, in order. Returns the offsets the producer
        reports per partition (empty lists if it reports none)."""
        raise NotImplementedError

    def start_member(self, name: str, group: str):
        raise NotImplementedError

    def commit(self, member, offsets: dict) -> None:
        member.commit(offsets)

    def check_admin_while_member_runs(self, group: str, member) -> None:
        """The admin API sees the group with its one running member."""

    def check_admin_after_members_left(self, group: str, committed: dict) -> None:
        """The admin API sees the empty group with its offsets, and deletes it."""

    # -- helpers ----------------------------------------------------------------------------

    def track(self, member):
        self.members.append(member)
        self.watch.watch(member.pid, f"{self.LIB} consumer {member.name}")
        self.addCleanup(member.kill)
        return member

    def diagnostics(self) -> str:
        return "\n".join(m.describe() for m in self.members) + "\n" + self.cluster.logs()

    def kafka_python_admin(self) -> kafka.KafkaAdminClient:
        admin = kafka.KafkaAdminClient(bootstrap_servers=self.cluster.bootstrap,
                                       request_timeout_ms=30000)
        self.addCleanup(admin.close)
        return admin

    def committed_offsets(self, group: str) -> dict:
        """The group's committed offsets, read with kafka-python's admin client."""
        admin = getattr(self, "_offsets_admin", None)
        if admin is None:
            admin = self._offsets_admin = self.kafka_python_admin()
        return {(tp.topic, tp.partition): om.offset
                for tp, om in admin.list_consumer_group_offsets(group).items()}

    def produce_batch(self, batch: int) -> dict[tuple, str]:
        """N records per partition; returns {(topic, partition, offset): value}, the offsets
        being those the fresh topic must give them (checked against the producer's report)."""
        values = {p: [f"{self.LIB}-b{batch}-p{p}-r{i}" for i in range(N)]
                  for p in range(PARTITIONS)}
        reported = self.produce(values)
        first = (batch - 1) * N
        expected = {}
        for p, vs in values.items():
            offsets = list(range(first, first + N))
            if reported.get(p):
                self.assertEqual(reported[p], offsets, f"offsets of partition {p}")
            for offset, value in zip(offsets, vs):
                expected[(self.TOPIC, p, offset)] = value
        return expected

    def wait_for_records(self, members_after: list[tuple], expected: dict, what: str) -> list:
        """Waits until the members (each with the event mark to count from) have between them
        consumed every expected record; returns the (member, record) pairs consumed."""
        def consumed():
            pairs = [(m, r) for m, after in members_after for r in m.records(after)]
            got = {(t, p, o): v for _, (t, p, o, v) in pairs}
            return pairs if all(got.get(k) == v for k, v in expected.items()) else None
        try:
            return wait_until(consumed, DEADLINE, what, watchdog=self.cluster.problem)
        except AssertionError as err:
            self.fail(f"{err}\nexpected {len(expected)} records\n{self.diagnostics()}")

    def assert_exactly(self, pairs: list, expected: dict, what: str) -> None:
        counts = Counter((t, p, o, v) for _, (t, p, o, v) in pairs)
        duplicates = {k: c for k, c in counts.items() if c > 1}
        self.assertEqual(duplicates, {}, f"{what}: records consumed more than once\n"
                         + self.diagnostics())
        self.assertEqual(set(counts), {(t, p, o, v) for (t, p, o), v in expected.items()},
                         f"{what}: records consumed other than those expected\n"
                         + self.diagnostics())

    # -- the scenario -----------------------------------------------------------------------

    def test_group_consumes_upstream_records(self):
        group = f"{self.LIB}-upstream-group"
        every = self.every

        first = self.start_member("first", group)
        first.wait_for_assignment(lambda s: s == every, "the first member alone gets all")
        second = self.start_member("second", group)
        try:
            split = wait_until(lambda: split_of([first, second], every), DEADLINE,
                               "two members sharing the partitions", watchdog=self.cluster.problem)
        except AssertionError as err:
            self.fail(f"{err}\n{self.diagnostics()}")
        self.assertEqual(sorted(map(len, split)), [3, 3], self.diagnostics())
        self.cluster.coordinator.wait_for_log(rf"group {group}: generation \d+ is stable",
                                              timeout=DEADLINE)

        # Batch 1: exactly once between the two, each from its own partitions only.
        marks = [(first, first.mark()), (second, second.mark())]
        batch1 = self.produce_batch(1)
        pairs = self.wait_for_records(marks, batch1, "the two members to consume batch 1")
        self.assert_exactly(pairs, batch1, "batch 1")
        for member, own in zip((first, second), split):
            outside = [r for m, r in pairs if m is member and (r[0], r[1]) not in own]
            self.assertEqual(outside, [], f"{member.name} consumed outside its assignment "
                             f"{sorted(own)}\n{self.diagnostics()}")

        # Both commit what they consumed.
        commits = {}
        for member, own in zip((first, second), split):
            offsets = {tp: N for tp in own}
            self.commit(member, offsets)
            commits.update(offsets)
        wait_until(lambda: self.committed_offsets(group) == commits, DEADLINE,
                   "both members' commits to be read back", watchdog=self.cluster.problem)

        # The second leaves cleanly; the first takes everything over and, having resumed at the
        # committed offsets, consumes batch 2 and nothing else.
        mark = first.mark()
        coordinator_mark = self.cluster.coordinator.mark()
        second.close()
        self.cluster.coordinator.wait_for_log(rf"group {group}: member \S+ leaves",
                                              timeout=DEADLINE, after=coordinator_mark)
        first.wait_for_assignment(lambda s: s == every, "the survivor gets every partition",
                                  mark)
        batch2 = self.produce_batch(2)
        pairs = self.wait_for_records([(first, mark)], batch2, "the survivor to consume batch 2")
        self.assert_exactly(pairs, batch2, "the survivor after the leave")
        self.assertFalse(any(re.search(rf"group {group}: member \S+ expired", line)
                             for line in self.cluster.coordinator.log_lines()[coordinator_mark:]))
        survivor_commit = {tp: 2 * N for tp in every}
        if not self.COMMITS_ON_CLOSE:
            self.commit(first, survivor_commit)
        first.close()
        wait_until(lambda: self.committed_offsets(group) == survivor_commit, DEADLINE,
                   "the survivor's commit to be read back", watchdog=self.cluster.problem)

        # A member started later resumes from the committed offsets: batch 3 only.
        batch3 = self.produce_batch(3)
        late = self.start_member("late", group)
        late.wait_for_assignment(lambda s: s == every, "the late member gets every partition")
        pairs = self.wait_for_records([(late, 0)], batch3, "the late member to consume batch 3")
        self.assert_exactly(pairs, batch3, "the late member")
        if not self.COMMITS_ON_CLOSE:
            self.commit(late, {tp: 3 * N for tp in every})
        self.check_admin_while_member_runs(group, late)
        late.close()
        wait_until(lambda: self.committed_offsets(group) == {tp: 3 * N for tp in every},
                   DEADLINE, "the late member's commit to be read back",
                   watchdog=self.cluster.problem)
        self.check_admin_after_members_left(group, {tp: 3 * N for tp in every})

        # Every connection any client made went to the gateway.
        seen = self.watch.seen() | _connections_in(self.log_lines.snapshot(), "test process")
        for member in self.members:
            seen |= _connections_in(member.connection_log(),
                                    f"{self.LIB} consumer {member.name}")
        self.assertTrue(any(port == self.cluster.gateway.port for _, _, port in seen), seen)
        self.assertEqual(check_peers(self.cluster, seen), [], self.diagnostics())
        self.assertEqual(self.cluster.refused_requests(), [], self.diagnostics())


class _AgentScenario(_UpstreamGroupScenario):
    def member_config(self) -> dict:
        raise NotImplementedError

    def start_member(self, name: str, group: str):
        agent = ConsumerAgent(self.LIB, self.cluster.bootstrap, group, [self.TOPIC],
                              self.member_config(), name, watchdog=self.cluster.problem,
                              report_records=True, log_connections=True)
        return self.track(_AgentMember(agent))


class KafkaPythonUpstreamTest(_AgentScenario):
    LIB = "kafka-python"
    TOPIC = "kafka-python-orders"

    def setUp(self):
        conn_log = logging.getLogger("kafka.conn")
        conn_log.addHandler(self.log_lines)
        conn_log.setLevel(logging.INFO)
        self.addCleanup(conn_log.removeHandler, self.log_lines)

    def member_config(self) -> dict:
        return {"session_timeout_ms": SESSION_MS, "heartbeat_interval_ms": HEARTBEAT_MS,
                "fetch_max_wait_ms": 100}

    def produce(self, values):
        producer = kafka.KafkaProducer(bootstrap_servers=self.cluster.bootstrap, acks="all",
                                       linger_ms=0)
        try:
            futures = {p: [producer.send(self.TOPIC, value=v.encode(), partition=p) for v in vs]
                       for p, vs in values.items()}
            reported = {}
            for p, fs in futures.items():
                metadata = [f.get(timeout=30) for f in fs]
                self.assertEqual({m.partition for m in metadata}, {p})
                reported[p] = [m.offset for m in metadata]
            return reported
        finally:
            producer.close(timeout=10)

    def check_admin_while_member_runs(self, group, member):
        admin = self.kafka_python_admin()
        listed = admin.list_consumer_groups()
        self.assertEqual([g for g in listed if g[0] == group], [(group, "consumer")], listed)
        [described] = admin.describe_consumer_groups([group])
        self.assertEqual((described.error_code, described.group, described.state,
                          described.protocol_type), (0, group, "Stable", "consumer"))
        [m] = described.members
        self.assertEqual(m.client_id, "kafka-python-2.0.2")
        self.assertEqual(m.member_metadata.subscription, [self.TOPIC])
        self.assertEqual({(t, p) for t, ps in m.member_assignment.assignment for p in ps},
                         self.every)
        self.assertEqual(admin.delete_consumer_groups([group]),
                         [(group, kafka.errors.NonEmptyGroupError)])

    def check_admin_after_members_left(self, group, committed):
        admin = self.kafka_python_admin()
        described = wait_until(
            lambda: next((d for d in admin.describe_consumer_groups([group])
                          if d.state == "Empty"), None), DEADLINE, "the group to become Empty",
            watchdog=self.cluster.problem)
        self.assertEqual(described.members, [])
        self.assertEqual(admin.list_consumer_group_offsets(group),
                         {TopicPartition(t, p): OffsetAndMetadata(o, "")
                          for (t, p), o in committed.items()})
        self.assertEqual(admin.delete_consumer_groups([group]), [(group, kafka.errors.NoError)])
        self.assertNotIn(group, [g for g, _ in admin.list_consumer_groups()])
        [described] = admin.describe_consumer_groups([group])
        self.assertEqual((described.state, described.members), ("Dead", []))
        self.assertEqual(admin.list_consumer_group_offsets(group), {})


class ConfluentUpstreamTest(_AgentScenario):
    LIB = "confluent"
    TOPIC = "confluent-orders"

    def member_config(self) -> dict:
        return {"session.timeout.ms": SESSION_MS, "heartbeat.interval.ms": HEARTBEAT_MS,
                "fetch.wait.max.ms": 100, "debug": "broker"}

    def confluent_config(self, **extra) -> dict:
        logger = logging.getLogger("upstream-test.librdkafka")
        logger.propagate = False
        if self.log_lines not in logger.handlers:
            logger.addHandler(self.log_lines)
        logger.setLevel(logging.DEBUG)
        return {"bootstrap.servers": self.cluster.bootstrap, "debug": "broker",
                "logger": logger, **extra}

    def produce(self, values):
        from confluent_kafka import Producer
        producer = Producer(self.confluent_config(acks="all", **{"linger.ms": 0}))
        reported: dict[int, list[int]] = {p: [] for p in values}
        failures = []

        def delivered(err, msg):
            if err is not None:
                failures.append(str(err))
            else:
                reported[msg.partition()].append(msg.offset())

        for p, vs in values.items():
            for v in vs:
                producer.produce(self.TOPIC, value=v.encode(), partition=p, on_delivery=delivered)
        self.assertEqual(producer.flush(30), 0, "records left undelivered")
        self.assertEqual(failures, [])
        return {p: sorted(o) for p, o in reported.items()}

    def _groups(self, group=None, check_unique: bool = True) -> list:
        """AdminClient.list_groups(): librdkafka's rd_kafka_list_groups() asks every broker
        for the groups it coordinates (ListGroups) and describes them (DescribeGroups). As
        from a real cluster, where one broker coordinates a group, each group must come back
        once (checked as a subtest, so that the rest of the scenario still runs)."""
        from confluent_kafka.admin import AdminClient
        admin = AdminClient(self.confluent_config())
        listed = admin.list_groups(group, timeout=30)
        for name, count in Counter(g.id for g in listed).items() if check_unique else ():
            with self.subTest(f"list_groups({group!r}) returns {name} once"):
                self.assertEqual(count, 1, f"list_groups({group!r}) returned {name} {count} "
                                 f"times, from brokers {sorted(g.broker.id for g in listed if g.id == name)}")
        return list({g.id: g for g in listed}.values())

    def check_admin_while_member_runs(self, group, member):
        self.assertIn(group, [g.id for g in self._groups()])
        [described] = self._groups(group)
        self.assertEqual((described.id, described.error, described.state,
                          described.protocol_type), (group, None, "Stable", "consumer"))
        self.assertIn(described.protocol, ("range", "roundrobin"))
        [m] = described.members
        self.assertEqual(m.client_id, "rdkafka")
        self.assertEqual(m.client_host, "/127.0.0.1")
        self.assertTrue(m.assignment, "the member's assignment is empty")

    def check_admin_after_members_left(self, group, committed):
        described = wait_until(
            lambda: next((g for g in self._groups(group, check_unique=False)
                          if g.state == "Empty"), None),
            DEADLINE, "the group to become Empty", watchdog=self.cluster.problem)
        self.assertEqual((described.members, described.protocol_type), ([], "consumer"))
        # confluent-kafka 1.7.0's AdminClient cannot delete a group (delete_consumer_groups
        # came in 2.0); this client's part ends here.


class KcatUpstreamTest(_UpstreamGroupScenario):
    LIB = "kcat"
    TOPIC = "kcat-orders"
    COMMITS_ON_CLOSE = True

    @classmethod
    def setUpClass(cls):
        if shutil.which("kcat") is None:
            raise AssertionError("kcat missing: run deploy/install-deps.sh test")
        super().setUpClass()

    def start_member(self, name, group):
        return self.track(_KcatMember(self.cluster.bootstrap, group, self.TOPIC, name,
                                      self.cluster.problem))

    def produce(self, values):
        for p, vs in values.items():
            done = subprocess.run(
                ["kcat", "-P", "-b", self.cluster.bootstrap, "-t", self.TOPIC, "-p", str(p),
                 "-d", "broker", "-X", "acks=all"],
                input="".join(v + "\n" for v in vs), capture_output=True, text=True,
                timeout=60)
            self.log_lines.lines.extend(done.stderr.splitlines())
            self.assertEqual(done.returncode, 0, f"kcat -P failed:\n{done.stderr[-3000:]}")
        return {}

    def commit(self, member, offsets):
        # kcat commits by itself (auto commit): wait until its offsets are committed.
        group = member.argv[member.argv.index("-G") + 1]
        wait_until(lambda: all(self.committed_offsets(group).get(tp) == o
                               for tp, o in offsets.items()), DEADLINE,
                   f"{member.name}'s automatic commit of {offsets}",
                   watchdog=self.cluster.problem)

    def check_admin_after_members_left(self, group, committed):
        # kcat has no group admin; its last commit (on close) is what the group keeps.
        self.assertEqual(self.committed_offsets(group), committed)


del _UpstreamGroupScenario, _AgentScenario  # only the concrete clients run

if __name__ == "__main__":
    unittest.main()
