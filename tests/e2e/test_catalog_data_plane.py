"""Real consumers read the --topic catalog as existing, empty topics (no upstream cluster).

Consumers send ListOffsets and Fetch to the same connection as their group traffic; the gateway
must answer them (earliest = latest = 0, empty fetches after the fetch wait) rather than close
the connection. kcat/confluent_kafka run on librdkafka, kafka-python on its own protocol code.

Run with Debian's interpreter, which has python3-kafka and python3-confluent-kafka:
    /usr/bin/python3 -m unittest -v test_catalog_data_plane.py
"""

import re
import shutil
import socket
import struct
import subprocess
import sys
import time
import unittest
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from gateway_process import GatewayProcess, serve_gateway_per_module  # noqa: E402

CATALOG = {"orders": 3, "events": 1}
UNKNOWN_TOPIC_OR_PARTITION = 3
FETCH_WAIT_CAP = 1.0  # seconds: the gateway's cap on a Fetch's max_wait_ms

gateway: GatewayProcess
# tearDownModule's stop_cleanly(): exits 0 even though consumers may have left Fetches parked on
# their timers.
serve_gateway_per_module(globals(), topics=CATALOG)


# What the gateway logs when it closes a connection over a request it does not serve or cannot
# decode. (A client hanging up with a Fetch parked may log a read or write failure: not ours.)
_REFUSED = re.compile(r"closing connection from .*: (unknown API key|API key \d+ )")


def assert_no_refused_requests(test: unittest.TestCase) -> None:
    refused = [line for line in gateway.log_lines() if _REFUSED.search(line)]
    test.assertEqual(refused, [], "the gateway refused a client request")


class KcatTest(unittest.TestCase):
    def consume(self, topic: str, offset: str) -> subprocess.CompletedProcess:
        self.assertIsNotNone(shutil.which("kcat"), "kcat missing: run deploy/install-deps.sh test")
        return subprocess.run(["kcat", "-b", gateway.bootstrap, "-C", "-t", topic, "-o", offset,
                               "-e", "-f", "%t %p %o\n"],
                              capture_output=True, text=True, timeout=60)

    def test_consumes_nothing_and_reaches_end_of_every_partition(self):
        for topic, partitions in CATALOG.items():
            for offset in ("beginning", "end"):
                with self.subTest(topic=topic, offset=offset):
                    run = self.consume(topic, offset)
                    self.assertEqual(run.returncode, 0, run.stderr)
                    self.assertEqual(run.stdout, "", "kcat consumed messages from an empty topic")
                    eof = {int(p) for p in re.findall(
                        rf"Reached end of topic {re.escape(topic)} \[(\d+)\] at offset 0",
                        run.stderr)}
                    self.assertEqual(eof, set(range(partitions)), run.stderr)
        assert_no_refused_requests(self)


class ConfluentKafkaTest(unittest.TestCase):
    def test_assigned_consumer_polls_without_errors(self):
        from confluent_kafka import (OFFSET_BEGINNING, OFFSET_END, Consumer, KafkaError,
                                     TopicPartition)
        errors = []
        consumer = Consumer({
            "bootstrap.servers": gateway.bootstrap,
            "group.id": "catalog-data-plane",  # required, but assign() joins no group
            "enable.auto.commit": False,       # nothing to commit; keeps the coordinator out
            "enable.partition.eof": True,
            "fetch.wait.max.ms": 200,
            "error_cb": errors.append,
        })
        try:
            assignment = [TopicPartition("orders", 0, OFFSET_BEGINNING),
                          TopicPartition("orders", 1, OFFSET_END),
                          TopicPartition("orders", 2, OFFSET_BEGINNING),
                          TopicPartition("events", 0, OFFSET_END)]
            consumer.assign(assignment)
            eof = set()
            messages = 0
            for _ in range(8):  # a few fetch rounds after every partition reached its end
                msg = consumer.poll(1.0)
                if msg is None:
                    continue
                if msg.error() is None:
                    messages += 1
                elif msg.error().code() == KafkaError._PARTITION_EOF:
                    eof.add((msg.topic(), msg.partition(), msg.offset()))
                else:
                    errors.append(msg.error())
            self.assertEqual(errors, [])
            self.assertEqual(messages, 0)
            self.assertEqual(eof, {(tp.topic, tp.partition, 0) for tp in assignment})
            low, high = consumer.get_watermark_offsets(TopicPartition("orders", 1), timeout=10)
            self.assertEqual((low, high), (0, 0))
        finally:
            consumer.close()
        assert_no_refused_requests(self)


