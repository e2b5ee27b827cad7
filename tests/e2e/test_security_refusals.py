"""What a gateway with TLS and SASL refuses, and that it keeps serving good clients after each
refusal: a gateway in upstream mode (librdkafka's mock upstream, a coordinator) with TLS and
SASL PLAIN, SCRAM-SHA-256 and SCRAM-SHA-512; raw connections (sasl_wire.py) write exactly what
each case needs.

    - a wrong password and an unknown user: SASL_AUTHENTICATION_FAILED, then the connection is
      closed and the failure logged;
    - a Metadata request before authentication: closed, logged; ApiVersions is answered;
    - a plaintext client on the TLS port: closed (at most a TLS alert), "TLS handshake failed";
    - SaslHandshake with a mechanism not enabled: UNSUPPORTED_SASL_MECHANISM with the enabled
      mechanisms, then closed;
    - SaslHandshake v0 followed by bare SCRAM and PLAIN tokens logs in;
    - with --tls-client-ca (a second gateway, no SASL, an ACL file): an expired client
      certificate, one from an untrusted CA and none at all are refused in the TLS handshake;
      a trusted certificate's principal is User:<CN> (its CN's group is allowed, another's not);
    - KIP-368 (a third gateway, --sasl-session-lifetime-ms 3000): SaslAuthenticate v1 and v2
      answer session_lifetime_ms 3000 (v0 has no such field); a raw client that does not
      re-authenticate is closed at its first request after expiry, one that re-authenticates on
      its connection goes on; confluent-kafka keeps producing and consuming in a group over two
      lifetimes (librdkafka 2.0.2 predates its KIP-368 support, added in 2.2.0: it reconnects
      and logs in again when the gateway closes an expired connection).

Run with Debian's interpreter and GROUPWIRE_DEV_UPSTREAM, GROUPWIRE_GATEWAY,
GROUPWIRE_COORDINATOR, GROUPWIRE_CLI set (ctest does):
    /usr/bin/python3 -m unittest -v test_security_refusals.py
"""

import re
import socket
import ssl
import sys
import time
import unittest
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from group_wire import offset_commit  # noqa: E402
from raw_wire import request  # noqa: E402
from sasl_wire import (GROUP_AUTHORIZATION_FAILED, NONE, SASL_AUTHENTICATION_FAILED,  # noqa: E402
                       UNSUPPORTED_SASL_MECHANISM, SecureConnection, api_versions, metadata,
                       plain_token, sasl_handshake)
from security_fixtures import (TLS_HANDSHAKE_FAILED, SecurityFiles, address,  # noqa: E402
                               another_gateway)
from upstream_cluster import UpstreamCluster  # noqa: E402

from confluent_kafka import Consumer, Producer  # noqa: E402

TOPIC, PARTITIONS = "orders", 3
USER, PASSWORD = "alice", "alice-secret"
LIFETIME_MS = 3000
ENABLED = ["PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512"]


def _closing(reason: str) -> re.Pattern:
    return re.compile(r"closing connection from \S+: " + reason)


class RefusalsTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.sec = SecurityFiles()
        cls.sec.add_user(USER, PASSWORD, "SCRAM-SHA-512")
        cls.sec.add_user("carol", "carol-secret", "SCRAM-SHA-256")
        cls.sec.write_acls("allow User:app-1 Read group prefixed mtls-",
                           "allow User:app-1 Read topic literal orders")
        cls.cluster = UpstreamCluster(topics={TOPIC: PARTITIONS, "lifetime": PARTITIONS},
                                      gateway_flags=tuple(cls.sec.gateway_flags()))
        cls.cluster.start()
        cls.extra = []
        try:
            cls.mtls = another_gateway(cls.cluster, *cls.sec.gateway_flags(
                mechanisms="", acls=True, client_ca=True))
            cls.extra.append(cls.mtls)
            cls.lifetime = another_gateway(cls.cluster, *cls.sec.gateway_flags(
                extra=("--sasl-session-lifetime-ms", str(LIFETIME_MS))))
            cls.extra.append(cls.lifetime)
        except Exception:
            cls.tearDownClass()
            raise

    @classmethod
    def tearDownClass(cls):
        codes = {g.bootstrap: g.stop() for g in cls.extra}
        cls.cluster.stop_cleanly()
        cls.sec.cleanup()
        assert set(codes.values()) <= {0}, f"extra gateways exited with {codes}"

    @property
    def gateway(self):
        return self.cluster.gateway

    def connect(self, gateway=None, client=None) -> SecureConnection:
        conn = SecureConnection(address(gateway or self.gateway), self.sec.ca, client)
        self.addCleanup(conn.close)
        return conn

    def assert_serves_good_client(self, gateway=None) -> None:
        """A new client logs in and is answered Metadata: the refusal before harmed nothing."""
        conn = self.connect(gateway)
        answer = conn.login(USER, PASSWORD, "SCRAM-SHA-512")
        self.assertEqual(answer.error, NONE, answer)
        _, topics = conn.call(metadata(None))
        self.assertIn(TOPIC, topics, self.cluster.logs())

    def assert_refused_login(self, user: str, password: str, mechanism: str) -> None:
        mark = self.gateway.mark()
        conn = self.connect()
        answer = conn.login(user, password, mechanism)
        self.assertEqual(answer.error, SASL_AUTHENTICATION_FAILED, answer)
        self.assertTrue(conn.closed_by_peer(), "the connection stayed open after a failed login")
        self.gateway.wait_for_log(_closing(f"SASL {mechanism} authentication failed: "),
                                  after=mark)
        self.assert_serves_good_client()

    def test_wrong_password_is_refused_and_closed(self):
        for mechanism in ("SCRAM-SHA-512", "PLAIN"):
            with self.subTest(mechanism):
                self.assert_refused_login(USER, "not-the-password", mechanism)

    def test_scram_of_a_mechanism_the_user_has_no_credential_for_is_refused(self):
        self.assert_refused_login(USER, PASSWORD, "SCRAM-SHA-256")

    def test_unknown_user_is_refused_and_closed(self):
        for mechanism in ("SCRAM-SHA-512", "SCRAM-SHA-256", "PLAIN"):
            with self.subTest(mechanism):
                self.assert_refused_login("mallory", "anything", mechanism)

    def test_request_before_authentication_closes_the_connection(self):
        conn = self.connect()
        error, ranges = conn.call(api_versions())  # allowed before authentication
        self.assertEqual(error, NONE)
        self.assertTrue({17, 36} <= set(ranges), ranges)
        mark = self.gateway.mark()
        conn.send_only(metadata(None))
        self.assertTrue(conn.closed_by_peer(), "Metadata before SASL authentication was served")
        self.gateway.wait_for_log(_closing("API key 3 before SASL authentication completed"),
                                  after=mark)
        self.assert_serves_good_client()

    def test_plaintext_client_on_tls_port_is_closed(self):
        mark = self.gateway.mark()
        sock = socket.create_connection(address(self.gateway), timeout=10)
        self.addCleanup(sock.close)
        sock.sendall(request(18, 0, 1, b""))  # ApiVersions v0 in plaintext
        received = b""
        while True:
            chunk = sock.recv(4096)  # socket.timeout (a failure) if never closed
            if not chunk:
                break
            received += chunk
        # At most a TLS alert record (content type 21), never a Kafka answer.
        self.assertTrue(received == b"" or received[0] == 21, received.hex())
        self.gateway.wait_for_log(TLS_HANDSHAKE_FAILED, after=mark)
        self.assert_serves_good_client()

    def test_unsupported_mechanism_lists_the_enabled_ones_then_closes(self):
        mark = self.gateway.mark()
        conn = self.connect()
        answer = conn.call(sasl_handshake("GSSAPI"))
        self.assertEqual(answer.error, UNSUPPORTED_SASL_MECHANISM, answer)
        self.assertEqual(sorted(answer.mechanisms), ENABLED)
        self.assertTrue(conn.closed_by_peer(), "still open after UNSUPPORTED_SASL_MECHANISM")
        self.gateway.wait_for_log(_closing(".*GSSAPI"), after=mark)
        self.assert_serves_good_client()

    def test_v0_handshake_with_bare_tokens(self):
        for user, password, mechanism in ((USER, PASSWORD, "SCRAM-SHA-512"),
                                          ("carol", "carol-secret", "SCRAM-SHA-256"),
                                          (USER, PASSWORD, "PLAIN")):
            with self.subTest(mechanism):
                conn = self.connect()
                conn.login_bare(user, password, mechanism)
                _, topics = conn.call(metadata([TOPIC]))
                self.assertEqual(topics[TOPIC].error, NONE, topics)
        # A bad bare token: the gateway closes without a frame (Kafka's v0 behaviour).
        mark = self.gateway.mark()
        conn = self.connect()
        self.assertEqual(conn.call(sasl_handshake("PLAIN", version=0)).error, NONE)
        conn.sock.sendall(len(plain_token(USER, "wrong")).to_bytes(4, "big")
                          + plain_token(USER, "wrong"))
        self.assertTrue(conn.closed_by_peer())
        self.gateway.wait_for_log(_closing("SASL PLAIN authentication failed: "), after=mark)

    # -- client certificates ----------------------------------------------------------------

    def assert_refused_in_tls_handshake(self, client) -> None:
        mark = self.mtls.mark()
        try:
            # TLS 1.3 clients finish their side of the handshake before the server checks their
            # certificate: the refusal may only show on the first read.
            conn = self.connect(self.mtls, client)
            conn.sock.settimeout(10)
            conn.call(api_versions())
        except (ssl.SSLError, ConnectionError, AssertionError):
            pass
        else:
            self.fail(f"a client with {client} was served by a gateway with --tls-client-ca")
        self.mtls.wait_for_log(TLS_HANDSHAKE_FAILED, after=mark)
        self.assert_mtls_serves("app-1")

    def assert_mtls_serves(self, cn: str) -> None:
        conn = self.connect(self.mtls, self.sec.pki.client(cn))
        error, _ = conn.call(api_versions())
        self.assertEqual(error, NONE)

    def test_expired_client_certificate_is_refused(self):
        self.assert_refused_in_tls_handshake(self.sec.pki.client("app-1", expired=True))

    def test_client_certificate_of_an_untrusted_ca_is_refused(self):
        self.assert_refused_in_tls_handshake(self.sec.pki.client("app-1", untrusted=True))

    def test_no_client_certificate_is_refused(self):
        self.assert_refused_in_tls_handshake(None)

    def test_client_certificate_principal_is_user_cn(self):
        offsets = {(TOPIC, p): 1 for p in range(PARTITIONS)}
        app1 = self.connect(self.mtls, self.sec.pki.client("app-1"))
        self.assertEqual(app1.call(offset_commit(2, "mtls-app", offsets)),
                         {tp: NONE for tp in offsets}, self.mtls.log_lines())
        self.assertEqual(app1.call(offset_commit(2, "other-app", offsets)),
                         {tp: GROUP_AUTHORIZATION_FAILED for tp in offsets})
        # Another trusted certificate: User:app-2 is allowed nothing.
        app2 = self.connect(self.mtls, self.sec.pki.client("app-2"))
        self.assertEqual(app2.call(offset_commit(2, "mtls-app", offsets)),
                         {tp: GROUP_AUTHORIZATION_FAILED for tp in offsets})

    # -- KIP-368 session lifetime ------------------------------------------------------------

    def test_session_lifetime_is_announced(self):
        for version, lifetime in ((0, 0), (1, LIFETIME_MS), (2, LIFETIME_MS)):
            with self.subTest(f"SaslAuthenticate v{version}"):
                conn = self.connect(self.lifetime)
                answer = conn.login(USER, PASSWORD, "SCRAM-SHA-512", authenticate_version=version)
                self.assertEqual((answer.error, answer.session_lifetime_ms), (NONE, lifetime),
                                 answer)
        # Without --sasl-session-lifetime-ms, none is announced.
        answer = self.connect().login(USER, PASSWORD, "PLAIN")
        self.assertEqual((answer.error, answer.session_lifetime_ms), (NONE, 0), answer)

    def test_expired_session_closes_at_next_request_unless_reauthenticated(self):
        mark = self.lifetime.mark()
        stale, renewed = self.connect(self.lifetime), self.connect(self.lifetime)
        for conn in (stale, renewed):
            self.assertEqual(conn.login(USER, PASSWORD, "SCRAM-SHA-512").error, NONE)
            conn.call(metadata([TOPIC]))
        started = time.monotonic()
        # No event marks the middle or the end of a session: its lifetime is wall-clock time.
        time.sleep(LIFETIME_MS / 2000)
        self.assertEqual(renewed.login(USER, PASSWORD, "SCRAM-SHA-512").error, NONE)
        time.sleep(max(0.0, started + LIFETIME_MS / 1000 + 0.3 - time.monotonic()))
        _, topics = renewed.call(metadata([TOPIC]))  # re-authenticated: a new session
        self.assertEqual(topics[TOPIC].error, NONE)
        stale.send_only(metadata([TOPIC]))
        self.assertTrue(stale.closed_by_peer(), "a request after the session's end was served")
        self.lifetime.wait_for_log(_closing(r"the SASL session of User:alice expired"), after=mark)

    def test_librdkafka_keeps_working_past_two_lifetimes(self):
        # log_level 2: not librdkafka's error lines about the connections the gateway closes.
        config = {"bootstrap.servers": self.lifetime.bootstrap, "log_level": 2,
                  **self.sec.librdkafka(USER, PASSWORD, "SCRAM-SHA-512")}
        errors, assignments = [], []
        producer = Producer({**config, "acks": "all"})
        consumer = Consumer({**config, "group.id": "lifetime-group", "auto.offset.reset":
                             "earliest", "enable.auto.commit": False,
                             "session.timeout.ms": 10000, "heartbeat.interval.ms": 500})
        self.addCleanup(consumer.close)
        consumer.subscribe(["lifetime"], on_assign=lambda c, ps: assignments.append(ps))
        sent, got = [], []
        # One record at a time, each consumed before the next is produced, for 2.3 lifetimes.
        end = time.monotonic() + 2.3 * LIFETIME_MS / 1000
        while time.monotonic() < end:
            sent.append(f"r{len(sent)}")
            producer.produce("lifetime", value=sent[-1].encode(), partition=len(sent) % PARTITIONS,
                             on_delivery=lambda err, msg: err and errors.append(str(err)))
            deadline = time.monotonic() + 30
            while sent[-1] not in got and time.monotonic() < deadline:
                producer.poll(0)
                msg = consumer.poll(0.1)
                if msg is not None and msg.error() is None:
                    got.append(msg.value().decode())
            self.assertIn(sent[-1], got, "\n".join(self.lifetime.log_lines()[-30:]))
        self.assertEqual(producer.flush(30), 0)
        self.assertEqual(errors, [])
        self.assertEqual(got, sent)
        self.assertEqual(len(assignments), 1, "the consumer was assigned more than once (a "
                         f"rebalance): {assignments}")
        self.assertEqual([tp.error for tp in consumer.commit(asynchronous=False) if tp.error], [])

if __name__ == "__main__":
    unittest.main()
