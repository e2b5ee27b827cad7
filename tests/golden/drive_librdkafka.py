#!/usr/bin/python3
"""Drives a real librdkafka client (python3-confluent-kafka, or whichever
librdkafka.so.1 LD_LIBRARY_PATH selects) against the mock cluster while
capture.sh records the traffic: produce a few messages, then a consumer-group
member joins the group (default golden-group), consumes, commits synchronously, reads its committed
offsets back and leaves. Usage: drive_librdkafka.py HOST:PORT [GROUP]"""
import sys
import time

import confluent_kafka
from confluent_kafka import Consumer, Producer, TopicPartition

bootstrap = sys.argv[1]
group = sys.argv[2] if len(sys.argv) > 2 else "golden-group"
print("confluent_kafka", confluent_kafka.version(), "librdkafka", confluent_kafka.libversion())

p = Producer({"bootstrap.servers": bootstrap, "client.id": "golden-producer"})
for i in range(6):
    p.produce("golden-topic", b"golden-value-%d" % i, partition=i % 3)
p.flush(10)

c = Consumer({
    "bootstrap.servers": bootstrap,
    "group.id": group,
    "client.id": "golden-client",
    "auto.offset.reset": "earliest",
    "enable.auto.commit": False,
    "session.timeout.ms": 45000,
    "heartbeat.interval.ms": 1000,
    "partition.assignment.strategy": "range,roundrobin",
})
c.subscribe(["golden-topic", "golden-topic-b"])
got = 0
deadline = time.time() + 20
while time.time() < deadline and got < 6:  # 6 = messages produced per run
    m = c.poll(0.5)
    if m is not None and not m.error():
        got += 1
print("consumed", got)
time.sleep(2.5)  # let at least one heartbeat go out
print("commit", c.commit(asynchronous=False))
print("committed", c.committed([TopicPartition("golden-topic", 0), TopicPartition("golden-topic-b", 1)], timeout=10))
c.close()
