#!/usr/bin/env python3
"""Single-record Produce round trips of one confluent-kafka producer (acks=1, linger.ms=0): each
record is produced and its delivery report awaited before the next, so every sample is one
Produce request and its answer, plus the client's own hand-offs. A few records go first,
unmeasured, so that the connections are open. Prints one JSON object: samples, p50_ms,
p99_ms, failed (delivery errors).

    produce_latency.py --bootstrap 127.0.0.1:9092 --topic latency --requests 2000

Run apart from the benchmark harness, so that its Python threads cost the producer nothing.
"""

import json
import sys
import time

from confluent_kafka import Producer

from produce_load import WARMUP_RECORDS, arguments, settings


def percentile(ordered: list[float], p: float) -> float:
    """The nearest-rank percentile of sorted samples."""
    return ordered[min(len(ordered) - 1, int(p / 100 * len(ordered)))]


def main() -> int:
    args = arguments(__doc__, "requests")

    producer = Producer({"bootstrap.servers": args.bootstrap, "acks": "1", "linger.ms": 0,
                         **settings(args.config)})
    payload = b"x" * args.size
    failed = 0

    def round_trip() -> float:
        """Seconds from produce() to the record's delivery report."""
        nonlocal failed
        delivered = []
        start = time.perf_counter()
        producer.produce(args.topic, payload,
                         on_delivery=lambda err, _msg: delivered.append(err))
        while not delivered:
            producer.poll(1)
        seconds = time.perf_counter() - start
        failed += delivered[0] is not None
        return seconds

    for _ in range(WARMUP_RECORDS):
        round_trip()
    if failed:
        raise SystemExit(f"produce_latency.py: the warm-up records were not delivered to "
                         f"{args.bootstrap}")
    samples = sorted(round_trip() * 1e3 for _ in range(args.requests))
    json.dump({"samples": len(samples), "p50_ms": percentile(samples, 50),
               "p99_ms": percentile(samples, 99), "failed": failed}, sys.stdout)
    print()
    return 0


if __name__ == "__main__":
    sys.exit(main())
