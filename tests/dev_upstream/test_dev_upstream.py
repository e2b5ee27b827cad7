"""groupwire-dev-upstream (librdkafka's mock cluster as a process) works as a Kafka broker.

The binary comes from GROUPWIRE_DEV_UPSTREAM. Each test starts its own process, reads the
"bootstrap HOST:PORT,..." line it prints once ready (no sleeps), talks to it with confluent_kafka
and stops it with a signal, which must end it with exit code 0.
"""

import os
import select
import signal
import subprocess
import tempfile
import time
import unittest

from confluent_kafka import OFFSET_BEGINNING, Consumer, KafkaError, Producer, TopicPartition
from confluent_kafka.admin import AdminClient

BINARY = os.environ.get("GROUPWIRE_DEV_UPSTREAM")
STARTUP_TIMEOUT_S = 30
CLIENT_TIMEOUT_S = 30


class DevUpstream:
    """One groupwire-dev-upstream process; `bootstrap` is what it printed."""

    def __init__(self, *args):
        self.stderr = tempfile.TemporaryFile()
        self.proc = subprocess.Popen([BINARY, *args], stdout=subprocess.PIPE,
                                     stderr=self.stderr, stdin=subprocess.DEVNULL)
        self.bootstrap = self._read_bootstrap_line()

    def _read_bootstrap_line(self):
        ready, _, _ = select.select([self.proc.stdout], [], [], STARTUP_TIMEOUT_S)
        line = self.proc.stdout.readline().decode() if ready else ""
        if not line.startswith("bootstrap "):
            self.proc.kill()
            self.proc.wait()
            raise AssertionError(f"no bootstrap line (got {line!r}); stderr:\n{self.log()}")
        return line.split(" ", 1)[1].strip()

    def log(self):
        self.stderr.seek(0)
        return self.stderr.read().decode(errors="replace")

    def stop(self, sig=signal.SIGTERM):
        """Sends sig and returns the exit code."""
        self.proc.send_signal(sig)
        try:
            return self.proc.wait(timeout=CLIENT_TIMEOUT_S)
        finally:
            self.proc.stdout.close()

    def kill(self):
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()
        self.proc.stdout.close()
        self.stderr.close()


class DevUpstreamTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        if not BINARY:
            raise unittest.SkipTest("set GROUPWIRE_DEV_UPSTREAM to the groupwire-dev-upstream binary")

    def start(self, *args):
        upstream = DevUpstream(*args)
        self.addCleanup(upstream.kill)
        return upstream

    def assert_stops_cleanly(self, upstream, sig=signal.SIGTERM):
        code = upstream.stop(sig)
        self.assertEqual(code, 0, f"exit code {code} after {sig.name}; stderr:\n{upstream.log()}")

    def test_bootstrap_line_names_every_broker_on_loopback(self):
        upstream = self.start("--brokers", "4")
        addresses = upstream.bootstrap.split(",")
        self.assertEqual(len(addresses), 4, upstream.bootstrap)
        for address in addresses:
            host, port = address.rsplit(":", 1)
            self.assertEqual(host, "127.0.0.1")
            self.assertGreater(int(port), 0)
        self.assertEqual(len(set(addresses)), 4)
        self.assertIn(f"bootstrap {upstream.bootstrap}", upstream.log())
        self.assert_stops_cleanly(upstream)

    def test_metadata_lists_the_brokers_and_topics_given(self):
        upstream = self.start("--brokers", "2", "--topic", "orders:4", "--topic", "payments:2",
                              "--topic", "single:1")
        admin = AdminClient({"bootstrap.servers": upstream.bootstrap})
        metadata = admin.list_topics(timeout=CLIENT_TIMEOUT_S)
        self.assertEqual(sorted(metadata.brokers), [1, 2])
        listed = {f"{b.host}:{b.port}" for b in metadata.brokers.values()}
        self.assertEqual(listed, set(upstream.bootstrap.split(",")))
        partitions = {name: len(t.partitions) for name, t in metadata.topics.items()}
        self.assertEqual(partitions, {"orders": 4, "payments": 2, "single": 1})
        for topic in metadata.topics.values():
            self.assertIsNone(topic.error)
            for p in topic.partitions.values():
                self.assertIn(p.leader, (1, 2))
        del admin  # disconnects before the cluster goes away
        self.assert_stops_cleanly(upstream)

    def test_records_produced_are_read_back_with_assign(self):
        upstream = self.start("--brokers", "3", "--topic", "records:3")

        producer = Producer({"bootstrap.servers": upstream.bootstrap, "acks": "all"})
        failures = []

        def on_delivery(err, msg):
            if err is not None:
                failures.append(err)

        sent = {}
        for i in range(10):
            partition = i % 3
            key, value = f"key-{i}".encode(), f"value-{i}".encode()
            producer.produce("records", key=key, value=value, partition=partition,
                             on_delivery=on_delivery)
            sent.setdefault(partition, []).append((key, value))
        self.assertEqual(producer.flush(CLIENT_TIMEOUT_S), 0, "records left undelivered")
        self.assertEqual(failures, [])

        consumer = Consumer({
            "bootstrap.servers": upstream.bootstrap,
            "group.id": "dev-upstream-test",  # required by the client; assign() uses no group
            "enable.auto.commit": False,
            "enable.partition.eof": True,
        })
        consumer.assign([TopicPartition("records", p, OFFSET_BEGINNING) for p in range(3)])
        received = {p: [] for p in range(3)}
        at_eof = set()
        deadline = time.monotonic() + CLIENT_TIMEOUT_S
        while sum(map(len, received.values())) < 10 or len(at_eof) < 3:
            if time.monotonic() >= deadline:
                consumer.close()
            self.assertLess(time.monotonic(), deadline, f"only received {received}")
            msg = consumer.poll(1.0)
            if msg is None:
                continue
            if msg.error():
                self.assertEqual(msg.error().code(), KafkaError._PARTITION_EOF, msg.error())
                at_eof.add(msg.partition())
                continue
            self.assertEqual(msg.offset(), len(received[msg.partition()]))
            received[msg.partition()].append((msg.key(), msg.value()))
        self.assertEqual(received, sent)
        consumer.close()
        del producer  # both disconnect before the cluster goes away
        self.assert_stops_cleanly(upstream)

    def test_sigint_also_stops_with_exit_code_0(self):
        upstream = self.start("--brokers", "1")
        self.assert_stops_cleanly(upstream, signal.SIGINT)

    def test_bad_flags_exit_2_naming_the_flag(self):
        for args, flag in [
            (["--brokers", "0"], "--brokers"),
            (["--brokers", "three"], "brokers"),
            (["--topic", "orders"], "--topic"),
            (["--topic", "orders:0"], "--topic"),
            (["--topic", "bad name:1"], "--topic"),
            (["--topic", "a:1", "--topic", "a:2"], "--topic"),
            (["--log-level", "loud"], "--log-level"),
            (["--no-such-flag"], "no-such-flag"),
        ]:
            with self.subTest(args=args):
                run = subprocess.run([BINARY, *args], capture_output=True, text=True,
                                     timeout=CLIENT_TIMEOUT_S)
                self.assertEqual(run.returncode, 2, run.stderr)
                self.assertIn(flag, run.stderr)
                self.assertEqual(run.stdout, "")

    def test_help_lists_every_flag(self):
        run = subprocess.run([BINARY, "--help"], capture_output=True, text=True,
                             timeout=CLIENT_TIMEOUT_S)
        self.assertEqual(run.returncode, 0, run.stderr)
        for flag in ("--brokers", "--topic", "--log-level", "--help"):
            self.assertIn(flag, run.stdout)


if __name__ == "__main__":
    unittest.main()
