"""Kafka group API requests encoded byte by byte, and their answers decoded, over a raw socket.

Tests that must control exactly what one write carries (several requests pipelined in a single
`sendall`) use this rather than a client library; kafka-python 2.0.2 has no flexible versions.
Each builder returns a Request whose `parse` decodes the answer's body in the same version.
Field order and versions follow Kafka's message schemas (clients/src/main/resources/common/
message/*.json in apache/kafka); the framing primitives are raw_wire's.

    conn = RawConnection(gateway)
    committed, fetched = conn.exchange(offset_commit(9, "g", {("orders", 0): 5}),
                                       offset_fetch(9, {"g": {"orders": [0]}}))
"""

import socket
import struct
from dataclasses import dataclass
from typing import Any, Callable, NamedTuple

from gateway_process import GatewayProcess
from raw_wire import Cursor, compact_string, connect, read_frame, request, uvarint

OFFSET_COMMIT, OFFSET_FETCH, JOIN_GROUP, HEARTBEAT, LEAVE_GROUP, SYNC_GROUP = 8, 9, 11, 12, 13, 14
DESCRIBE_GROUPS, LIST_GROUPS, DELETE_GROUPS, OFFSET_DELETE = 15, 16, 42, 47
CONSUMER_GROUP_HEARTBEAT = 68
# First flexible version of each API (None: never flexible); it decides both header versions.
_FLEXIBLE_FROM = {OFFSET_COMMIT: 8, OFFSET_FETCH: 6, JOIN_GROUP: 6, HEARTBEAT: 4, LEAVE_GROUP: 4,
                  SYNC_GROUP: 4, DESCRIBE_GROUPS: 5, LIST_GROUPS: 3, DELETE_GROUPS: 2,
                  OFFSET_DELETE: None, CONSUMER_GROUP_HEARTBEAT: 0}

ANSWER_TIMEOUT = 30.0  # seconds for any one answer; a JoinGroup is parked until its phase ends


def _flexible(api_key: int, version: int) -> bool:
    first = _FLEXIBLE_FROM[api_key]
    return first is not None and version >= first


def int8(v: int) -> bytes:
    return struct.pack(">b", v)


def int32(v: int) -> bytes:
    return struct.pack(">i", v)


def int64(v: int) -> bytes:
    return struct.pack(">q", v)


class Encoder:
    """The field encodings of one request version: classic lengths, or compact lengths and a tag
    buffer ending every struct in flexible versions."""

    def __init__(self, api_key: int, version: int):
        self.flexible = _flexible(api_key, version)

    def string(self, s: str | None) -> bytes:
        if self.flexible:
            return b"\x00" if s is None else compact_string(s)
        if s is None:
            return struct.pack(">h", -1)
        raw = s.encode()
        return struct.pack(">h", len(raw)) + raw

    def bytes_(self, b: bytes) -> bytes:
        return (uvarint(len(b) + 1) if self.flexible else int32(len(b))) + b

    def array(self, elements: list[bytes]) -> bytes:
        count = uvarint(len(elements) + 1) if self.flexible else int32(len(elements))
        return count + b"".join(elements)

    def tagged(self, *fields: bytes) -> bytes:
        """A struct (an array element or the whole body): its fields, then no tagged fields."""
        return b"".join(fields) + (b"\x00" if self.flexible else b"")


