"""A gateway whose upstream wants TLS and a SASL login: gateway B (TLS, SASL SCRAM-SHA-512) in
front of librdkafka's mock cluster stands as the upstream of gateway A, which logs in to it as
user gw (--upstream-tls-ca, --upstream-sasl-mechanism/-user/-password-file). Both use one
coordinator.

    - a plaintext confluent-kafka client of A produces and consumes in a group and commits
      through A (-> B -> mock), connecting to A's listeners only;
    - A with a wrong upstream password exits at start-up at once (a refused login is not waited
      out), with a CA that did not sign B's certificate after --upstream-timeout-ms, each with
      a message naming the failure.

Run with Debian's interpreter and GROUPWIRE_DEV_UPSTREAM, GROUPWIRE_GATEWAY,
GROUPWIRE_COORDINATOR, GROUPWIRE_CLI set (ctest does):
    /usr/bin/python3 -m unittest -v test_security_upstream.py
"""

import os
import re
import subprocess
import sys
import time
import unittest
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from gateway_process import GatewayProcess, gateway_binary  # noqa: E402
from security_fixtures import SecurityFiles, poll_values  # noqa: E402
from upstream_cluster import ConnectionWatch, UpstreamCluster, port_of  # noqa: E402

from confluent_kafka import Consumer, Producer, TopicPartition  # noqa: E402

TOPIC, PARTITIONS, N = "relayed", 3, 9
DEADLINE = 45.0
_BROKER_LISTENER = re.compile(r"upstream broker (-?\d+) \((?P<upstream>[^)]+)\) is reached "
                              r"through (?P<listener>\S+:\d+)")
_UPSTREAM_MODE = re.compile(r"listening on .*, upstream mode(, .*)?$")


class AuthenticatedUpstreamTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.sec = SecurityFiles()
        cls.sec.add_user("gw", "gw-secret")
        cls.password_file = cls.sec.directory / "upstream-password"
        cls.password_file.write_text("gw-secret\n")
        cls.password_file.chmod(0o600)
        # The mock, the coordinator and gateway B.
        cls.b = UpstreamCluster(topics={TOPIC: PARTITIONS}, gateway_flags=tuple(
            cls.sec.gateway_flags(mechanisms="SCRAM-SHA-512")))
        cls.b.start()
        try:
            cls.a = GatewayProcess(*cls.a_flags(cls.password_file)).start()
            cls.a.wait_for_log(_UPSTREAM_MODE)
        except Exception:
            cls.b.stop()
            cls.sec.cleanup()
            raise

    @classmethod
    def tearDownClass(cls):
        rc = cls.a.stop()
        cls.b.stop_cleanly()
        cls.sec.cleanup()
        assert rc == 0, f"gateway A exited with {rc}"

    @classmethod
    def a_flags(cls, password_file: Path, ca: Path | None = None) -> list[str]:
        return ["--coordinator", cls.b.coordinator.address, "--upstream", cls.b.bootstrap,
                "--broker-port-base", "0", "--upstream-tls-ca", str(ca or cls.sec.ca),
                "--upstream-sasl-mechanism", "SCRAM-SHA-512", "--upstream-sasl-user", "gw",
                "--upstream-sasl-password-file", str(password_file)]

    def logs(self) -> str:
        return self.b.logs() + "\n== gateway A ==\n" + "\n".join(self.a.log_lines())

    def test_plaintext_client_of_a_through_authenticated_b(self):
        # A stands for each of B's broker listeners, never for the mock's brokers.
        mapped = {m["upstream"]: m["listener"] for m in map(_BROKER_LISTENER.search,
                                                            self.a.log_lines()) if m}
        self.assertEqual(sorted(mapped), sorted(self.b.broker_listeners.values()), self.logs())
        a_ports = {self.a.port} | {port_of(listener) for listener in mapped.values()}
        watch = ConnectionWatch()
        self.addCleanup(watch.stop)
        watch.watch(os.getpid(), "test process")

        config = {"bootstrap.servers": self.a.bootstrap}
        errors = []
        producer = Producer({**config, "acks": "all"})
        for i in range(N):
            producer.produce(TOPIC, value=f"v{i}".encode(), partition=i % PARTITIONS,
                             on_delivery=lambda err, msg: err and errors.append(str(err)))
        self.assertEqual(producer.flush(30), 0, self.logs())
        self.assertEqual(errors, [], self.logs())

        consumer = Consumer({**config, "group.id": "relayed-group", "enable.auto.commit": False,
                             "auto.offset.reset": "earliest"})
        self.addCleanup(consumer.close)
        consumer.subscribe([TOPIC])
        values = [v.decode() for v in poll_values(consumer, lambda vs: len(vs) >= N, DEADLINE)]
        self.assertEqual(sorted(values), sorted(f"v{i}" for i in range(N)), self.logs())
        self.assertEqual([tp.error for tp in consumer.commit(asynchronous=False) if tp.error], [])
        committed = consumer.committed([TopicPartition(TOPIC, p) for p in range(PARTITIONS)], 15)
        self.assertEqual({tp.partition: tp.offset for tp in committed},
                         {p: N // PARTITIONS for p in range(PARTITIONS)})

        peers = {(host, port) for _, host, port in watch.seen()}
        self.assertTrue(peers, "no connection of the clients was seen")
        self.assertEqual({p for p in peers if p[0] != "127.0.0.1" or p[1] not in a_ports}, set(),
                         f"A's ports are {sorted(a_ports)}")

    def start_failing_a(self, *flags: str) -> str:
        """Runs gateway A with `flags` added; it must exit non-zero: returns its log."""
        run = subprocess.run([gateway_binary(), "--listen", "127.0.0.1:0", *flags],
                             capture_output=True, text=True, timeout=60)
        self.assertNotEqual(run.returncode, 0, run.stderr)
        return run.stderr

    def test_wrong_upstream_password_fails_at_start_up(self):
        wrong = self.sec.directory / "wrong-password"
        wrong.write_text("not-gw-secret\n")
        wrong.chmod(0o600)
        mark = self.b.gateway.mark()
        started = time.monotonic()
        log = self.start_failing_a(*self.a_flags(wrong))
        # A refused login is not waited out like an upstream still starting
        # (--upstream-timeout-ms, 30 s by default).
        self.assertLess(time.monotonic() - started, 15, log)
        self.assertRegex(log, r"critical .*refused the gateway's login: .*SASL login as gw "
                              r"failed: .*Authentication failed")
        self.assertNotIn("listening on", log)
        self.b.gateway.wait_for_log(
            r"closing connection from \S+: SASL SCRAM-SHA-512 authentication failed", after=mark)

    def test_upstream_certificate_of_an_untrusted_ca_fails_at_start_up(self):
        log = self.start_failing_a(*self.a_flags(self.password_file,
                                                 ca=self.sec.pki.untrusted_ca().cert),
                                   "--upstream-timeout-ms", "2000")
        self.assertRegex(log, r"critical .*TLS handshake failed: certificate verify failed")
        self.assertNotIn("listening on", log)


if __name__ == "__main__":
    unittest.main()
