"""SaslHandshake, SaslAuthenticate, ApiVersions and Metadata encoded byte by byte, and a raw
connection to a gateway over TLS that logs in with them, for tests that must control exactly
what a client sends before, during and after SASL authentication.

Requests are group_wire.Request-like (`Call`, which says itself whether its version is
flexible), so SecureConnection (a group_wire.RawConnection over TLS) exchanges both these and
group_wire's group requests. Field order and versions follow Kafka's message schemas
(clients/src/main/resources/common/message/*.json in apache/kafka).

    conn = SecureConnection(("127.0.0.1", port), ca=pki.ca().cert)
    answer = conn.login("alice", "secret", "SCRAM-SHA-512")   # SaslAuthenticated
    [(error, topics)] = conn.exchange(metadata(["orders"]))
"""

import socket
import ssl
import struct
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, NamedTuple

from group_wire import ANSWER_TIMEOUT, Decoder, RawConnection, int32
from raw_wire import frame, read_frame, request, uvarint
from tls_certs import Issued

from kafka.scram import ScramClient

METADATA, SASL_HANDSHAKE, API_VERSIONS, SASL_AUTHENTICATE = 3, 17, 18, 36

# Error codes (Kafka's protocol guide).
NONE = 0
TOPIC_AUTHORIZATION_FAILED = 29
GROUP_AUTHORIZATION_FAILED = 30
UNSUPPORTED_SASL_MECHANISM = 33
ILLEGAL_SASL_STATE = 34
SASL_AUTHENTICATION_FAILED = 58


@dataclass
class Call:
    """One request of an API group_wire does not know; duck-types group_wire.Request."""
    api: str
    api_key: int
    version: int
    body: bytes
    parse: Callable[[Decoder], Any]
    flexible: bool = False

    @property
    def name(self) -> str:
        return f"{self.api} v{self.version}"


def _string(s: str) -> bytes:
    raw = s.encode()
    return struct.pack(">h", len(raw)) + raw


def api_versions() -> Call:
    """ApiVersions v0. Answer: (error, {api key: (min, max)})."""
    def parse(d: Decoder):
        error = d.int16()
        ranges = d.array(lambda: (d.int16(), d.int16(), d.int16()))
        return error, {key: (low, high) for key, low, high in ranges}

    return Call("ApiVersions", API_VERSIONS, 0, b"", parse)


class Handshake(NamedTuple):
    error: int
    mechanisms: list[str]


def sasl_handshake(mechanism: str, version: int = 1) -> Call:
    """SaslHandshake v0 (bare tokens follow) or v1 (SaslAuthenticate follows)."""
    assert version in (0, 1), version

    def parse(d: Decoder) -> Handshake:
        return Handshake(d.int16(), d.array(d.string))

    return Call("SaslHandshake", SASL_HANDSHAKE, version, _string(mechanism), parse)


class Authenticated(NamedTuple):
    error: int
    error_message: str | None
    auth_bytes: bytes
    session_lifetime_ms: int  # v1+; 0 in v0


def sasl_authenticate(token: bytes, version: int = 1) -> Call:
    """SaslAuthenticate v0-2 (v2 is flexible)."""
    assert 0 <= version <= 2, version
    flexible = version >= 2
    body = (uvarint(len(token) + 1) + token + b"\x00") if flexible else int32(len(token)) + token

    def parse(d: Decoder) -> Authenticated:
        error, message, auth_bytes = d.int16(), d.string(), d.bytes_()
        lifetime = d.int64() if version >= 1 else 0
        d.tagged()
        return Authenticated(error, message, auth_bytes or b"", lifetime)

    return Call("SaslAuthenticate", SASL_AUTHENTICATE, version, body, parse, flexible)


class TopicMetadata(NamedTuple):
    error: int
    partitions: dict[int, int]  # partition -> error


def metadata(topics: list[str] | None) -> Call:
    """Metadata v1 of `topics` (None: every topic). Answer: (broker node ids, {topic:
    TopicMetadata})."""
    body = int32(-1) if topics is None else int32(len(topics)) + b"".join(map(_string, topics))

    def partition(d: Decoder) -> tuple[int, int]:
        error, index = d.int16(), d.int32()
        d.int32()  # leader
        d.array(d.int32)  # replicas
        d.array(d.int32)  # isr
        return index, error

    def topic(d: Decoder) -> tuple[str, TopicMetadata]:
        error, name = d.int16(), d.string()
        d.int8()  # is_internal
        return name, TopicMetadata(error, dict(d.array(lambda: partition(d))))

    def parse(d: Decoder):
        brokers = d.array(lambda: (d.int32(), d.string(), d.int32(), d.string()))
        d.int32()  # controller
        return [b[0] for b in brokers], dict(d.array(lambda: topic(d)))

    return Call("Metadata", METADATA, 1, body, parse)


