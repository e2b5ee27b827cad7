"""A gateway in upstream mode for end-to-end tests: librdkafka's mock cluster
(groupwire-dev-upstream) holds the records, a groupwire-coordinator the groups, and a
groupwire-gateway started with --upstream and --broker-port-base 0 sits in front of both.

    with UpstreamCluster(topics={"orders": 6}) as cluster:
        cluster.bootstrap         # the gateway's bootstrap listener, for Kafka clients
        cluster.broker_listeners  # {node id: "127.0.0.1:PORT"}: the gateway's per-broker ports
        cluster.upstream_brokers  # the mock's own "127.0.0.1:PORT"s: no client may reach them

Every process is started on free ports and waited for through what it prints (the mock's
"bootstrap ..." line on stdout, the "listening on" log lines), never with sleeps.

ConnectionWatch samples the TCP connections of client processes through /proc, so a test can
assert that a client talked to gateway ports only.
"""

import os
import re
import select
import subprocess
import threading
from pathlib import Path

from gateway_process import GatewayProcess, LoggedProcess
from group_cluster import CoordinatorProcess, GroupCluster

_REPO_ROOT = Path(__file__).resolve().parents[2]
_DEFAULT_DEV_UPSTREAM = (_REPO_ROOT / "build" / "deploy" / "dev-upstream"
                         / "groupwire-dev-upstream")

# No initial-rebalance delay, and session timeouts down to 1 s allowed.
UPSTREAM_GROUPS = ("--initial-rebalance-delay-ms", "0", "--min-session-timeout-ms", "1000")

_BROKER_LISTENER = re.compile(
    r"upstream broker (?P<node>-?\d+) \((?P<upstream>[^)]+)\) is reached through "
    r"(?P<listener>\S+:\d+)")
# ", TLS, SASL ..." follows when the listeners are secured.
_UPSTREAM_MODE = re.compile(
    r"listening on \S+ \(advertised as .*\), coordinator \S+, upstream mode(, .*)?$")
# What the gateway logs when it closes a client connection over a request it does not serve or
# cannot decode.
REFUSED_REQUEST = re.compile(r"closing connection from .*: (unknown API key|API key \d+ )")


def dev_upstream_binary() -> str:
    """$GROUPWIRE_DEV_UPSTREAM wins over the in-tree build directory."""
    return os.environ.get("GROUPWIRE_DEV_UPSTREAM") or str(_DEFAULT_DEV_UPSTREAM)


def port_of(address: str) -> int:
    return int(address.rsplit(":", 1)[1])


class DevUpstreamProcess(LoggedProcess):
    """groupwire-dev-upstream: its stderr is captured like the other processes' logs, and the
    one "bootstrap HOST:PORT,..." line it prints on stdout once its brokers listen is read."""

    name = "dev-upstream"

    def __init__(self, brokers: int, topics: dict[str, int], startup_timeout: float = 30.0):
        super().__init__()
        self.argv = [dev_upstream_binary(), "--brokers", str(brokers)]
        for topic, partitions in topics.items():
            self.argv += ["--topic", f"{topic}:{partitions}"]
        self.startup_timeout = startup_timeout
        self.bootstrap = ""

    def start(self) -> "DevUpstreamProcess":
        self._spawn(self.argv, stdout=subprocess.PIPE,
                    hint="build it or set GROUPWIRE_DEV_UPSTREAM")
        ready, _, _ = select.select([self.proc.stdout], [], [], self.startup_timeout)
        line = self.proc.stdout.readline() if ready else ""
        if not line.startswith("bootstrap "):
            self.kill()
            raise AssertionError(f"groupwire-dev-upstream printed no bootstrap line (got "
                                 f"{line!r}); log:\n" + "\n".join(self.log_lines()))
        self.bootstrap = line.split(" ", 1)[1].strip()
        return self

    def _reap(self, timeout: float) -> int | None:
        code = super()._reap(timeout)
        self.proc.stdout.close()
        return code