class Decoder(Cursor):
    """Reads an answer's body in the encodings of its version."""

    def __init__(self, data: bytes, flexible: bool):
        super().__init__(data)
        self.flexible = flexible

    def int8(self) -> int:
        return self.take(">b")

    def int16(self) -> int:
        return self.take(">h")

    def int32(self) -> int:
        return self.take(">i")

    def int64(self) -> int:
        return self.take(">q")

    def _length(self, classic: str) -> int:
        return self.uvarint() - 1 if self.flexible else self.take(classic)

    def _raw(self, n: int) -> bytes:
        if self.pos + n > len(self.data):
            raise AssertionError(f"answer cut short: {n} bytes wanted at {self.pos} of "
                                 f"{len(self.data)}")
        self.pos += n
        return self.data[self.pos - n:self.pos]

    def string(self) -> str | None:
        n = self._length(">h")
        return None if n < 0 else self._raw(n).decode()

    def bytes_(self) -> bytes | None:
        n = self._length(">i")
        return None if n < 0 else self._raw(n)

    def array(self, element: Callable[[], Any]) -> list | None:
        n = self._length(">i")
        return None if n < 0 else [element() for _ in range(n)]

    def tagged(self, value: Any = None) -> Any:
        """Ends a struct whose fields were read into `value`: skips its tagged fields."""
        if self.flexible:
            for _ in range(self.uvarint()):
                self.uvarint()  # tag
                self._raw(self.uvarint())
        return value


@dataclass
class Request:
    api: str  # e.g. "OffsetFetch"
    api_key: int
    version: int
    body: bytes
    parse: Callable[[Decoder], Any]  # decodes the whole answer body

    @property
    def name(self) -> str:
        return f"{self.api} v{self.version}"

    @property
    def flexible(self) -> bool:
        return _flexible(self.api_key, self.version)


# -- offsets ----------------------------------------------------------------------------------

def offset_commit(version: int, group: str, offsets: dict[tuple[str, int], int],
                  generation: int = -1, member_id: str = "") -> Request:
    """OffsetCommit v2-9 with empty metadata. Generation -1 and no member is a "simple" commit,
    as admin tools and assign() consumers make. Answer: {(topic, partition): error}."""
    assert 2 <= version <= 9, version
    e = Encoder(OFFSET_COMMIT, version)
    by_topic: dict[str, list[bytes]] = {}
    for (topic, partition), offset in sorted(offsets.items()):
        by_topic.setdefault(topic, []).append(e.tagged(
            int32(partition), int64(offset), int32(-1) if version >= 6 else b"",  # leader epoch
            e.string("")))  # metadata
    topics = [e.tagged(e.string(topic), e.array(partitions))
              for topic, partitions in by_topic.items()]
    body = e.tagged(e.string(group), int32(generation), e.string(member_id),
                    e.string(None) if version >= 7 else b"",  # group instance id
                    int64(-1) if version <= 4 else b"",        # retention: the broker's
                    e.array(topics))

    def parse(d: Decoder) -> dict[tuple[str, int], int]:
        if version >= 3:
            d.int32()  # throttle
        topics = d.array(lambda: d.tagged((d.string(), d.array(
            lambda: d.tagged((d.int32(), d.int16()))))))
        d.tagged()
        return {(topic, partition): error for topic, partitions in topics
                for partition, error in partitions}

    return Request("OffsetCommit", OFFSET_COMMIT, version, body, parse)


class Fetched(NamedTuple):
    error: int  # the group's (v2+)
    offsets: dict[tuple[str, int], tuple[int, int]]  # (topic, partition) -> (offset, error)


