"""Hostile and odd byte streams over raw sockets against a real gateway process.

For every bad input the gateway must close THAT connection, log why
("closing connection from 127.0.0.1:PORT: <reason>"), and keep serving a healthy connection
that was opened before the bad one. Nothing here sleeps to "let things happen": every wait is
for an event (socket EOF, a log line, a response) with a timeout. The only timed pauses are
the slow-drip intervals, which are the input under test.

Run with: /usr/bin/python3 -m unittest -v test_hostile_input.py
"""

import random
import re
import select
import socket
import struct
import sys
import time
import unittest
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from gateway_process import GatewayProcess  # noqa: E402
from raw_wire import (Cursor, compact_string, connect, frame, read_frame, recv_exact,  # noqa: E402
                      request)

API_VERSIONS, METADATA, FIND_COORDINATOR, HEARTBEAT = 18, 3, 10, 12
UNSUPPORTED_VERSION = 35
# What the gateway serves today; ApiVersions must advertise at least these ranges.
SERVED = {API_VERSIONS: (0, 4), METADATA: (0, 12), FIND_COORDINATOR: (0, 6)}
MAX_FRAME = 4096  # small --max-frame-bytes so the boundary is cheap to test
WAIT = 5.0        # seconds to wait for any expected event


# -- ApiVersions ----------------------------------------------------------------------------

def api_versions_request(version: int, correlation_id: int) -> bytes:
    if version >= 3:  # flexible: client software name/version, then empty tagged fields
        body = compact_string("groupwire-e2e") + compact_string("1.0") + b"\x00"
        return request(API_VERSIONS, version, correlation_id, body, flexible=True)
    return request(API_VERSIONS, version, correlation_id)


def parse_api_versions(payload: bytes, version: int):
    """-> (correlation_id, error_code, {api_key: (min, max)}). The response header is always
    v0 for ApiVersions, even when the body is flexible (v3+)."""
    c = Cursor(payload)
    correlation_id, error = c.take(">i"), c.take(">h")
    flexible = version >= 3
    count = c.uvarint() - 1 if flexible else c.take(">i")
    ranges = {}
    for _ in range(count):
        key, lo, hi = c.take(">hhh")
        ranges[key] = (lo, hi)
        if flexible:
            assert c.uvarint() == 0, "unexpected tagged fields in api_keys entry"
    if version >= 1:
        c.take(">i")  # throttle_time_ms
    if flexible:
        c.uvarint()   # tagged fields (may carry SupportedFeatures etc.)
        c.pos = len(payload)
    assert c.pos == len(payload), f"{len(payload) - c.pos} trailing bytes in ApiVersions v{version}"
    return correlation_id, error, ranges


def size_reason(prefix: bytes) -> str:
    """The log must say the size prefix was refused and name the offending value; the gateway
    has spelled it in decimal ("frame size -2147483648 outside ...") and in hex ("frame size
    prefix 80000000 is negative or above ..."), so accept either."""
    (size,) = struct.unpack(">i", prefix[:4])
    return rf"frame size .*(?<![\w-])(?:{size}|{prefix[:4].hex()})(?!\w)"


# -- the tests -------------------------------------------------------------------------------

class GatewayTestCase(unittest.TestCase):
    """Starts one gateway per class and keeps a healthy connection open around each test."""

    flags: tuple[str, ...] = ()
    gw: GatewayProcess

    @classmethod
    def setUpClass(cls):
        cls.gw = GatewayProcess(*cls.flags, topics={"orders": 3}).start()

    @classmethod
    def tearDownClass(cls):
        cls.gw.stop_cleanly()

    def setUp(self):
        self.correlation = 0
        self.healthy = connect(self.gw)
        self.addCleanup(self.healthy.close)
        self.assert_healthy()  # opened and served before the hostile connection exists

    def assert_healthy(self, version: int = 3):
        """One ApiVersions round trip on the healthy connection returns a correct answer."""
        self.correlation += 1
        self.healthy.sendall(api_versions_request(version, self.correlation))
        cid, error, ranges = parse_api_versions(read_frame(self.healthy), version)
        self.assertEqual((cid, error), (self.correlation, 0))
        for key, rng in SERVED.items():
            self.assertEqual(ranges.get(key), rng, f"advertised range of API key {key}")

    def hostile(self) -> tuple[socket.socket, str]:
        """A new connection, and the peer name the gateway's log lines will use for it."""
        sock = connect(self.gw)
        self.addCleanup(sock.close)
        host, port = sock.getsockname()[:2]
        return sock, f"{host}:{port}"

    def assert_closed_by_gateway(self, sock: socket.socket, peer: str, reason: str,
                                 mark: int, timeout: float = WAIT):
        """The gateway sends nothing, closes the connection, and logs `reason` (a regex)."""
        sock.settimeout(timeout)
        received = b""
        try:
            while chunk := sock.recv(4096):
                received += chunk
        except ConnectionResetError:
            pass  # closing with our unread bytes still queued makes the kernel send a RST
        except socket.timeout:
            self.fail(f"gateway kept {peer} open for {timeout} s")
        self.assertEqual(received, b"", "gateway answered a request it should reject")
        line = self.gw.wait_for_log(
            re.escape(f"closing connection from {peer}: ") + f"(?:{reason})", WAIT, after=mark)
        self.assertIn(" warning ", line)

    def check_rejected(self, data: bytes, reason: str, half_close: bool = False):
        mark = self.gw.mark()
        sock, peer = self.hostile()
        sock.sendall(data)
        if half_close:
            try:
                sock.shutdown(socket.SHUT_WR)
            except OSError:
                pass  # the gateway already rejected the prefix and reset the connection
        self.assert_closed_by_gateway(sock, peer, reason, mark)
        self.assert_healthy()


