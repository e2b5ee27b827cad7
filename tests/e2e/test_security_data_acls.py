"""ACLs on the data APIs the gateway relays: Produce needs Write on the topic, Fetch Read and
ListOffsets Describe. A gateway in upstream mode (librdkafka's mock with one broker, so every
partition is behind the bootstrap listener) with TLS, SASL SCRAM-SHA-512 and an ACL file that
gives alice the topic `orders` and nothing of `payments`:
    - one Produce naming both topics writes `orders` (a Fetch reads the record back) and answers
      TOPIC_AUTHORIZATION_FAILED for each partition of `payments`, as KafkaApis does;
    - a Produce, Fetch or ListOffsets naming only `payments` is answered by the gateway alone;
    - confluent-kafka: alice's producer delivers to `orders`, and a delivery to `payments` fails
      with TOPIC_AUTHORIZATION_FAILED; her consumer in `orders-app` reads what she wrote.

Run with Debian's interpreter and GROUPWIRE_DEV_UPSTREAM, GROUPWIRE_GATEWAY,
GROUPWIRE_COORDINATOR, GROUPWIRE_CLI set (ctest does):
    /usr/bin/python3 -m unittest -v test_security_data_acls.py
"""

import struct
import sys
import time
import unittest
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from group_wire import Decoder, int32, int64  # noqa: E402
from sasl_wire import NONE, TOPIC_AUTHORIZATION_FAILED, Call, SecureConnection  # noqa: E402
from security_fixtures import SecurityFiles, address, poll_values  # noqa: E402
from upstream_cluster import UpstreamCluster  # noqa: E402

import confluent_kafka  # noqa: E402
from kafka.record.memory_records import MemoryRecordsBuilder  # noqa: E402

PRODUCE, FETCH, LIST_OFFSETS = 0, 1, 2
PARTITIONS = 2
RULES = ("allow User:alice Write topic literal orders",
         "allow User:alice Read topic literal orders",
         "allow User:alice Read group prefixed orders-")


def _string(s: str) -> bytes:
    return struct.pack(">h", len(s)) + s.encode()


def _records(value: bytes) -> bytes:
    """One record in a v2 batch, encoded by kafka-python."""
    builder = MemoryRecordsBuilder(magic=2, compression_type=0, batch_size=1 << 20)
    builder.append(timestamp=int(time.time() * 1000), key=None, value=value, headers=[])
    builder.close()
    return bytes(builder.buffer())


def produce(batches: dict[tuple[str, int], bytes]) -> Call:
    """Produce v3, acks=-1. Answer: {(topic, partition): (error, base offset)}."""
    topics: dict[str, list[tuple[int, bytes]]] = {}
    for (topic, partition), records in batches.items():
        topics.setdefault(topic, []).append((partition, records))
    body = struct.pack(">hhi", -1, -1, 10000) + int32(len(topics))
    for topic, partitions in topics.items():
        body += _string(topic) + int32(len(partitions))
        for partition, records in partitions:
            body += int32(partition) + int32(len(records)) + records

    def parse(d: Decoder):
        out = {}
        for _ in range(d.int32()):
            name = d.string()
            for _ in range(d.int32()):
                partition, error, base_offset = d.int32(), d.int16(), d.int64()
                d.int64()  # log_append_time_ms
                out[(name, partition)] = (error, base_offset)
        d.int32()  # throttle_time_ms
        return out

    return Call("Produce", PRODUCE, 3, body, parse)


def fetch(partitions: dict[tuple[str, int], int]) -> Call:
    """Fetch v4 from the given offsets. Answer: {(topic, partition): (error, record bytes)}."""
    topics: dict[str, list[tuple[int, int]]] = {}
    for (topic, partition), offset in partitions.items():
        topics.setdefault(topic, []).append((partition, offset))
    body = int32(-1) + int32(100) + int32(1) + int32(1 << 20) + b"\x00" + int32(len(topics))
    for topic, offsets in topics.items():
        body += _string(topic) + int32(len(offsets))
        for partition, offset in offsets:
            body += int32(partition) + int64(offset) + int32(1 << 20)

    def parse(d: Decoder):
        d.int32()  # throttle_time_ms
        out = {}
        for _ in range(d.int32()):
            name = d.string()
            for _ in range(d.int32()):
                partition, error = d.int32(), d.int16()
                d.int64()  # high_watermark
                d.int64()  # last_stable_offset
                d.array(lambda: (d.int64(), d.int64()))  # aborted_transactions
                out[(name, partition)] = (error, d.bytes_() or b"")
        return out

    return Call("Fetch", FETCH, 4, body, parse)