def plain_token(user: str, password: str) -> bytes:
    return b"\x00" + user.encode() + b"\x00" + password.encode()


class SecureConnection(RawConnection):
    """One TLS socket to a gateway listener (the TLS handshake is done in the constructor), with
    RawConnection's exchange() for any request."""

    def __init__(self, address: tuple[str, int], ca: Path, client: Issued | None = None,
                 timeout: float = ANSWER_TIMEOUT):
        context = ssl.create_default_context(cafile=str(ca))
        if client is not None:
            context.load_cert_chain(str(client.cert), str(client.key))
        raw = socket.create_connection(address, timeout=timeout)
        raw.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        try:
            self.sock = context.wrap_socket(raw, server_hostname=address[0])
        except BaseException:
            raw.close()
            raise
        self.correlation = 0

    def call(self, request) -> Any:
        [answer] = self.exchange(request)
        return answer

    def login(self, user: str, password: str, mechanism: str,
              authenticate_version: int = 1) -> Authenticated:
        """SaslHandshake v1 then SaslAuthenticate exchanges to the end; the last answer (its
        error is SASL_AUTHENTICATION_FAILED on a refused login)."""
        handshake = self.call(sasl_handshake(mechanism))
        if handshake.error != NONE:
            raise AssertionError(f"SaslHandshake {mechanism} answered {handshake}")
        if mechanism == "PLAIN":
            return self.call(sasl_authenticate(plain_token(user, password), authenticate_version))
        scram = ScramClient(user, password, mechanism)
        first = self.call(sasl_authenticate(scram.first_message().encode(), authenticate_version))
        if first.error != NONE:
            return first
        scram.process_server_first_message(first.auth_bytes.decode())
        final = self.call(sasl_authenticate(scram.final_message().encode(), authenticate_version))
        if final.error == NONE:
            scram.process_server_final_message(final.auth_bytes.decode())  # checks the server
        return final

    def login_bare(self, user: str, password: str, mechanism: str) -> None:
        """SaslHandshake v0, then the mechanism's tokens in bare size-prefixed frames (no
        SaslAuthenticate), as clients did before Kafka 1.0. Raises on a refused login."""
        handshake = self.call(sasl_handshake(mechanism, version=0))
        if handshake.error != NONE:
            raise AssertionError(f"SaslHandshake v0 {mechanism} answered {handshake}")
        if mechanism == "PLAIN":
            self.sock.sendall(frame(plain_token(user, password)))
            read_frame(self.sock)  # empty: the login succeeded
            return
        scram = ScramClient(user, password, mechanism)
        self.sock.sendall(frame(scram.first_message().encode()))
        scram.process_server_first_message(read_frame(self.sock).decode())
        self.sock.sendall(frame(scram.final_message().encode()))
        scram.process_server_final_message(read_frame(self.sock).decode())

    def send_only(self, call) -> None:
        """Writes a request without reading an answer (one the gateway is to refuse)."""
        self.correlation += 1
        self.sock.sendall(request(call.api_key, call.version, self.correlation, call.body,
                                  flexible=call.flexible))

    def closed_by_peer(self, timeout: float = 10.0) -> bool:
        """Whether the gateway closes the connection (end of stream, a reset or a TLS alert)
        within `timeout` seconds, with no answer before; AssertionError if it answers."""
        self.sock.settimeout(timeout)
        try:
            data = self.sock.recv(4096)
        except socket.timeout:
            return False
        except (ssl.SSLError, ConnectionError):
            return True
        if data:
            raise AssertionError(f"the gateway answered {data.hex()} instead of closing")
        return True


def tls_connect(address: tuple[str, int], ca: Path, client: Issued | None = None):
    """The certificate (DER) the listener at `address` presents, over a new TLS connection."""
    conn = SecureConnection(address, ca, client)
    try:
        return conn.sock.getpeercert(binary_form=True)
    finally:
        conn.close()