def offset_fetch(version: int, groups: dict[str, dict[str, list[int]]]) -> Request:
    """OffsetFetch v1-9 of the given partitions: v1-7 name one group, v8+ any number.
    Answer: {group: Fetched}."""
    assert 1 <= version <= 9 and (version >= 8 or len(groups) == 1), (version, groups)
    e = Encoder(OFFSET_FETCH, version)

    def topics(partitions: dict[str, list[int]]) -> bytes:
        return e.array([e.tagged(e.string(topic), e.array([int32(p) for p in indexes]))
                        for topic, indexes in partitions.items()])

    require_stable = int8(0) if version >= 7 else b""
    if version >= 8:
        body = e.tagged(e.array([
            e.tagged(e.string(group),
                     (e.string(None) + int32(-1)) if version >= 9 else b"",  # member, epoch
                     topics(partitions))
            for group, partitions in groups.items()]), require_stable)
    else:
        [(group, partitions)] = groups.items()
        body = e.tagged(e.string(group), topics(partitions), require_stable)

    def offsets(d: Decoder) -> dict[tuple[str, int], tuple[int, int]]:
        def partition():
            index, offset = d.int32(), d.int64()
            if version >= 5:
                d.int32()  # leader epoch
            d.string()     # metadata
            return d.tagged((index, (offset, d.int16())))

        topics = d.array(lambda: d.tagged((d.string(), d.array(partition))))
        return {(topic, index): got for topic, partitions in topics for index, got in partitions}

    def parse(d: Decoder) -> dict[str, Fetched]:
        if version >= 3:
            d.int32()  # throttle
        if version >= 8:
            answer = {group: Fetched(error, fetched) for group, fetched, error in d.array(
                lambda: d.tagged((d.string(), offsets(d), d.int16())))}
        else:
            fetched = offsets(d)
            answer = {group: Fetched(d.int16() if version >= 2 else 0, fetched)}
        d.tagged()
        return answer

    return Request("OffsetFetch", OFFSET_FETCH, version, body, parse)


def offset_delete(group: str, partitions: dict[str, list[int]]) -> Request:
    """OffsetDelete v0 (never flexible). Answer: (group error, {(topic, partition): error})."""
    e = Encoder(OFFSET_DELETE, 0)
    body = e.tagged(e.string(group), e.array([
        e.tagged(e.string(topic), e.array([e.tagged(int32(p)) for p in indexes]))
        for topic, indexes in partitions.items()]))

    def parse(d: Decoder) -> tuple[int, dict[tuple[str, int], int]]:
        error = d.int16()
        d.int32()  # throttle: after the error code in this API
        topics = d.array(lambda: d.tagged((d.string(), d.array(
            lambda: d.tagged((d.int32(), d.int16()))))))
        return error, {(topic, p): err for topic, parts in topics for p, err in parts}

    return Request("OffsetDelete", OFFSET_DELETE, 0, body, parse)


# -- groups -----------------------------------------------------------------------------------

class Joined(NamedTuple):
    error: int
    generation: int
    protocol_name: str | None
    leader: str
    member_id: str
    members: tuple[str, ...]  # listed to the leader only


def join_group(group: str, instance_id: str, subscription: bytes, session_timeout_ms: int,
               rebalance_timeout_ms: int) -> Request:
    """JoinGroup v9 of a new static member (no MEMBER_ID_REQUIRED round trip) offering the
    "range" protocol. Answer: Joined."""
    e = Encoder(JOIN_GROUP, 9)
    body = e.tagged(e.string(group), int32(session_timeout_ms), int32(rebalance_timeout_ms),
                    e.string(""), e.string(instance_id), e.string("consumer"),
                    e.array([e.tagged(e.string("range"), e.bytes_(subscription))]),
                    e.string(None))  # reason

    def parse(d: Decoder) -> Joined:
        d.int32()  # throttle
        error, generation = d.int16(), d.int32()
        d.string()  # protocol type
        protocol_name, leader = d.string(), d.string()
        d.int8()    # skip assignment
        member_id = d.string()
        members = d.array(lambda: d.tagged((d.string(), d.string(), d.bytes_())))
        d.tagged()
        return Joined(error, generation, protocol_name, leader, member_id,
                      tuple(member for member, _instance, _metadata in members))

    return Request("JoinGroup", JOIN_GROUP, 9, body, parse)


def sync_group(group: str, generation: int, member_id: str, instance_id: str,
               assignments: dict[str, bytes]) -> Request:
    """SyncGroup v5 (the leader hands out `assignments`). Answer: (error, the member's
    assignment)."""
    e = Encoder(SYNC_GROUP, 5)
    body = e.tagged(e.string(group), int32(generation), e.string(member_id),
                    e.string(instance_id), e.string("consumer"), e.string("range"),
                    e.array([e.tagged(e.string(m), e.bytes_(a)) for m, a in assignments.items()]))

    def parse(d: Decoder) -> tuple[int, bytes]:
        d.int32()  # throttle
        error = d.int16()
        d.string()  # protocol type
        d.string()  # protocol name
        assignment = d.bytes_()
        d.tagged()
        return error, assignment

    return Request("SyncGroup", SYNC_GROUP, 5, body, parse)


