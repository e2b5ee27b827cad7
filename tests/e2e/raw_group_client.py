"""Group API requests encoded by kafka-python's own protocol classes, sent with its low-level
client (kafka.client_async.KafkaClient) over one connection to the gateway.

Tests use it to put a group into a precise state (join, sync, rebalance) and read the exact
error codes the gateway answers, without a consumer's retry logic in between.
"""

import time

from kafka.client_async import KafkaClient
from kafka.coordinator.protocol import (ConsumerProtocolMemberAssignment,
                                        ConsumerProtocolMemberMetadata)
from kafka.future import Future
from kafka.protocol.commit import OffsetCommitRequest
from kafka.protocol.group import (HeartbeatRequest, JoinGroupRequest, LeaveGroupRequest,
                                  SyncGroupRequest)

# Error codes (docs/kafka-protocol.md section 3).
NONE = 0
# COORDINATOR_LOAD_IN_PROGRESS, COORDINATOR_NOT_AVAILABLE, NOT_COORDINATOR
RETRIABLE = {14, 15, 16}
COORDINATOR_LOAD_IN_PROGRESS = 14
ILLEGAL_GENERATION = 22
UNKNOWN_MEMBER_ID = 25
REBALANCE_IN_PROGRESS = 27


# kafka-python's Struct.encode is bound through a weak reference to the instance: keep the
# instance in a variable while encoding, or it may be collected first.
def subscription(*topics: str) -> bytes:
    metadata = ConsumerProtocolMemberMetadata(0, list(topics), b"")
    return metadata.encode()


def assignment(topic: str, partitions: list[int]) -> bytes:
    assigned = ConsumerProtocolMemberAssignment(0, [(topic, partitions)], b"")
    return assigned.encode()


class RawGroupClient:
    """One kafka-python KafkaClient connected to the gateway's node."""

    def __init__(self, bootstrap: str, node_id: int, timeout: float = 20.0):
        self.node_id = node_id
        self.client = KafkaClient(bootstrap_servers=bootstrap, request_timeout_ms=60000,
                                  client_id="groupwire-e2e-raw")
        deadline = time.monotonic() + timeout
        # ready() starts connecting (it needs the node in the cluster metadata, which the
        # bootstrap fills in); poll until the connection is up.
        while not self.client.ready(node_id):
            if time.monotonic() >= deadline:
                raise AssertionError(f"could not connect to node {node_id} within {timeout} s")
            self.client.poll(timeout_ms=100)

    def close(self) -> None:
        self.client.close()

    # -- requests -------------------------------------------------------------------------

    def send(self, request) -> Future:
        future = self.client.send(self.node_id, request)
        self.client.poll(timeout_ms=0)  # write it now: send() only queues it
        return future

    def wait(self, future: Future, timeout: float = 30.0):
        """Polls until the response arrives; returns it (AssertionError on failure or timeout)."""
        deadline = time.monotonic() + timeout
        while not future.is_done:
            if time.monotonic() >= deadline:
                raise AssertionError(f"no response within {timeout} s")
            self.client.poll(timeout_ms=50)
        if future.failed():
            raise AssertionError(f"request failed: {future.exception!r}")
        return future.value

    def call(self, request, timeout: float = 30.0):
        return self.wait(self.send(request), timeout)

    def join(self, group: str, member_id: str = "", version: int = len(JoinGroupRequest) - 1,
             session_timeout_ms: int = 10000, rebalance_timeout_ms: int = 30000,
             topics: tuple[str, ...] = ("orders",)) -> Future:
        """Sends JoinGroup (which may park until the join phase ends); returns the future."""
        protocols = [("range", subscription(*topics))]
        if version == 0:
            request = JoinGroupRequest[0](group, session_timeout_ms, member_id, "consumer",
                                          protocols)
        else:
            request = JoinGroupRequest[version](group, session_timeout_ms, rebalance_timeout_ms,
                                                member_id, "consumer", protocols)
        return self.send(request)

    def sync(self, group: str, generation: int, member_id: str,
             assignments: list[tuple[str, bytes]], version: int = len(SyncGroupRequest) - 1):
        return self.call(SyncGroupRequest[version](group, generation, member_id, assignments))

    def heartbeat(self, group: str, generation: int, member_id: str, version: int) -> int:
        return self.call(HeartbeatRequest[version](group, generation, member_id)).error_code

    def leave(self, group: str, member_id: str, version: int) -> int:
        return self.call(LeaveGroupRequest[version](group, member_id)).error_code

    def commit(self, group: str, generation: int, member_id: str,
               offsets: dict[tuple[str, int], int], version: int) -> dict[tuple[str, int], int]:
        """OffsetCommit v2/v3; returns the error code per partition."""
        by_topic: dict[str, list] = {}
        for (topic, partition), offset in sorted(offsets.items()):
            by_topic.setdefault(topic, []).append((partition, offset, ""))
        request = OffsetCommitRequest[version](group, generation, member_id, -1,
                                               list(by_topic.items()))
        response = self.call(request)
        return {(topic, partition): error
                for topic, partitions in response.topics for partition, error in partitions}

    def form_group(self, group: str, topic: str = "orders", partitions: int = 4,
                   session_timeout_ms: int = 10000, retry_for: float = 0.0) -> tuple[int, str]:
        """Joins `group` alone (the coordinator must run with no initial rebalance delay) and
        syncs an assignment of every partition: the group is Stable. Returns (generation,
        member id). For `retry_for` seconds a retriable JoinGroup error is retried, as clients
        do (a coordinator of a cluster just restarted, say)."""
        deadline = time.monotonic() + retry_for
        while True:
            joined = self.wait(self.join(group, session_timeout_ms=session_timeout_ms))
            if joined.error_code not in RETRIABLE or time.monotonic() >= deadline:
                break
            time.sleep(0.05)
        if joined.error_code != NONE:
            raise AssertionError(f"JoinGroup of {group} answered {joined.error_code}")
        if joined.leader_id != joined.member_id:
            raise AssertionError(f"sole member {joined.member_id} is not the leader "
                                 f"{joined.leader_id}")
        synced = self.sync(group, joined.generation_id, joined.member_id,
                           [(joined.member_id, assignment(topic, list(range(partitions))))])
        if synced.error_code != NONE:
            raise AssertionError(f"SyncGroup of {group} answered {synced.error_code}")
        return joined.generation_id, joined.member_id

    def socket(self):
        """The socket object of the connection to the node (a reconnect makes a new one)."""
        return self.client._conns[self.node_id]._sock  # noqa: SLF001 - test introspection

    def connected(self) -> bool:
        return self.client.connected(self.node_id)