class UpstreamCluster(GroupCluster):
    """The mock upstream cluster, a coordinator and a gateway in upstream mode. Stopping and
    the watchdog (problem()) are GroupCluster's, with the mock as a third process."""

    def __init__(self, topics: dict[str, int], brokers: int = 3,
                 coordinator_flags: tuple[str, ...] = UPSTREAM_GROUPS,
                 gateway_flags: tuple[str, ...] = (), lag_from_upstream: bool = False):
        self.upstream = DevUpstreamProcess(brokers, topics)
        # The coordinator reads end offsets (lag) from the mock itself: it starts first.
        self.lag_from_upstream = lag_from_upstream
        self.coordinator = CoordinatorProcess(*coordinator_flags)
        self.gateway_flags = list(gateway_flags)
        self.gateway: GatewayProcess | None = None
        self.broker_listeners: dict[int, str] = {}
        self.upstream_by_node: dict[int, str] = {}
        self._stopping = False

    def start(self) -> "UpstreamCluster":
        try:
            self.upstream.start()
            if self.lag_from_upstream:
                self.coordinator.flags += ["--lag-bootstrap", self.upstream.bootstrap]
            self.coordinator.start()
            self.gateway = GatewayProcess(
                "--coordinator", self.coordinator.address, "--upstream", self.upstream.bootstrap,
                "--broker-port-base", "0", *self.gateway_flags).start()
            self.gateway.wait_for_log(_UPSTREAM_MODE)
            for line in self.gateway.log_lines():
                m = _BROKER_LISTENER.search(line)
                if m:
                    self.broker_listeners[int(m["node"])] = m["listener"]
                    self.upstream_by_node[int(m["node"])] = m["upstream"]
        except Exception:
            self.stop()
            raise
        if sorted(self.upstream_by_node.values()) != sorted(self.upstream_brokers):
            self.stop()
            raise AssertionError(
                f"the gateway maps upstream brokers {self.upstream_by_node}, the mock is at "
                f"{self.upstream_brokers}; log:\n" + "\n".join(self.gateway.log_lines()))
        return self

    @property
    def upstream_brokers(self) -> list[str]:
        return self.upstream.bootstrap.split(",")

    def gateway_ports(self) -> set[int]:
        """Every port of the gateway: the bootstrap listener and one per upstream broker."""
        return {self.gateway.port} | {port_of(a) for a in self.broker_listeners.values()}

    def upstream_ports(self) -> set[int]:
        return {port_of(a) for a in self.upstream_brokers}

    def refused_requests(self) -> list[str]:
        """Gateway log lines about client connections closed over an unserved request."""
        return [line for line in self.gateway.log_lines() if REFUSED_REQUEST.search(line)]

    def _processes(self) -> list[LoggedProcess]:
        return super()._processes() + [self.upstream]

    def logs(self) -> str:
        parts = [("coordinator", self.coordinator.log_lines()),
                 ("dev-upstream", self.upstream.log_lines()[-30:])]
        if self.gateway is not None:
            parts.append(("gateway", self.gateway.log_lines()))
        return "\n".join(f"== {name} ==\n" + "\n".join(lines) for name, lines in parts)


# -- which TCP peers a process talks to ---------------------------------------------------------

_TCP_LISTEN = "0A"


def _parse_address(text: str) -> tuple[str, int]:
    """/proc/net/tcp's "0100007F:A3F7" (little-endian IPv4) -> ("127.0.0.1", 41975)."""
    host, port = text.split(":")
    octets = [str(int(host[i:i + 2], 16)) for i in range(0, 8, 2)][::-1]
    return ".".join(octets), int(port, 16)


def tcp_peers(pid: int) -> set[tuple[str, int]]:
    """The remote (host, port) of every IPv4 TCP socket process `pid` holds that is not a
    listener (connected, connecting or closing). Empty if the process is gone."""
    inodes = set()
    try:
        for fd in os.listdir(f"/proc/{pid}/fd"):
            try:
                target = os.readlink(f"/proc/{pid}/fd/{fd}")
            except OSError:
                continue
            if target.startswith("socket:["):
                inodes.add(target[8:-1])
        with open(f"/proc/{pid}/net/tcp") as table:
            rows = table.read().splitlines()[1:]
    except OSError:
        return set()
    peers = set()
    for row in rows:
        fields = row.split()
        if fields[9] in inodes and fields[3] != _TCP_LISTEN:
            peers.add(_parse_address(fields[2]))
    return peers


class ConnectionWatch:
    """Samples, every `interval` seconds on a thread, the TCP peers of the processes it is told
    to watch, and remembers every (label, host, port) seen. Sampling can miss a connection that
    opens and closes between two samples: tests pair it with the clients' own connection logs."""

    def __init__(self, interval: float = 0.05):
        self.interval = interval
        self._pids: dict[int, str] = {}
        self._seen: set[tuple[str, str, int]] = set()
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def watch(self, pid: int, label: str) -> None:
        with self._lock:
            self._pids[pid] = label
        self._sample()

    def _sample(self) -> None:
        with self._lock:
            pids = dict(self._pids)
        found = {(label, host, port) for pid, label in pids.items() for host, port in tcp_peers(pid)}
        with self._lock:
            self._seen |= found

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            self._sample()

    def seen(self) -> set[tuple[str, str, int]]:
        self._sample()
        with self._lock:
            return set(self._seen)

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(5)


def check_peers(cluster: UpstreamCluster, peers) -> list[str]:
    """Problems with a collection of (label, host, port) connections of clients: each must go to
    one of the gateway's ports, never to an upstream broker."""
    problems = []
    gateway_ports, upstream_ports = cluster.gateway_ports(), cluster.upstream_ports()
    for label, host, port in sorted(set(peers)):
        if port in upstream_ports:
            problems.append(f"{label} connected to upstream broker {host}:{port}")
        elif host != "127.0.0.1" or port not in gateway_ports:
            problems.append(f"{label} connected to {host}:{port}, not a gateway listener "
                            f"(gateway ports {sorted(gateway_ports)})")
    return problems

