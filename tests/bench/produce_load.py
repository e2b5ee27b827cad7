#!/usr/bin/env python3
"""One confluent-kafka producer's throughput: --records records of --size bytes to --topic, with
the producer's own batching defaults (linger.ms, batch.size, acks=all), timed from the first
record to the last delivery report. A few records are produced and flushed first, so that the
connections (and their TLS handshakes and SASL logins) are open before the clock starts. Prints
one JSON object: records, bytes, seconds, failed (delivery errors).

    produce_load.py --bootstrap 127.0.0.1:9092 --topic bench --records 500000 --size 100 \\
        -X security.protocol=SASL_SSL -X sasl.mechanisms=SCRAM-SHA-512 ...

Run apart from the benchmark harness, so that its Python threads cost the producer nothing.
"""

import argparse
import json
import sys
import time

from confluent_kafka import Producer

WARMUP_RECORDS = 100


def settings(pairs: list[str]) -> dict:
    out = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep:
            raise SystemExit(f"produce_load.py: -X {pair}: not KEY=VALUE")
        out[key] = value
    return out


def arguments(doc: str, count: str) -> argparse.Namespace:
    """The producer scripts' command line: where, what topic, `--<count>` records, their size and
    librdkafka settings."""
    parser = argparse.ArgumentParser(description=doc,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--bootstrap", required=True)
    parser.add_argument("--topic", required=True)
    parser.add_argument(f"--{count}", type=int, required=True)
    parser.add_argument("--size", type=int, default=100, help="bytes of each record's value")
    parser.add_argument("-X", dest="config", action="append", default=[],
                        help="a librdkafka setting KEY=VALUE (repeatable)")
    return parser.parse_args()


def main() -> int:
    args = arguments(__doc__, "records")

    failed = 0

    def delivered(err, _msg) -> None:
        nonlocal failed
        if err is not None:
            failed += 1

    # Delivery reports of failures only: a callback per record would cost more than producing.
    producer = Producer({"bootstrap.servers": args.bootstrap, "delivery.report.only.error": True,
                         "on_delivery": delivered, **settings(args.config)})
    payload = b"x" * args.size
    for _ in range(WARMUP_RECORDS):
        producer.produce(args.topic, payload)
    if producer.flush(60) != 0 or failed:
        raise SystemExit(f"produce_load.py: the warm-up records were not delivered to "
                         f"{args.bootstrap}")

    start = time.monotonic()
    for _ in range(args.records):
        while True:
            try:
                producer.produce(args.topic, payload)
                break
            except BufferError:  # the local queue is full: wait for deliveries
                producer.poll(0.01)
    left = producer.flush(300)
    seconds = time.monotonic() - start
    json.dump({"records": args.records, "bytes": args.records * args.size, "seconds": seconds,
               "failed": failed + left}, sys.stdout)
    print()
    return 0


if __name__ == "__main__":
    sys.exit(main())
