"""A real Kafka consumer (confluent-kafka or kafka-python) in its own process, driven by a test.

Running each consumer in a child process lets a test SIGKILL it (a member that vanishes without
LeaveGroup) and keeps librdkafka's and kafka-python's threads out of the test process.

The child (this file run as a script) subscribes, then polls in a loop. It reports on stdout,
one JSON object per line:
    {"event": "assign", "partitions": [[topic, p], ...], "generation": g}   rebalance callback
    {"event": "revoke", "partitions": [...]}                                 rebalance callback
    {"event": "assignment", "partitions": [...]}    consumer.assignment() changed (after a poll)
    {"event": "error", "message": "..."}            client error callback / poll error
    {"event": "records", "records": [[topic, p, offset, value], ...]}   records polled, only
                                                    with report_records (value decoded as UTF-8)
    {"event": "stats", "coordinator": "HOST:PORT", "rebalance_cnt": n, "join_state": "..."}
                                                    librdkafka's statistics (confluent-kafka
                                                    with statistics.interval.ms set)
    {"event": "reply", "id": n, "result": ..., "error": "..."}   answer to a command
It reads commands on stdin, one JSON object per line, and runs them between two polls (the
clients are not thread-safe): commit (synchronous, explicit offsets), committed, member
({"generation": g, "member_id": m} as the client holds them), close. Both come from the
clients' internals: kafka-python's coordinator state, and for librdkafka the serialized
consumer_group_metadata() (magic "CGMDv2:", int32 generation in host order, then the
NUL-terminated group id and member id).
With log_connections, kafka-python logs its connection attempts ("connecting to HOST:PORT") on
stderr (librdkafka does with the config {"debug": "broker"}).

The parent side is ConsumerAgent.
"""

import json
import os
import queue
import subprocess
import sys
import threading
import time
from typing import Any, Callable

from json_lines_process import JsonLinesProcess

# -- child ------------------------------------------------------------------------------------


def _emit(obj: dict) -> None:
    sys.stdout.write(json.dumps(obj) + "\n")
    sys.stdout.flush()


def _tps(partitions) -> list[list]:
    return sorted([tp.topic, tp.partition] for tp in partitions)


def _text(value) -> str | None:
    return None if value is None else value.decode("utf-8", errors="replace")


def _librdkafka_stats(text: str) -> None:
    """Reports the group coordinator the client currently uses and its rebalance count."""
    stats = json.loads(text)
    coordinator = next((b["nodename"] for b in stats.get("brokers", {}).values()
                        if b.get("name") == "GroupCoordinator"), None)
    cgrp = stats.get("cgrp", {})
    _emit({"event": "stats", "coordinator": coordinator,
           "rebalance_cnt": cgrp.get("rebalance_cnt"), "join_state": cgrp.get("join_state")})


class _Confluent:
    def __init__(self, spec: dict):
        import confluent_kafka
        self.ck = confluent_kafka
        self.report_records = spec.get("report_records", False)
        config = {
            "bootstrap.servers": spec["bootstrap"],
            "group.id": spec["group"],
            "enable.auto.commit": False,
            "auto.offset.reset": "earliest",
            "error_cb": lambda err: _emit({"event": "error", "message": str(err)}),
            "stats_cb": _librdkafka_stats,
            **spec.get("config", {}),
        }
        self.consumer = confluent_kafka.Consumer(config)
        self.consumer.subscribe(spec["topics"], on_assign=self._on_assign,
                                on_revoke=self._on_revoke)

    def _on_assign(self, consumer, partitions):
        _emit({"event": "assign", "partitions": _tps(partitions),
               "generation": self.member()["generation"]})

    def member(self) -> dict:
        metadata = self.consumer.consumer_group_metadata()
        magic = b"CGMDv2:"
        if not metadata.startswith(magic):
            raise ValueError(f"unknown consumer group metadata {metadata!r}")
        rest = metadata[len(magic):]
        generation = int.from_bytes(rest[:4], sys.byteorder, signed=True)
        group_id, member_id = rest[4:].split(b"\0")[:2]
        return {"generation": generation, "member_id": member_id.decode()}

    def _on_revoke(self, consumer, partitions):
        _emit({"event": "revoke", "partitions": _tps(partitions)})

    def poll(self) -> None:
        msg = self.consumer.poll(0.1)
        if msg is not None and msg.error() is not None:
            _emit({"event": "error", "message": str(msg.error())})
        elif msg is not None and self.report_records:
            _emit({"event": "records", "records": [[msg.topic(), msg.partition(), msg.offset(),
                                                    _text(msg.value())]]})

    def assignment(self) -> list[list]:
        return _tps(self.consumer.assignment())

    def commit(self, offsets: list[list]) -> Any:
        tps = [self.ck.TopicPartition(t, p, o) for t, p, o in offsets]
        done = self.consumer.commit(offsets=tps, asynchronous=False)
        return [[tp.topic, tp.partition, tp.offset, str(tp.error) if tp.error else None]
                for tp in done]

    def committed(self, partitions: list[list]) -> Any:
        tps = [self.ck.TopicPartition(t, p) for t, p in partitions]
        got = self.consumer.committed(tps, timeout=10)
        return [[tp.topic, tp.partition, tp.offset] for tp in got]

    def close(self) -> None:
        self.consumer.close()