def list_offsets(partitions: list[tuple[str, int]]) -> Call:
    """ListOffsets v1 of the latest offsets. Answer: {(topic, partition): error}."""
    topics: dict[str, list[int]] = {}
    for topic, partition in partitions:
        topics.setdefault(topic, []).append(partition)
    body = int32(-1) + int32(len(topics))
    for topic, indexes in topics.items():
        body += _string(topic) + int32(len(indexes))
        for partition in indexes:
            body += int32(partition) + int64(-1)

    def parse(d: Decoder):
        out = {}
        for _ in range(d.int32()):
            name = d.string()
            for _ in range(d.int32()):
                partition, error = d.int32(), d.int16()
                d.int64()  # timestamp
                d.int64()  # offset
                out[(name, partition)] = error
        return out

    return Call("ListOffsets", LIST_OFFSETS, 1, body, parse)


class DataAclTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.sec = SecurityFiles()
        cls.sec.add_user("alice", "alice-secret")
        cls.sec.write_acls(*RULES)
        cls.cluster = UpstreamCluster(
            topics={"orders": PARTITIONS, "payments": PARTITIONS}, brokers=1,
            gateway_flags=tuple(cls.sec.gateway_flags(mechanisms="SCRAM-SHA-512", acls=True)))
        cls.cluster.start()

    @classmethod
    def tearDownClass(cls):
        cls.cluster.stop_cleanly()
        cls.sec.cleanup()

    def connect(self) -> SecureConnection:
        conn = SecureConnection(address(self.cluster.gateway), self.sec.ca)
        self.addCleanup(conn.close)
        self.assertEqual(conn.login("alice", "alice-secret", "SCRAM-SHA-512").error, NONE)
        return conn

    def test_produce_writes_the_allowed_topic_and_refuses_the_other_per_partition(self):
        alice = self.connect()
        value = b"mixed-produce-%d" % time.monotonic_ns()
        answer = alice.call(produce({("orders", 0): _records(value),
                                     ("payments", 0): _records(b"never written"),
                                     ("payments", 1): _records(b"never written")}))
        self.assertEqual({tp: error for tp, (error, _) in answer.items()},
                         {("orders", 0): NONE, ("payments", 0): TOPIC_AUTHORIZATION_FAILED,
                          ("payments", 1): TOPIC_AUTHORIZATION_FAILED})
        base_offset = answer[("orders", 0)][1]
        self.assertGreaterEqual(base_offset, 0)
        fetched = alice.call(fetch({("orders", 0): base_offset, ("payments", 0): 0}))
        self.assertEqual(fetched[("orders", 0)][0], NONE)
        self.assertIn(value, fetched[("orders", 0)][1])
        self.assertEqual(fetched[("payments", 0)], (TOPIC_AUTHORIZATION_FAILED, b""))

    def test_requests_naming_only_denied_topics_are_answered_by_the_gateway(self):
        alice = self.connect()
        denied = [("payments", p) for p in range(PARTITIONS)]
        self.assertEqual(alice.call(produce({tp: _records(b"no") for tp in denied})),
                         {tp: (TOPIC_AUTHORIZATION_FAILED, -1) for tp in denied})
        started = time.monotonic()
        self.assertEqual(alice.call(fetch({tp: 0 for tp in denied})),
                         {tp: (TOPIC_AUTHORIZATION_FAILED, b"") for tp in denied})
        # Nothing was left to long-poll for: answered at once, not after max_wait_ms.
        self.assertLess(time.monotonic() - started, 5)
        self.assertEqual(alice.call(list_offsets(denied + [("orders", 0)])),
                         {**{tp: TOPIC_AUTHORIZATION_FAILED for tp in denied}, ("orders", 0): NONE})

    def test_confluent_kafka_producer_and_consumer(self):
        settings = self.sec.librdkafka("alice", "alice-secret")
        settings["bootstrap.servers"] = self.cluster.bootstrap
        producer = confluent_kafka.Producer({**settings, "message.timeout.ms": 10000})
        delivered = {}

        def report(error, message):
            delivered[message.topic()] = error

        value = b"confluent-%d" % time.monotonic_ns()
        producer.produce("orders", value, partition=1, on_delivery=report)
        producer.produce("payments", b"never written", partition=0, on_delivery=report)
        self.assertEqual(producer.flush(15), 0)
        self.assertIsNone(delivered["orders"])
        self.assertEqual(delivered["payments"].code(),
                         confluent_kafka.KafkaError.TOPIC_AUTHORIZATION_FAILED)

        consumer = confluent_kafka.Consumer({**settings, "group.id": "orders-readers",
                                             "auto.offset.reset": "earliest"})
        self.addCleanup(consumer.close)
        consumer.subscribe(["orders"])
        self.assertIn(value, poll_values(consumer, lambda seen: value in seen))


if __name__ == "__main__":
    unittest.main()