class HostileInputTest(GatewayTestCase):
    flags = ("--max-frame-bytes", str(MAX_FRAME))

    def test_random_garbage(self):
        # Seeded, so a failure is reproducible. Most prefixes are out of range; a plausible one
        # would wait for the rest of the frame, so the client half-closes to end it either way.
        for seed in range(6):
            garbage = random.Random(seed).randbytes(256)
            (size,) = struct.unpack(">i", garbage[:4])
            if size < 0 or size > MAX_FRAME:
                reason = size_reason(garbage)
            elif size > len(garbage) - 4:
                reason = "connection lost mid-frame"
            else:
                reason = "unknown API key|not supported|request header|body"
            with self.subTest(seed=seed, size=size):
                self.check_rejected(garbage, reason, half_close=True)

    def test_garbage_inside_a_well_sized_frame(self):
        for seed in range(6):
            body = random.Random(100 + seed).randbytes(64)
            (key,) = struct.unpack(">h", body[:2])
            reason = (f"unknown API key {key}$" if key not in SERVED
                      else f"API key {key} |request header")
            with self.subTest(seed=seed, key=key):
                self.check_rejected(frame(body), reason)

    def test_truncated_frame_then_half_close(self):
        # The prefix promises 100 bytes; 10 arrive, then the client says it sends no more.
        self.check_rejected(struct.pack(">i", 100) + bytes(10), "connection lost mid-frame",
                            half_close=True)

    def test_frame_shorter_than_request_header(self):
        self.check_rejected(frame(b"\x00\x12\x00"), "frame shorter than a request header")

    def test_client_id_cut_short(self):
        # Complete frame whose header claims a 50-byte client id but holds 3 bytes.
        payload = struct.pack(">hhih", API_VERSIONS, 1, 7, 50) + b"e2e"
        self.check_rejected(frame(payload), "request header: ")

    def test_metadata_body_cut_short(self):
        # Metadata v4 body: topics array says 2 entries, then the frame ends.
        self.check_rejected(request(METADATA, 4, 9, struct.pack(">i", 2)),
                            r"API key 3 v4 body: .* at byte \d+")

    def test_size_prefix_2_gib(self):
        self.check_rejected(b"\x80\x00\x00\x00", size_reason(b"\x80\x00\x00\x00"))

    def test_size_prefix_int32_max(self):
        self.check_rejected(b"\x7f\xff\xff\xff", size_reason(b"\x7f\xff\xff\xff"))

    def test_size_prefix_one_over_max_frame_bytes(self):
        prefix = struct.pack(">i", MAX_FRAME + 1)
        self.check_rejected(prefix, size_reason(prefix))

    def test_frame_of_exactly_max_frame_bytes_is_served(self):
        # The limit is inclusive: pad the client id so the frame body is MAX_FRAME bytes.
        client_id = "x" * (MAX_FRAME - 10)
        data = request(API_VERSIONS, 0, 77, client_id=client_id)
        self.assertEqual(len(data), MAX_FRAME + 4)
        sock, _ = self.hostile()
        sock.sendall(data)
        cid, error, ranges = parse_api_versions(read_frame(sock), 0)
        self.assertEqual((cid, error, ranges.get(API_VERSIONS)), (77, 0, (0, 4)))

    def test_unknown_api_key(self):
        self.check_rejected(request(1234, 0, 1), "unknown API key 1234$")

    def test_negative_api_key(self):
        self.check_rejected(request(-1, 0, 1), "unknown API key -1$")

    def test_unsupported_heartbeat_version(self):
        # Heartbeat v5 does not exist (0-4). Until Heartbeat is served the key itself is
        # unknown; either way the gateway must refuse rather than guess at the body.
        body = compact_string("group") + struct.pack(">i", 1) + compact_string("m") + b"\x00\x00"
        self.check_rejected(request(HEARTBEAT, 5, 1, body, flexible=True),
                            "unknown API key 12$|API key 12 version 5 not supported")

    def test_api_versions_too_new_gets_v0_fallback(self):
        # KIP-511: a v0-encoded answer with UNSUPPORTED_VERSION and only ApiVersions' range,
        # then the connection stays open so the client can retry with a version we speak.
        sock, _ = self.hostile()
        body = compact_string("future-client") + compact_string("9.9") + b"\x00"
        sock.sendall(request(API_VERSIONS, 9, 0x01020304, body, flexible=True))
        expected = struct.pack(">iihihhh", 16, 0x01020304, UNSUPPORTED_VERSION, 1,
                               API_VERSIONS, 0, 4)
        self.assertEqual(recv_exact(sock, len(expected)), expected)
        sock.sendall(api_versions_request(4, 0x01020305))
        cid, error, ranges = parse_api_versions(read_frame(sock), 4)
        self.assertEqual((cid, error, ranges.get(API_VERSIONS)), (0x01020305, 0, (0, 4)))

    def test_pipelined_requests_answer_in_order(self):
        # More than the gateway's 256 in-flight slots, so its read back-pressure is exercised.
        count, first = 300, 5000
        versions = [i % 4 for i in range(count)]
        self.healthy.sendall(b"".join(api_versions_request(v, first + i)
                                      for i, v in enumerate(versions)))
        got = []
        for v in versions:
            cid, error, ranges = parse_api_versions(read_frame(self.healthy), v)
            self.assertEqual((error, ranges.get(METADATA)), (0, (0, 12)))
            got.append(cid)
        self.assertEqual(got, list(range(first, first + count)))
        self.assert_healthy()

    def test_requests_pipelined_before_a_bad_frame_are_answered_first(self):
        # As with Kafka, requests already read are answered in order; only then is the
        # connection closed for the bad one.
        count = 300
        mark = self.gw.mark()
        sock, peer = self.hostile()
        sock.sendall(b"".join(api_versions_request(3, i) for i in range(count))
                     + request(1234, 0, count))
        got = [parse_api_versions(read_frame(sock), 3)[0] for _ in range(count)]
        self.assertEqual(got, list(range(count)))
        self.assert_closed_by_gateway(sock, peer, "unknown API key 1234$", mark)
        self.assert_healthy()


