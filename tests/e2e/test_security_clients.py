"""Real clients over SASL_SSL: a gateway in upstream mode (librdkafka's mock upstream, a
coordinator) with TLS on every listener and SASL PLAIN, SCRAM-SHA-256 and SCRAM-SHA-512
against a users file written by `groupwire users add`.

    - kcat (SCRAM-SHA-512): produces N records, then consumes them in a group (-G, -c N) and
      commits on exit; the group's committed offsets are the topic's end offsets;
    - confluent-kafka (librdkafka 2.0.2, SCRAM-SHA-512): produces, consumes in a group,
      commits, committed() reads the commit back; its AdminClient lists the group with its
      member (confluent-kafka 1.7.0 has list_groups only: list_consumer_groups and
      describe_consumer_groups came in 2.x);
    - kafka-python (SaslHandshake v0 and bare tokens) with SCRAM-SHA-256 and with PLAIN:
      consumes in a group, commits, committed() reads it back.
Each client connects to gateway listeners only (its sockets sampled from /proc), no login
fails and no connection is closed over a refused request.

Run with Debian's interpreter and GROUPWIRE_DEV_UPSTREAM, GROUPWIRE_GATEWAY,
GROUPWIRE_COORDINATOR, GROUPWIRE_CLI set (ctest does):
    /usr/bin/python3 -m unittest -v test_security_clients.py
"""

import os
import re
import subprocess
import sys
import time
import unittest
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from group_cluster import wait_until  # noqa: E402
from security_fixtures import SecurityFiles, kcat_flags, poll_values  # noqa: E402
from upstream_cluster import ConnectionWatch, UpstreamCluster, check_peers  # noqa: E402

import kafka  # noqa: E402
from confluent_kafka import Consumer, Producer, TopicPartition  # noqa: E402
from confluent_kafka.admin import AdminClient  # noqa: E402
from kafka.structs import TopicPartition as KafkaPythonTopicPartition  # noqa: E402

PARTITIONS = 3
N = 12
DEADLINE = 45.0
USERS = {"alice": ("alice-secret-512", "SCRAM-SHA-512"), "bob": ("bob-secret-256", "SCRAM-SHA-256")}
_LOGIN_FAILED = re.compile(r"authentication failed|before SASL authentication|TLS handshake failed")


class SecurityClientsTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.sec = SecurityFiles()
        for user, (password, mechanism) in USERS.items():
            cls.sec.add_user(user, password, mechanism)
        topics = {t: PARTITIONS for t in ("kcat-orders", "confluent-orders", "sha256-orders",
                                          "plain-orders")}
        cls.cluster = UpstreamCluster(topics=topics, gateway_flags=tuple(cls.sec.gateway_flags()))
        cls.cluster.start()
        cls.watch = ConnectionWatch()
        cls.watch.watch(os.getpid(), "test process")

    @classmethod
    def tearDownClass(cls):
        cls.watch.stop()
        cls.cluster.stop_cleanly()
        cls.sec.cleanup()

    def setUp(self):
        self.mark = self.cluster.gateway.mark()

    def tearDown(self):
        lines = self.cluster.gateway.log_lines()[self.mark:]
        refused = [l for l in lines if _LOGIN_FAILED.search(l)]
        self.assertEqual(refused, [], self.cluster.logs())
        self.assertEqual(self.cluster.refused_requests(), [], self.cluster.logs())
        self.assertEqual(check_peers(self.cluster, self.watch.seen()), [], self.cluster.logs())

    def confluent(self, user: str) -> dict:
        password, mechanism = USERS[user]
        return {"bootstrap.servers": self.cluster.bootstrap,
                **self.sec.librdkafka(user, password, mechanism)}

    def produce_confluent(self, topic: str, user: str = "alice") -> None:
        errors = []
        producer = Producer({**self.confluent(user), "acks": "all",
                             "error_cb": lambda err: errors.append(str(err))})
        for i in range(N):
            producer.produce(topic, value=f"{topic}-{i}".encode(), partition=i % PARTITIONS,
                             on_delivery=lambda err, msg: err and errors.append(str(err)))
        self.assertEqual(producer.flush(30), 0, "records left unsent")
        self.assertEqual(errors, [], self.cluster.logs())

    def committed_confluent(self, group: str, topic: str) -> dict[int, int]:
        consumer = Consumer({**self.confluent("alice"), "group.id": group})
        try:
            got = consumer.committed([TopicPartition(topic, p) for p in range(PARTITIONS)], 15)
            return {tp.partition: tp.offset for tp in got}
        finally:
            consumer.close()

    def test_kcat_scram_sha_512_produce_consume_commit(self):
        topic, group = "kcat-orders", "kcat-group"
        sec = kcat_flags(self.sec.librdkafka("alice", *USERS["alice"]))
        values = [f"kcat-{i}" for i in range(N)]
        produced = subprocess.run(["kcat", "-P", "-b", self.cluster.bootstrap, "-t", topic, *sec],
                                  input="\n".join(values) + "\n", capture_output=True, text=True,
                                  timeout=60)
        self.assertEqual(produced.returncode, 0, produced.stderr + self.cluster.logs())

        consumer = subprocess.Popen(
            ["kcat", "-b", self.cluster.bootstrap, "-G", group, *sec,
             "-X", "auto.offset.reset=earliest", "-e", "-c", str(N), "-f", "%p %o %s\\n", topic],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        self.watch.watch(consumer.pid, "kcat consumer")
        out, err = consumer.communicate(timeout=60)
        self.assertEqual(consumer.returncode, 0, err + self.cluster.logs())
        consumed = [line.split(" ", 2) for line in out.splitlines()]
        self.assertEqual(sorted(v for _, _, v in consumed), sorted(values), out + err)

        # kcat commits what it consumed when it closes its consumer.
        ends = {}
        for p, offset, _ in consumed:
            ends[int(p)] = max(ends.get(int(p), 0), int(offset) + 1)
        self.assertEqual(sum(ends.values()), N)
        self.assertEqual({p: o for p, o in self.committed_confluent(group, topic).items()
                          if o >= 0}, ends, err + self.cluster.logs())

    def test_confluent_kafka_produce_consume_commit_admin(self):
        topic, group = "confluent-orders", "confluent-group"
        self.produce_confluent(topic)
        errors = []
        consumer = Consumer({**self.confluent("alice"), "group.id": group,
                             "enable.auto.commit": False, "auto.offset.reset": "earliest",
                             "error_cb": lambda err: errors.append(str(err))})
        try:
            consumer.subscribe([topic])
            values = [v.decode() for v in poll_values(consumer, lambda vs: len(vs) >= N, DEADLINE)]
            self.assertEqual(sorted(values), sorted(f"{topic}-{i}" for i in range(N)),
                             f"{errors}\n{self.cluster.logs()}")
            done = consumer.commit(asynchronous=False)
            self.assertEqual([tp.error for tp in done if tp.error], [])
            got = consumer.committed([TopicPartition(topic, p) for p in range(PARTITIONS)], 15)
            self.assertEqual({tp.partition: tp.offset for tp in got},
                             {p: N // PARTITIONS for p in range(PARTITIONS)})

            admin = AdminClient(self.confluent("alice"))
            [listed] = admin.list_groups(group, timeout=15)
            self.assertEqual((listed.id, listed.state, listed.protocol_type),
                             (group, "Stable", "consumer"), vars(listed))
            self.assertEqual(len(listed.members), 1, vars(listed))
            self.assertIn(group, [g.id for g in admin.list_groups(timeout=15)])
            self.assertEqual(errors, [])
        finally:
            consumer.close()

    def kafka_python_group(self, topic: str, user: str, mechanism: str) -> None:
        password = USERS[user][0]
        self.produce_confluent(topic)
        group = f"{topic}-group"
        consumer = kafka.KafkaConsumer(
            topic, bootstrap_servers=self.cluster.bootstrap, group_id=group,
            enable_auto_commit=False, auto_offset_reset="earliest",
            **self.sec.kafka_python(user, password, mechanism))
        try:
            values = []
            deadline = time.monotonic() + DEADLINE
            while len(values) < N and time.monotonic() < deadline:
                for records in consumer.poll(timeout_ms=200).values():
                    values += [r.value.decode() for r in records]
            self.assertEqual(sorted(values), sorted(f"{topic}-{i}" for i in range(N)),
                             self.cluster.logs())
            consumer.commit()
            partitions = [KafkaPythonTopicPartition(topic, p) for p in range(PARTITIONS)]
            self.assertEqual({tp.partition: consumer.committed(tp) for tp in partitions},
                             {p: N // PARTITIONS for p in range(PARTITIONS)})
        finally:
            consumer.close()
        # The same commit, read by another client of another user.
        wait_until(lambda: self.committed_confluent(group, topic) == {
            p: N // PARTITIONS for p in range(PARTITIONS)}, 10, "the commit to be visible",
            watchdog=self.cluster.problem)

    def test_kafka_python_scram_sha_256_group(self):
        self.kafka_python_group("sha256-orders", "bob", "SCRAM-SHA-256")

    def test_kafka_python_plain_group(self):
        # PLAIN is checked against bob's stored SCRAM-SHA-256 credential.
        self.kafka_python_group("plain-orders", "bob", "PLAIN")


if __name__ == "__main__":
    unittest.main()