class _KafkaPython:
    def __init__(self, spec: dict):
        import kafka
        self.kafka = kafka
        self.report_records = spec.get("report_records", False)
        if spec.get("log_connections"):
            import logging
            handler = logging.StreamHandler(sys.stderr)
            handler.setFormatter(logging.Formatter("%(name)s %(levelname)s %(message)s"))
            conn_log = logging.getLogger("kafka.conn")
            conn_log.addHandler(handler)
            conn_log.setLevel(logging.INFO)
        config = {
            "bootstrap_servers": spec["bootstrap"],
            "group_id": spec["group"],
            "enable_auto_commit": False,
            "auto_offset_reset": "earliest",
            **spec.get("config", {}),
        }
        self.consumer = kafka.KafkaConsumer(**config)
        agent = self

        class Listener(kafka.ConsumerRebalanceListener):
            def on_partitions_revoked(self, revoked):
                _emit({"event": "revoke", "partitions": _tps(revoked)})

            def on_partitions_assigned(self, assigned):
                _emit({"event": "assign", "partitions": _tps(assigned),
                       "generation": agent.generation()})

        self.consumer.subscribe(spec["topics"], listener=Listener())

    def generation(self):
        return self.member()["generation"]

    def member(self) -> dict:
        gen = getattr(self.consumer._coordinator, "_generation", None)
        return {"generation": getattr(gen, "generation_id", None),
                "member_id": getattr(gen, "member_id", None)}

    def poll(self) -> None:
        polled = self.consumer.poll(timeout_ms=100)
        if self.report_records:
            records = [[r.topic, r.partition, r.offset, _text(r.value)]
                       for batch in polled.values() for r in batch]
            if records:
                _emit({"event": "records", "records": records})

    def assignment(self) -> list[list]:
        return _tps(self.consumer.assignment())

    def commit(self, offsets: list[list]) -> Any:
        from kafka.structs import OffsetAndMetadata, TopicPartition
        self.consumer.commit({TopicPartition(t, p): OffsetAndMetadata(o, "")
                              for t, p, o in offsets})
        return [[t, p, o, None] for t, p, o in offsets]

    def committed(self, partitions: list[list]) -> Any:
        from kafka.structs import TopicPartition
        return [[t, p, self.consumer.committed(TopicPartition(t, p))] for t, p in partitions]

    def close(self) -> None:
        self.consumer.close(autocommit=False)


def _child_main(spec: dict) -> None:
    commands: queue.Queue = queue.Queue()

    def read_stdin():
        for line in sys.stdin:
            if line.strip():
                commands.put(json.loads(line))
        commands.put({"cmd": "close", "id": None})  # parent went away
        # ... and if the client is stuck (a poll that never returns), do not linger orphaned.
        orphan_timer = threading.Timer(15, os._exit, args=(3,))
        orphan_timer.daemon = True
        orphan_timer.start()

    threading.Thread(target=read_stdin, daemon=True).start()
    client = (_Confluent if spec["lib"] == "confluent" else _KafkaPython)(spec)
    last_assignment = None
    while True:
        try:
            client.poll()
        except Exception as err:  # noqa: BLE001 - report, keep consuming
            _emit({"event": "error", "message": f"poll: {type(err).__name__}: {err}"})
            time.sleep(0.1)  # do not spin on a persistent error
        assignment = client.assignment()
        if assignment != last_assignment:
            last_assignment = assignment
            _emit({"event": "assignment", "partitions": assignment})
        while not commands.empty():
            cmd = commands.get()
            reply: dict = {"event": "reply", "id": cmd.get("id")}
            try:
                if cmd["cmd"] == "commit":
                    reply["result"] = client.commit(cmd["offsets"])
                elif cmd["cmd"] == "committed":
                    reply["result"] = client.committed(cmd["partitions"])
                elif cmd["cmd"] == "member":
                    reply["result"] = client.member()
                elif cmd["cmd"] == "close":
                    client.close()
                    reply["result"] = "closed"
                    _emit(reply)
                    return
                else:
                    reply["error"] = f"unknown command {cmd['cmd']}"
            except Exception as err:  # noqa: BLE001 - the test decides what it means
                reply["error"] = f"{type(err).__name__}: {err}"
            _emit(reply)