def heartbeat(group: str, generation: int, member_id: str, instance_id: str) -> Request:
    """Heartbeat v4. Answer: the error."""
    e = Encoder(HEARTBEAT, 4)
    body = e.tagged(e.string(group), int32(generation), e.string(member_id),
                    e.string(instance_id))

    def parse(d: Decoder) -> int:
        d.int32()  # throttle
        error = d.int16()
        d.tagged()
        return error

    return Request("Heartbeat", HEARTBEAT, 4, body, parse)


def leave_group(group: str, member_ids: list[str]) -> Request:
    """LeaveGroup v5. Answer: (top-level error, {member id: error})."""
    e = Encoder(LEAVE_GROUP, 5)
    body = e.tagged(e.string(group), e.array([
        e.tagged(e.string(m), e.string(None), e.string(None)) for m in member_ids]))

    def parse(d: Decoder) -> tuple[int, dict[str, int]]:
        d.int32()  # throttle
        error = d.int16()
        members = d.array(lambda: d.tagged((d.string(), d.string(), d.int16())))
        d.tagged()
        return error, {member: err for member, _, err in members}

    return Request("LeaveGroup", LEAVE_GROUP, 5, body, parse)


class Described(NamedTuple):
    error: int
    state: str
    protocol_type: str
    protocol_data: str  # the selected protocol, in Stable only
    members: tuple[str, ...]


def describe_groups(groups: list[str]) -> Request:
    """DescribeGroups v5. Answer: {group: Described}."""
    e = Encoder(DESCRIBE_GROUPS, 5)
    body = e.tagged(e.array([e.string(g) for g in groups]), int8(0))  # no authorized operations

    def member(d: Decoder) -> str:
        member_id, _instance, _client, _host, _metadata, _assignment = d.tagged(
            (d.string(), d.string(), d.string(), d.string(), d.bytes_(), d.bytes_()))
        return member_id

    def group(d: Decoder) -> tuple[str, Described]:
        error, group_id = d.int16(), d.string()
        state, protocol_type, protocol_data = d.string(), d.string(), d.string()
        members = tuple(d.array(lambda: member(d)))
        d.int32()  # authorized operations
        return d.tagged((group_id, Described(error, state, protocol_type, protocol_data, members)))

    def parse(d: Decoder) -> dict[str, Described]:
        d.int32()  # throttle
        described = dict(d.array(lambda: group(d)))
        d.tagged()
        return described

    return Request("DescribeGroups", DESCRIBE_GROUPS, 5, body, parse)


def list_groups() -> Request:
    """ListGroups v5 with no filters. Answer: (error, {group: state})."""
    e = Encoder(LIST_GROUPS, 5)
    body = e.tagged(e.array([]), e.array([]))  # states filter, types filter

    def parse(d: Decoder) -> tuple[int, dict[str, str]]:
        d.int32()  # throttle
        error = d.int16()
        groups = d.array(lambda: d.tagged((d.string(), d.string(), d.string(), d.string())))
        d.tagged()
        return error, {group: state for group, _, state, _ in groups}

    return Request("ListGroups", LIST_GROUPS, 5, body, parse)


def delete_groups(groups: list[str]) -> Request:
    """DeleteGroups v2. Answer: {group: error}."""
    e = Encoder(DELETE_GROUPS, 2)
    body = e.tagged(e.array([e.string(g) for g in groups]))

    def parse(d: Decoder) -> dict[str, int]:
        d.int32()  # throttle
        results = d.array(lambda: d.tagged((d.string(), d.int16())))
        d.tagged()
        return dict(results)

    return Request("DeleteGroups", DELETE_GROUPS, 2, body, parse)


