"""Rotating the server certificate and the users file under load: a gateway in upstream mode
(librdkafka's mock upstream, a coordinator) with TLS and SASL SCRAM-SHA-512, its periodic file
check set to 10 minutes so that only SIGHUP reloads.

A confluent-kafka consumer (its own process, consumer_agent.py) heartbeats in a group and
consumes what a confluent-kafka producer (a thread of this process) produces all along. The
certificate and key are replaced by a new pair (CN=gateway-2, same CA), a user is added to the
users file with `groupwire users add`, and the gateway gets SIGHUP. Then:
    - new TLS connections are given the new certificate;
    - the new user logs in;
    - established connections were not dropped: the producer's brokers report no disconnect in
      librdkafka's statistics and no delivery failed; the consumer was never assigned again,
      its rebalance count did not move, it reported no error, and it consumes records
      produced after the rotation.

Run with Debian's interpreter and GROUPWIRE_DEV_UPSTREAM, GROUPWIRE_GATEWAY,
GROUPWIRE_COORDINATOR, GROUPWIRE_CLI set (ctest does):
    /usr/bin/python3 -m unittest -v test_security_rotation.py
"""

import json
import re
import ssl
import sys
import threading
import unittest
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from consumer_agent import ConsumerAgent  # noqa: E402
from group_cluster import wait_until  # noqa: E402
from sasl_wire import NONE, SecureConnection, tls_connect  # noqa: E402
from security_fixtures import SecurityFiles, address, replace_file, sighup  # noqa: E402
from upstream_cluster import UpstreamCluster  # noqa: E402

from confluent_kafka import Producer  # noqa: E402

TOPIC, PARTITIONS = "rotating", 3
DEADLINE = 45.0


def _der(pem: Path) -> bytes:
    return ssl.PEM_cert_to_DER_cert(pem.read_text())


class _ProducerThread:
    """Produces one record every 20 ms until stopped; keeps delivery failures, client errors
    and the brokers' disconnect counts from librdkafka's statistics."""

    def __init__(self, config: dict):
        self.failures: list[str] = []
        self.delivered: list[str] = []
        self.disconnects: dict[str, int] = {}
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self.producer = Producer({**config, "acks": "all", "statistics.interval.ms": 200,
                                  "stats_cb": self._stats, "error_cb": self._error})
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _stats(self, text: str) -> None:
        brokers = json.loads(text).get("brokers", {})
        with self._lock:
            self.disconnects = {name: b.get("disconnects", 0) for name, b in brokers.items()}

    def _error(self, err) -> None:
        with self._lock:
            self.failures.append(f"error_cb: {err}")

    def _delivered(self, err, msg) -> None:
        with self._lock:
            if err is not None:
                self.failures.append(f"delivery: {err}")
            else:
                self.delivered.append(msg.value().decode())

    def _run(self) -> None:
        i = 0
        while not self._stop.wait(0.02):
            self.producer.produce(TOPIC, value=f"r{i}".encode(), partition=i % PARTITIONS,
                                  on_delivery=self._delivered)
            self.producer.poll(0)
            i += 1

    def snapshot(self) -> tuple[list[str], list[str], int]:
        with self._lock:
            return list(self.failures), list(self.delivered), sum(self.disconnects.values())

    def stop(self) -> None:
        """Stops producing, flushes and drops the client (its threads would otherwise go on
        reconnecting after the gateway is gone)."""
        if self.producer is None:
            return
        self._stop.set()
        self._thread.join(10)
        self.producer.flush(30)
        self.producer = None


class RotationTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.sec = SecurityFiles()
        cls.sec.add_user("alice", "alice-secret")
        cls.cluster = UpstreamCluster(topics={TOPIC: PARTITIONS}, gateway_flags=tuple(
            cls.sec.gateway_flags(mechanisms="SCRAM-SHA-512",
                                  extra=("--reload-interval-ms", "600000"))))
        cls.cluster.start()

    @classmethod
    def tearDownClass(cls):
        cls.cluster.stop_cleanly()
        cls.sec.cleanup()

    def test_rotation_under_load(self):
        sec, gateway = self.sec, self.cluster.gateway
        config = {"bootstrap.servers": self.cluster.bootstrap,
                  **sec.librdkafka("alice", "alice-secret")}
        old_cert = _der(sec.server.cert)
        self.assertEqual(tls_connect(address(gateway), sec.ca), old_cert)

        consumer = ConsumerAgent("confluent", self.cluster.bootstrap, "rotation-group", [TOPIC],
                                 config={**config, "session.timeout.ms": 6000,
                                         "heartbeat.interval.ms": 300,
                                         "statistics.interval.ms": 200},
                                 name="consumer", watchdog=self.cluster.problem,
                                 report_records=True)
        self.addCleanup(consumer.kill)
        producer = _ProducerThread(config)
        self.addCleanup(producer.stop)
        everything = {(TOPIC, p) for p in range(PARTITIONS)}
        consumer.wait_for_assignment(lambda a: a == everything, DEADLINE, "every partition")

        def consumed_since(mark: int, count: int):
            return lambda: len(consumer.records(mark)) >= count
        wait_until(consumed_since(0, 20), DEADLINE, "records before the rotation",
                   watchdog=self.cluster.problem)
        stats = consumer.wait_for_event(lambda e: e["event"] == "stats" and e["join_state"] ==
                                        "steady", DEADLINE, "a steady group")
        rebalances = stats["rebalance_cnt"]
        failures, _, disconnects = producer.snapshot()
        self.assertEqual((failures, disconnects), ([], 0))

        # The rotation: a new certificate and key, a new user, SIGHUP.
        new = sec.pki.server("gateway-2")
        replace_file(new.key, sec.server.key)
        replace_file(new.cert, sec.server.cert)
        sec.add_user("dave", "dave-secret")
        mark, consumer_mark = gateway.mark(), consumer.mark()
        sighup(gateway)
        for path in (sec.server.cert, sec.users):
            gateway.wait_for_log(re.compile("reloaded " + re.escape(str(path)) + "$"), after=mark)

        self.assertEqual(tls_connect(address(gateway), sec.ca), _der(new.cert))
        dave = SecureConnection(address(gateway), sec.ca)
        self.addCleanup(dave.close)
        self.assertEqual(dave.login("dave", "dave-secret", "SCRAM-SHA-512").error, NONE)
        alice = SecureConnection(address(gateway), sec.ca)
        self.addCleanup(alice.close)
        self.assertEqual(alice.login("alice", "alice-secret", "SCRAM-SHA-512").error, NONE)

        # The established connections go on: more records produced and consumed on them.
        wait_until(consumed_since(consumer_mark, 50), DEADLINE,
                   "records consumed after the rotation", watchdog=self.cluster.problem)
        failures, delivered, disconnects = producer.snapshot()
        self.assertEqual(failures, [], gateway.log_lines()[mark:])
        self.assertEqual(disconnects, 0, "the producer was disconnected")
        self.assertEqual(consumer.events_of("assign", consumer_mark), [], consumer.describe())
        self.assertEqual(consumer.events_of("error"), [], consumer.describe())
        self.assertEqual(consumer.events_of("stats")[-1]["rebalance_cnt"], rebalances,
                         consumer.describe())
        producer.stop()
        consumer.close()


if __name__ == "__main__":
    unittest.main()