# -- parent -----------------------------------------------------------------------------------


def split_of(members, every: set) -> list[set] | None:
    """The members' latest assignments (anything with .assignment) if they are non-empty,
    disjoint and together cover `every` partition; None otherwise."""
    sets = [m.assignment for m in members]
    if all(sets) and sum(map(len, sets)) == len(every) and set().union(*sets) == every:
        return sets
    return None


class ConsumerAgent(JsonLinesProcess):
    """Parent-side handle on a consumer child process."""

    def __init__(self, lib: str, bootstrap: str, group: str, topics: list[str],
                 config: dict | None = None, name: str = "consumer",
                 watchdog: Callable[[], str | None] | None = None,
                 report_records: bool = False, log_connections: bool = False,
                 wrapper: list[str] | None = None):
        """watchdog (e.g. GroupCluster.problem) may return a reason to stop waiting at once.
        report_records: the child reports every record it polls (records()).
        log_connections: kafka-python logs its connection attempts on stderr.
        wrapper: a command that runs the child, e.g. ["ip", "netns", "exec", "clients"]."""
        assert lib in ("confluent", "kafka-python"), lib
        self.spec = {"lib": lib, "bootstrap": bootstrap, "group": group, "topics": topics,
                     "config": config or {}, "report_records": report_records,
                     "log_connections": log_connections}
        self._next_id = 0
        super().__init__(list(wrapper or []) + [sys.executable, __file__, json.dumps(self.spec)],
                         name, stdin=subprocess.PIPE, watchdog=watchdog)

    def describe(self) -> str:
        return f"({self.spec['lib']})\n" + super().describe()

    def records(self, after: int = 0) -> list[tuple[str, int, int, str | None]]:
        """(topic, partition, offset, value) of every record reported (after event `after`)."""
        return [tuple(r) for e in self.events_of("records", after) for r in e["records"]]

    def events_of(self, kind: str, after: int = 0) -> list[dict]:
        with self._cond:
            return [e for e in self.events[after:] if e["event"] == kind]

    @property
    def assignment(self) -> set[tuple[str, int]]:
        """The latest reported consumer.assignment()."""
        with self._cond:
            for e in reversed(self.events):
                if e["event"] == "assignment":
                    return {tuple(tp) for tp in e["partitions"]}
        return set()

    def wait_for_assignment(self, predicate: Callable[[set], bool], timeout: float, what: str,
                            after: int = 0) -> set[tuple[str, int]]:
        event = self.wait_for_event(
            lambda e: e["event"] == "assignment"
            and predicate({tuple(tp) for tp in e["partitions"]}), timeout, what, after)
        return {tuple(tp) for tp in event["partitions"]}

    def request(self, cmd: str, timeout: float = 30.0, **args) -> Any:
        """Runs a command in the child; returns its result, raises on its error."""
        with self._cond:
            self._next_id += 1
            rid = self._next_id
        self.proc.stdin.write(json.dumps({"cmd": cmd, "id": rid, **args}) + "\n")
        self.proc.stdin.flush()
        reply = self.wait_for_event(lambda e: e["event"] == "reply" and e["id"] == rid, timeout,
                                    f"reply to {cmd}")
        if reply.get("error"):
            raise AssertionError(f"{self.name}: {cmd} failed: {reply['error']}\n"
                                 + self.describe())
        return reply["result"]

    def commit(self, offsets: dict[tuple[str, int], int], timeout: float = 30.0) -> list:
        return self.request("commit", timeout,
                            offsets=[[t, p, o] for (t, p), o in sorted(offsets.items())])

    def committed(self, partitions, timeout: float = 30.0) -> dict[tuple[str, int], int]:
        got = self.request("committed", timeout, partitions=[list(tp) for tp in partitions])
        return {(t, p): o for t, p, o in got}

    def member(self, timeout: float = 30.0) -> dict:
        """{"generation": g, "member_id": m} as the client holds them now."""
        return self.request("member", timeout)

    def latest_stats(self) -> dict | None:
        stats = self.events_of("stats")
        return stats[-1] if stats else None

    def close(self, timeout: float = 30.0) -> None:
        """consumer.close() in the child (LeaveGroup for dynamic members), then wait for exit."""
        if self.proc.poll() is None:
            self.request("close", timeout)
            self.proc.wait(timeout)
        self._cleanup()

    def kill(self) -> None:
        """SIGKILL: the member vanishes without LeaveGroup."""
        if self.proc.poll() is None:
            self.proc.kill()
        self.proc.wait(10)
        self._cleanup()

    def __enter__(self) -> "ConsumerAgent":
        return self

    def __exit__(self, *exc) -> None:
        self.kill()


if __name__ == "__main__":
    _child_main(json.loads(sys.argv[1]))