# -- the consumer group protocol (KIP-848) ----------------------------------------------------

class GroupHeartbeat(NamedTuple):
    error: int
    error_message: str | None
    member_id: str | None
    member_epoch: int
    heartbeat_interval_ms: int
    assignment: dict[bytes, list[int]] | None  # topic id -> partitions; None: unchanged


def consumer_group_heartbeat(group: str, member_id: str, member_epoch: int, *,
                             topics: list[str] | None = None, regex: str | None = None,
                             owned: dict[bytes, list[int]] | None = None,
                             rebalance_timeout_ms: int = -1, version: int = 1) -> Request:
    """ConsumerGroupHeartbeat v0-1 with no instance id, rack or server assignor; None is Kafka's
    "unchanged since the last heartbeat" (`regex` is v1+). `owned` maps topic ids (16 bytes) to
    the partitions the member owns. Answer: GroupHeartbeat."""
    assert version in (0, 1) and (version >= 1 or regex is None), (version, regex)
    e = Encoder(CONSUMER_GROUP_HEARTBEAT, version)
    null_array = uvarint(0)
    body = e.tagged(
        e.string(group), e.string(member_id), int32(member_epoch),
        e.string(None), e.string(None),  # instance id, rack id
        int32(rebalance_timeout_ms),
        null_array if topics is None else e.array([e.string(t) for t in topics]),
        e.string(regex) if version >= 1 else b"",
        e.string(None),  # server assignor
        null_array if owned is None else e.array([
            e.tagged(topic_id, e.array([int32(p) for p in partitions]))
            for topic_id, partitions in owned.items()]))

    def parse(d: Decoder) -> GroupHeartbeat:
        d.int32()  # throttle
        error, message, member, epoch, interval = (d.int16(), d.string(), d.string(), d.int32(),
                                                   d.int32())
        assignment = None
        if d.int8() >= 0:  # a nullable struct: -1 is null
            assignment = d.tagged(dict(d.array(
                lambda: d.tagged((d._raw(16), d.array(d.int32))))))
        d.tagged()
        return GroupHeartbeat(error, message, member, epoch, interval, assignment)

    return Request("ConsumerGroupHeartbeat", CONSUMER_GROUP_HEARTBEAT, version, body, parse)


# -- the connection ---------------------------------------------------------------------------

class RawConnection:
    """One socket to a gateway."""

    def __init__(self, gateway: GatewayProcess):
        self.sock = connect(gateway)
        self.sock.settimeout(ANSWER_TIMEOUT)
        self.correlation = 0

    def close(self) -> None:
        self.sock.close()

    def exchange(self, *requests: Request) -> list:
        """Writes every request in ONE sendall, so the gateway finds them pipelined, then reads
        the answers in order and returns each one decoded."""
        first = self.correlation + 1
        self.correlation += len(requests)
        self.sock.sendall(b"".join(
            request(r.api_key, r.version, first + i, r.body, flexible=r.flexible)
            for i, r in enumerate(requests)))
        return [self._answer(r, first + i) for i, r in enumerate(requests)]

    def _answer(self, r: Request, correlation_id: int) -> Any:
        try:
            payload = read_frame(self.sock)
        except socket.timeout:
            raise AssertionError(f"no answer to {r.name} within {ANSWER_TIMEOUT} s") from None
        d = Decoder(payload, r.flexible)
        got = d.int32()
        if got != correlation_id:
            raise AssertionError(f"answer to {r.name} has correlation id {got}, "
                                 f"not {correlation_id}")
        d.tagged()  # response header v1 of flexible versions
        answer = r.parse(d)
        if d.pos != len(payload):
            raise AssertionError(f"{len(payload) - d.pos} bytes left after the {r.name} answer: "
                                 f"{payload.hex()}")
        return answer
