"""What the security tests share: a directory with a test PKI (tls_certs.Pki), a --sasl-users
file written by the groupwire CLI, ACL files, the gateway flags that use them, more gateways in
front of an UpstreamCluster's mock and coordinator, and the clients' SASL_SSL settings.

    sec = SecurityFiles()
    sec.add_user("alice", "alice-secret")                       # SCRAM-SHA-512
    cluster = UpstreamCluster(topics, gateway_flags=sec.gateway_flags()).start()
    sec.librdkafka("alice", "alice-secret")                     # confluent-kafka / kcat config
"""

import os
import re
import shutil
import signal
import subprocess
import tempfile
import time
from pathlib import Path

from gateway_process import GatewayProcess
from tls_certs import Pki
from upstream_cluster import UpstreamCluster

_REPO_ROOT = Path(__file__).resolve().parents[2]
_DEFAULT_CLI = _REPO_ROOT / "build" / "coordinator-service" / "cli" / "groupwire"

MECHANISMS = "PLAIN,SCRAM-SHA-256,SCRAM-SHA-512"
_UPSTREAM_MODE = re.compile(r"listening on .*, upstream mode(, .*)?$")
# The gateway's log line when it closes a connection whose TLS handshake failed.
TLS_HANDSHAKE_FAILED = re.compile(r"closing connection from \S+: TLS handshake failed: ")
RELOADED = re.compile(r"reloaded ")


def cli_binary() -> str:
    """$GROUPWIRE_CLI wins over the in-tree build directory."""
    return os.environ.get("GROUPWIRE_CLI") or str(_DEFAULT_CLI)


class SecurityFiles:
    """A temporary directory holding the PKI (the gateway's server certificate is CN=gateway),
    the users file and the ACL file; removed by cleanup()."""

    def __init__(self):
        self._dir = tempfile.TemporaryDirectory(prefix="groupwire-security-")
        self.directory = Path(self._dir.name)
        self.pki = Pki(self.directory / "pki")
        self.ca = self.pki.ca().cert
        self.server = self.pki.server("gateway")
        self.users = self.directory / "users"
        self.acls = self.directory / "acls"

    def cleanup(self) -> None:
        self._dir.cleanup()

    def add_user(self, name: str, password: str, mechanism: str = "SCRAM-SHA-512",
                 users: Path | None = None) -> None:
        """`groupwire users add NAME --file FILE --mechanism M --password-stdin`."""
        result = subprocess.run(
            [cli_binary(), "users", "add", name, "--file", str(users or self.users),
             "--mechanism", mechanism, "--password-stdin"],
            input=password + "\n", capture_output=True, text=True, timeout=30)
        if result.returncode != 0:
            raise AssertionError(f"groupwire users add {name} exited {result.returncode}: "
                                 f"{result.stderr}")

    def write_acls(self, *rules: str) -> None:
        """Replaces the ACL file (written aside, then renamed, as an operator's tool would)."""
        temp = self.acls.with_suffix(".new")
        temp.write_text("".join(rule + "\n" for rule in rules))
        temp.replace(self.acls)

    def tls_flags(self, client_ca: bool = False) -> list[str]:
        flags = ["--tls-cert", str(self.server.cert), "--tls-key", str(self.server.key)]
        return flags + (["--tls-client-ca", str(self.ca)] if client_ca else [])

    def gateway_flags(self, mechanisms: str = MECHANISMS, acls: bool = False,
                      client_ca: bool = False, extra: tuple[str, ...] = ()) -> list[str]:
        """TLS on every listener and SASL `mechanisms` against the users file (no SASL when
        empty); the ACL file if `acls`."""
        flags = self.tls_flags(client_ca)
        if mechanisms:
            flags += ["--sasl-mechanisms", mechanisms, "--sasl-users", str(self.users)]
        if acls:
            flags += ["--acl-file", str(self.acls)]
        return flags + list(extra)

    def librdkafka(self, user: str, password: str, mechanism: str = "SCRAM-SHA-512") -> dict:
        """SASL_SSL settings of a confluent-kafka client (kcat takes them as -X K=V)."""
        return {"security.protocol": "SASL_SSL", "sasl.mechanisms": mechanism,
                "sasl.username": user, "sasl.password": password,
                "ssl.ca.location": str(self.ca)}

    def kafka_python(self, user: str, password: str, mechanism: str = "SCRAM-SHA-512") -> dict:
        """SASL_SSL settings of a kafka-python client."""
        return {"security_protocol": "SASL_SSL", "ssl_cafile": str(self.ca),
                "sasl_mechanism": mechanism, "sasl_plain_username": user,
                "sasl_plain_password": password}


def kcat_flags(settings: dict) -> list[str]:
    return [arg for key, value in settings.items() for arg in ("-X", f"{key}={value}")]


def another_gateway(cluster: UpstreamCluster, *flags: str) -> GatewayProcess:
    """One more gateway in upstream mode in front of `cluster`'s mock and coordinator, with
    `flags`; the caller stops it."""
    gateway = GatewayProcess("--coordinator", cluster.coordinator.address, "--upstream",
                             cluster.upstream.bootstrap, "--broker-port-base", "0", *flags).start()
    try:
        gateway.wait_for_log(_UPSTREAM_MODE)
    except Exception:
        gateway.stop()
        raise
    return gateway


def address(gateway: GatewayProcess) -> tuple[str, int]:
    return gateway.host, gateway.port


def sighup(gateway: GatewayProcess) -> None:
    """SIGHUP: the gateway re-reads its certificate, users and ACL files at once."""
    gateway.proc.send_signal(signal.SIGHUP)


def replace_file(source: Path, target: Path) -> None:
    """Copies `source` over `target` atomically (a copy aside, then a rename)."""
    temp = target.with_name(target.name + ".new")
    shutil.copyfile(source, temp)
    temp.replace(target)


def poll_values(consumer, done, timeout: float = 30.0) -> list[bytes]:
    """Polls a confluent-kafka consumer until done(values) holds or `timeout` passes; the values
    of the records it read, in order."""
    values: list[bytes] = []
    deadline = time.monotonic() + timeout
    while not done(values) and time.monotonic() < deadline:
        msg = consumer.poll(0.2)
        if msg is not None and msg.error() is None:
            values.append(msg.value())
    return values
