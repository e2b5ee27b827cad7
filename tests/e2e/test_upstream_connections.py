"""A client pointed at a gateway in upstream mode never connects to an upstream broker.

The gateway answers Metadata itself, rewriting every upstream broker to the gateway listener
that stands for it, and FindCoordinator with its own listeners: a client learns no other
address, so every connection it opens goes to a gateway port. Checked for confluent-kafka
(librdkafka 2.0.2) producing, consuming in a group of two, committing and using its admin
client, on two independent records of the client's connections:
    - librdkafka's own debug log (debug=broker: "Connecting to ipv4#HOST:PORT") of the producer
      and admin client (in this process, through a Python logger) and of the consumer
      processes (on their stderr): every address is a gateway listener, and the listener of
      each partition leader is among them (the mock spreads leaders over its brokers at random);
    - the TCP sockets of this process and of the consumer processes, sampled from /proc: no
      peer is a mock broker.
A control first points a producer straight at the mock cluster and checks that both records
report those connections, so the checks cannot pass vacuously.

Run with Debian's interpreter and GROUPWIRE_DEV_UPSTREAM, GROUPWIRE_GATEWAY,
GROUPWIRE_COORDINATOR set (ctest does):
    /usr/bin/python3 -m unittest -v test_upstream_connections.py
"""

import logging
import os
import re
import sys
import threading
import unittest
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from consumer_agent import ConsumerAgent  # noqa: E402
from group_cluster import wait_until  # noqa: E402
from upstream_cluster import ConnectionWatch, UpstreamCluster, check_peers, port_of  # noqa: E402

from confluent_kafka import Producer  # noqa: E402
from confluent_kafka.admin import AdminClient  # noqa: E402

TOPIC, PARTITIONS, N = "routed", 6, 4
ALL = {(TOPIC, p) for p in range(PARTITIONS)}
DEADLINE = 45.0
_CONNECTING = re.compile(r"Connecting to ipv4#([\d.]+):(\d+)")

cluster: UpstreamCluster


def setUpModule():
    global cluster
    cluster = UpstreamCluster(topics={TOPIC: PARTITIONS, "control": 3}).start()


def tearDownModule():
    cluster.stop_cleanly()


class _Lines(logging.Handler):
    def __init__(self):
        super().__init__(logging.DEBUG)
        self.lines: list[str] = []
        self._guard = threading.Lock()

    def emit(self, record):
        with self._guard:
            self.lines.append(record.getMessage())

    def snapshot(self) -> list[str]:
        with self._guard:
            return list(self.lines)


def _logger(name: str, handler: logging.Handler) -> logging.Logger:
    logger = logging.getLogger(name)
    logger.propagate = False
    logger.addHandler(handler)
    logger.setLevel(logging.DEBUG)
    return logger


def _connects(lines, label) -> set[tuple[str, str, int]]:
    return {(label, host, int(port)) for line in lines for host, port in _CONNECTING.findall(line)}


def _produce(bootstrap: str, topic: str, partitions: int, logger: logging.Logger) -> None:
    producer = Producer({"bootstrap.servers": bootstrap, "debug": "broker", "logger": logger,
                         "acks": "all", "linger.ms": 0})
    failures = []
    for p in range(partitions):
        for i in range(N):
            producer.produce(topic, value=f"{topic}-p{p}-r{i}".encode(), partition=p,
                             on_delivery=lambda err, msg: err and failures.append(str(err)))
    assert producer.flush(30) == 0, "records left undelivered"
    assert failures == [], failures


class NoUpstreamConnectionTest(unittest.TestCase):
    def setUp(self):
        self.watch = ConnectionWatch()
        self.addCleanup(self.watch.stop)
        self.watch.watch(os.getpid(), "test process")

    def test_control_a_client_pointed_at_the_mock_is_caught(self):
        lines = _Lines()
        _produce(cluster.upstream.bootstrap, "control", 3, _logger("control.librdkafka", lines))
        seen = self.watch.seen() | _connects(lines.snapshot(), "control producer")
        upstream = [peer for peer in seen if peer[2] in cluster.upstream_ports()]
        self.assertTrue(upstream, f"no connection to the mock seen: {seen}")
        self.assertTrue(any("connected to upstream broker" in problem
                            for problem in check_peers(cluster, seen)))

    def test_confluent_producer_group_and_admin_connect_to_gateway_ports_only(self):
        lines = _Lines()
        logger = _logger("routed.librdkafka", lines)
        _produce(cluster.bootstrap, TOPIC, PARTITIONS, logger)

        # Metadata as the client sees it: the gateway's listeners, under the upstream's ids.
        admin = AdminClient({"bootstrap.servers": cluster.bootstrap, "debug": "broker",
                             "logger": logger})
        metadata = admin.list_topics(TOPIC, timeout=30)
        self.assertEqual({b.id: f"{b.host}:{b.port}" for b in metadata.brokers.values()},
                         cluster.broker_listeners)
        # The mock places leaders at random: usually on several brokers.
        leaders = {p.leader for p in metadata.topics[TOPIC].partitions.values()}
        self.assertLessEqual(leaders, set(cluster.broker_listeners))

        config = {"session.timeout.ms": 4000, "heartbeat.interval.ms": 300,
                  "fetch.wait.max.ms": 100, "debug": "broker"}
        consumers = []
        for name in ("routed-a", "routed-b"):
            consumer = ConsumerAgent("confluent", cluster.bootstrap, "routed-group", [TOPIC],
                                     config, name, watchdog=cluster.problem, report_records=True)
            self.addCleanup(consumer.kill)
            self.watch.watch(consumer.proc.pid, name)
            consumers.append(consumer)

        def split():
            sets = [c.assignment for c in consumers]
            return all(sets) and set().union(*sets) == ALL and sum(map(len, sets)) == len(ALL)

        def everything_consumed():
            got = {(t, p, o) for c in consumers for t, p, o, _ in c.records()}
            return len(got) == PARTITIONS * N
        try:
            wait_until(lambda: split() and everything_consumed(), DEADLINE,
                       "two consumers sharing the topic and reading every record",
                       watchdog=cluster.problem)
        except AssertionError as err:
            self.fail(f"{err}\n" + "\n".join(c.describe() for c in consumers) + cluster.logs())
        for consumer in consumers:
            consumer.commit({tp: N for tp in consumer.assignment})
        self.assertEqual(len([g for g in admin.list_groups("routed-group", timeout=30)
                              if g.state == "Stable"]) > 0, True)
        for consumer in consumers:
            consumer.close()

        seen = self.watch.seen() | _connects(lines.snapshot(), "producer/admin")
        for consumer in consumers:
            seen |= _connects(consumer.stderr_lines(), consumer.name)
        self.assertEqual(check_peers(cluster, seen), [],
                         "\n".join(c.describe() for c in consumers))
        # Not vacuous: the clients reached the bootstrap listener and the listener of every
        # partition leader (the producer and the consumers fetch from the leaders).
        logged_ports = {port for _, _, port in seen}
        self.assertIn(cluster.gateway.port, logged_ports)
        self.assertLessEqual({port_of(cluster.broker_listeners[n]) for n in leaders},
                             logged_ports, seen)
        for consumer in consumers:
            self.assertTrue(_connects(consumer.stderr_lines(), consumer.name),
                            f"{consumer.name} logged no connection: is debug=broker on?")
        self.assertEqual(cluster.refused_requests(), [])


if __name__ == "__main__":
    unittest.main()