class KafkaPythonTest(unittest.TestCase):
    def test_assigned_consumer_polls_and_lists_offsets(self):
        from kafka import KafkaConsumer, TopicPartition
        consumer = KafkaConsumer(bootstrap_servers=gateway.bootstrap, group_id=None,
                                 enable_auto_commit=False, auto_offset_reset="earliest",
                                 fetch_max_wait_ms=200, request_timeout_ms=10000)
        try:
            tps = [TopicPartition("orders", p) for p in range(3)] + [TopicPartition("events", 0)]
            consumer.assign(tps)
            records = 0
            for _ in range(4):
                records += sum(len(batch) for batch in consumer.poll(timeout_ms=500).values())
            self.assertEqual(records, 0)
            self.assertEqual([consumer.position(tp) for tp in tps], [0] * len(tps))
            self.assertEqual(consumer.beginning_offsets(tps), {tp: 0 for tp in tps})
            self.assertEqual(consumer.end_offsets(tps), {tp: 0 for tp in tps})
            # No record at or after any time in an empty partition: Kafka answers offset -1,
            # which kafka-python reports as None.
            self.assertEqual(consumer.offsets_for_times({tps[0]: 1700000000000}), {tps[0]: None})
        finally:
            consumer.close()
        assert_no_refused_requests(self)


class RawFetchTest(unittest.TestCase):
    """Kafka-python's protocol classes over a raw socket, to see timing and response order."""

    def setUp(self):
        self.sock = socket.create_connection((gateway.host, gateway.port), timeout=10)

    def tearDown(self):
        self.sock.close()

    def send(self, request, correlation_id: int) -> None:
        from kafka.protocol.api import RequestHeader
        # kafka-python binds .encode through a WeakMethod: keep the header object alive.
        header = RequestHeader(request, correlation_id=correlation_id, client_id="e2e")
        payload = header.encode() + request.encode()
        self.sock.sendall(struct.pack(">i", len(payload)) + payload)

    def receive(self, response_type):
        def exact(n):
            buf = b""
            while len(buf) < n:
                chunk = self.sock.recv(n - len(buf))
                if not chunk:
                    raise AssertionError("the gateway closed the connection")
                buf += chunk
            return buf
        (size,) = struct.unpack(">i", exact(4))
        body = exact(size)
        (correlation_id,) = struct.unpack(">i", body[:4])
        return correlation_id, response_type.decode(body[4:])

    def test_parked_fetch_answers_in_order_after_the_capped_wait(self):
        from kafka.protocol.fetch import FetchRequest, FetchResponse
        from kafka.protocol.metadata import MetadataRequest, MetadataResponse
        # v11: max_wait 60 s (capped), min_bytes 1; one known and one unknown topic would be
        # answered at once, so only catalog partitions here.
        fetch = FetchRequest[11](-1, 60000, 1, 1 << 20, 0, 0, -1,
                                 [("orders", [(0, -1, 0, -1, 1 << 20), (2, -1, 0, -1, 1 << 20)])],
                                 [], "")
        start = time.monotonic()
        self.send(fetch, 1)
        self.send(MetadataRequest[1](["orders"]), 2)  # pipelined behind the parked Fetch
        cid, resp = self.receive(FetchResponse[11])
        took = time.monotonic() - start
        self.assertEqual(cid, 1)
        self.assertGreaterEqual(took, FETCH_WAIT_CAP * 0.9)
        self.assertLess(took, FETCH_WAIT_CAP + 4)
        self.assertEqual((resp.error_code, resp.session_id), (0, 0))
        [(topic, partitions)] = resp.topics
        self.assertEqual(topic, "orders")
        # (partition, error, high watermark, last stable, log start, aborted, replica, records)
        self.assertEqual([p[:5] + p[6:] for p in partitions],
                         [(0, 0, 0, 0, 0, -1, b""), (2, 0, 0, 0, 0, -1, b"")])
        cid, _ = self.receive(MetadataResponse[1])
        self.assertEqual(cid, 2)

    def test_unknown_partition_is_answered_at_once(self):
        from kafka.protocol.fetch import FetchRequest, FetchResponse
        fetch = FetchRequest[4](-1, 60000, 1, 1 << 20, 0,
                                [("orders", [(7, 0, 1024)]), ("nope", [(0, 0, 1024)])])
        start = time.monotonic()
        self.send(fetch, 3)
        cid, resp = self.receive(FetchResponse[4])
        self.assertLess(time.monotonic() - start, FETCH_WAIT_CAP)
        self.assertEqual(cid, 3)
        errors = [(t, p[0], p[1], p[2]) for t, ps in resp.topics for p in ps]
        self.assertEqual(errors, [("orders", 7, UNKNOWN_TOPIC_OR_PARTITION, -1),
                                  ("nope", 0, UNKNOWN_TOPIC_OR_PARTITION, -1)])


if __name__ == "__main__":
    unittest.main()