class SlowClientTest(GatewayTestCase):
    FRAME_TIMEOUT_MS = 300
    flags = ("--frame-timeout-ms", str(FRAME_TIMEOUT_MS))
    DRIP = 0.05  # seconds between bytes

    def test_slow_drip_is_cut_off_and_others_keep_being_served(self):
        data = api_versions_request(3, 42)  # ~35 bytes: ~1.7 s at this pace, far over 300 ms
        mark = self.gw.mark()
        sock, peer = self.hostile()
        sent = 0
        started = time.monotonic()
        while sent < len(data):
            try:
                sock.send(data[sent:sent + 1])
            except (BrokenPipeError, ConnectionResetError):
                break
            sent += 1
            if sent % 3 == 1:
                self.assert_healthy()  # served while the drip is in progress
            # The drip interval itself; waking early means the gateway closed us.
            readable, _, _ = select.select([sock], [], [], self.DRIP)
            if readable:
                break
        elapsed = time.monotonic() - started
        self.assertLess(sent, len(data), "the whole frame got through the frame timeout")
        self.assertGreaterEqual(elapsed, self.FRAME_TIMEOUT_MS / 1000 - 0.05)
        self.assert_closed_by_gateway(
            sock, peer, f"frame not completed within {self.FRAME_TIMEOUT_MS} ms", mark)
        self.assert_healthy()

    def test_silence_mid_frame_is_cut_off(self):
        # Size prefix says 100, 10 bytes arrive, then nothing: the frame timeout ends it.
        self.check_rejected(struct.pack(">i", 100) + bytes(10),
                            f"frame not completed within {self.FRAME_TIMEOUT_MS} ms")

    def test_split_frame_within_timeout_is_served(self):
        # Control for the drip test: a frame in three writes 50 ms apart is answered.
        data = api_versions_request(3, 43)
        sock, _ = self.hostile()
        for start, end in ((0, 3), (3, 12)):
            sock.sendall(data[start:end])
            readable, _, _ = select.select([sock], [], [], self.DRIP)  # the pause under test
            self.assertEqual(readable, [], "gateway answered or closed mid-frame")
        sock.sendall(data[12:])
        cid, error, ranges = parse_api_versions(read_frame(sock), 3)
        self.assertEqual((cid, error, ranges.get(API_VERSIONS)), (43, 0, (0, 4)))


if __name__ == "__main__":
    unittest.main()
