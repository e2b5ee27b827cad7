#!/usr/bin/python3
"""Drives a librdkafka consumer with group.protocol=consumer (KIP-848) against the
mock cluster while capture.sh records the traffic: it joins group GROUP
subscribed to golden-topic with ConsumerGroupHeartbeat, consumes what is there,
heartbeats a few times and leaves. Needs librdkafka 2.4+ (LD_LIBRARY_PATH),
whose mock serves the consumer protocol. Usage: drive_kip848.py HOST:PORT [GROUP]"""
import sys
import time

import confluent_kafka
from confluent_kafka import Consumer

bootstrap = sys.argv[1]
group = sys.argv[2] if len(sys.argv) > 2 else "golden-group-kip848"
print("confluent_kafka", confluent_kafka.version(), "librdkafka", confluent_kafka.libversion())

c = Consumer({
    "bootstrap.servers": bootstrap,
    "group.id": group,
    "group.protocol": "consumer",
    "client.id": "golden-client",
    "auto.offset.reset": "earliest",
    "enable.auto.commit": False,
})
c.subscribe(["golden-topic"])
assigned = []
deadline = time.time() + 20
while time.time() < deadline and not assigned:
    c.poll(0.5)
    assigned = c.assignment()
print("assigned", assigned)
time.sleep(3)  # the mock's heartbeat interval is short: a few steady heartbeats go out
c.close()
