"""mTLS between gateways and coordinators, and the authenticated admin API.

One coordinator speaks TLS, verifies client certificates against the test CA and accepts an
admin token. A gateway presenting a certificate of that CA serves a consumer group; gateways
without one, with an expired one or with one of another CA get no service (Kafka clients see
retriable errors, the gateway's log says why). The groupwire CLI works with the token or a
client certificate and is refused, with a message saying so, without them. Then two
coordinators on one PostgreSQL pass admin calls to each other over mTLS.
"""

import os
import subprocess
import tempfile
import time
import unittest

from admin_cli import GroupwireCli
from gateway_process import GatewayProcess
from group_cluster import FAST_GROUPS, CoordinatorProcess, wait_until
from postgres_server import PostgresServer
from raw_group_client import COORDINATOR_LOAD_IN_PROGRESS, RETRIABLE, RawGroupClient
from tls_certs import Pki

TOKEN = "e2e-admin-token-5f1c"


def setUpModule():
    global pki, token_file, coordinator, _tmp
    _tmp = tempfile.TemporaryDirectory(prefix="groupwire-tls-")
    pki = Pki(os.path.join(_tmp.name, "pki"))
    token_file = os.path.join(_tmp.name, "admin-token")
    with open(token_file, "w") as f:
        f.write(TOKEN + "\n")
    server = pki.server("coordinator")
    coordinator = CoordinatorProcess(
        *FAST_GROUPS, "--grpc-tls-cert", str(server.cert), "--grpc-tls-key", str(server.key),
        "--grpc-client-ca", str(pki.ca().cert), "--admin-token-file", token_file).start()


def tearDownModule():
    coordinator.stop()
    _tmp.cleanup()


def gateway(*tls_flags: str) -> GatewayProcess:
    return GatewayProcess("--coordinator", coordinator.address, "--coordinator-timeout-ms", "2000",
                          *tls_flags, topics={"orders": 4}).start()


def client_flags(prefix: str, cn: str, **kwargs) -> list[str]:
    """--PREFIX-ca, --PREFIX-cert and --PREFIX-key of a client certificate (`kwargs`: expired,
    untrusted)."""
    client = pki.client(cn, **kwargs)
    return [f"--{prefix}-ca", str(pki.ca().cert), f"--{prefix}-cert", str(client.cert),
            f"--{prefix}-key", str(client.key)]


class GatewayTest(unittest.TestCase):
    def test_gateway_with_a_client_certificate_serves_a_group(self):
        from kafka import KafkaConsumer, TopicPartition
        from kafka.structs import OffsetAndMetadata

        gw = gateway(*client_flags("coordinator-tls", "gateway-1"))
        self.addCleanup(gw.stop)
        consumer = KafkaConsumer("orders", bootstrap_servers=gw.bootstrap, group_id="tls-group",
                                 enable_auto_commit=False, session_timeout_ms=6000,
                                 request_timeout_ms=20000)
        self.addCleanup(consumer.close)
        assigned = wait_until(lambda: consumer.poll(timeout_ms=100) is not None
                              and consumer.assignment(), 30, "an assignment", interval=0)
        self.assertEqual({tp.partition for tp in assigned}, {0, 1, 2, 3})
        tp = TopicPartition("orders", 2)
        consumer.commit({tp: OffsetAndMetadata(7, "")})
        self.assertEqual(consumer.committed(tp), 7)
        # The operator reads the same through the authenticated admin API.
        cli = GroupwireCli(coordinator.address)
        shown = cli.json("offsets", "show", "tls-group", "--tls-ca", str(pki.ca().cert),
                         "--token-file", token_file)
        self.assertIn(("orders", 2, 7), {(o["topic"], o["partition"], o["offset"])
                                         for o in shown["offsets"]})

    def assert_refused(self, gw: GatewayProcess, why: str, coordinator_says: str | None):
        mark = coordinator.mark()
        client = RawGroupClient(gw.bootstrap, gw.node_id)
        self.addCleanup(client.close)
        for _ in range(3):
            joined = client.wait(client.join("refused-group"))
            self.assertIn(joined.error_code, RETRIABLE)
        self.assertEqual(joined.error_code, COORDINATOR_LOAD_IN_PROGRESS)
        gw.wait_for_log(f"no routing table from coordinator .*{why}", timeout=10)
        if coordinator_says:
            coordinator.wait_for_log(coordinator_says, after=mark, timeout=10)

    def test_gateway_without_a_client_certificate_gets_no_service(self):
        gw = gateway("--coordinator-tls-ca", str(pki.ca().cert))
        self.addCleanup(gw.stop)
        self.assert_refused(gw, "the Coordinator service needs a client certificate", None)

    def test_gateway_with_a_certificate_of_another_ca_gets_no_service(self):
        gw = gateway(*client_flags("coordinator-tls", "intruder", untrusted=True))
        self.addCleanup(gw.stop)
        self.assert_refused(gw, "refused handshake", "certificate verify failed")

    def test_gateway_with_an_expired_certificate_gets_no_service(self):
        gw = gateway(*client_flags("coordinator-tls", "gateway-old", expired=True))
        self.addCleanup(gw.stop)
        self.assert_refused(gw, "refused handshake", "certificate verify failed")

    def test_plaintext_gateway_gets_no_service(self):
        gw = gateway()
        self.addCleanup(gw.stop)
        self.assert_refused(gw, "refused handshake", "wrong version number")


class CliTest(unittest.TestCase):
    def setUp(self):
        self.cli = GroupwireCli(coordinator.address)
        self.ca = ["--tls-ca", str(pki.ca().cert)]

    def run_cli(self, *args: str, env: dict[str, str] | None = None):
        return subprocess.run(self.cli.argv(*args, "cluster", "status", "-o", "json"),
                              capture_output=True, text=True, timeout=60,
                              env={**os.environ, **(env or {})})

    def assert_served(self, result):
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertIn('"group_partitions": 50', result.stdout)

    def test_token_from_a_file_or_the_environment(self):
        self.assert_served(self.run_cli(*self.ca, "--token-file", token_file))
        self.assert_served(self.run_cli(*self.ca, env={"GROUPWIRE_ADMIN_TOKEN": TOKEN}))

    def test_client_certificate(self):
        self.assert_served(self.run_cli(*client_flags("tls", "operator")))

    def test_without_credentials_refused_with_a_clear_message(self):
        result = self.run_cli(*self.ca)
        self.assertEqual(result.returncode, 1)
        self.assertIn("refused to authenticate this call: the Admin service needs the admin "
                      "token", result.stderr)
        self.assertIn("--token-file", result.stderr)

    def test_wrong_token_refused(self):
        result = self.run_cli(*self.ca, env={"GROUPWIRE_ADMIN_TOKEN": "not-" + TOKEN})
        self.assertEqual(result.returncode, 1)
        self.assertIn("the bearer token is not the coordinator's admin token", result.stderr)

    def test_untrusted_client_certificate_refused_in_the_handshake(self):
        result = self.run_cli(*client_flags("tls", "intruder", untrusted=True))
        self.assertEqual(result.returncode, 3)
        self.assertIn("refused the client certificate", result.stderr)

    def test_token_is_never_sent_in_plaintext(self):
        result = self.run_cli("--token-file", token_file)
        self.assertEqual(result.returncode, 2)
        self.assertIn("an admin token needs TLS", result.stderr)


class TokenRotationTest(unittest.TestCase):
    def test_a_rewritten_token_file_takes_effect_without_a_restart(self):
        server = pki.server("rotating")
        path = os.path.join(_tmp.name, "rotating-token")
        with open(path, "w") as f:
            f.write("first-token\n")
        c = CoordinatorProcess("--grpc-tls-cert", str(server.cert), "--grpc-tls-key",
                               str(server.key), "--admin-token-file", path).start()
        self.addCleanup(c.stop)
        cli = GroupwireCli(c.address)
        ca = ["--tls-ca", str(pki.ca().cert)]

        def status(token: str) -> int:
            return subprocess.run(cli.argv(*ca, "cluster", "status"), capture_output=True,
                                  timeout=60, env={**os.environ,
                                                   "GROUPWIRE_ADMIN_TOKEN": token}).returncode

        self.assertEqual(status("first-token"), 0)
        with open(path, "w") as f:
            f.write("second-token\n")
        c.wait_for_log("token changed", timeout=15)
        self.assertEqual(status("second-token"), 0)
        self.assertEqual(status("first-token"), 1)
        self.assertFalse(any("first-token" in l or "second-token" in l for l in c.log_lines()),
                         "the token reached the log")


class ForwardingTest(unittest.TestCase):
    """Two coordinators on one PostgreSQL: an admin call about a group the other one serves is
    passed to it, authenticated by the passing coordinator's own certificate."""

    def test_admin_calls_are_passed_between_coordinators_over_mtls(self):
        pg = PostgresServer().start()
        self.addCleanup(pg.stop)
        conninfo = pg.create_database("groupwire")
        coordinators = []
        for name in ("coordinator-a", "coordinator-b"):
            server = pki.server(name)
            c = CoordinatorProcess(*FAST_GROUPS, "--group-partitions", "10", "--lease-ms", "2000",
                                   "--grpc-tls-cert", str(server.cert), "--grpc-tls-key",
                                   str(server.key), "--grpc-client-ca", str(pki.ca().cert),
                                   postgres=conninfo).start()
            self.addCleanup(c.kill)
            coordinators.append(c)
        operator = client_flags("tls", "operator")

        def owners() -> set[str]:
            status = GroupwireCli(coordinators[0].address).json(*operator, "cluster", "status")
            return {c["advertise"] for c in status["coordinators"] if c.get("partitions")}

        wait_until(lambda: owners() == {c.address for c in coordinators}, 30,
                   "both coordinators owning partitions")
        gw = GatewayProcess("--coordinator", ",".join(c.address for c in coordinators),
                            *client_flags("coordinator-tls", "gateway-1"),
                            topics={"orders": 4}).start()
        self.addCleanup(gw.stop)
        groups = [f"forwarded-{i}" for i in range(8)]
        client = RawGroupClient(gw.bootstrap, gw.node_id)
        self.addCleanup(client.close)
        for group in groups:
            client.form_group(group, retry_for=20)
        served_by = {}
        for group in groups:
            answers = [GroupwireCli(c.address).json(*operator, "groups", "describe", group)
                       for c in coordinators]
            self.assertEqual(answers[0]["coordinator"], answers[1]["coordinator"], group)
            self.assertEqual(answers[0]["state"], "Stable")
            served_by[group] = answers[0]["coordinator"]
        # Each coordinator answered for groups the other one serves.
        self.assertEqual(set(served_by.values()), {c.address for c in coordinators},
                         f"8 groups all on one coordinator: {served_by}")


if __name__ == "__main__":
    unittest.main()
