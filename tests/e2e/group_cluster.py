"""Runs a groupwire-coordinator and a groupwire-gateway pointed at it, for end-to-end tests.

Both processes start on port 0; the bound ports are read from their "listening on" log lines.
The coordinator can be SIGKILLed and restarted on the port it had, which is what the gateway
keeps dialling. A thread reads each process's stderr for its whole life (so the pipe never fills
and blocks the process) and lets tests wait for a log line instead of sleeping.

    with GroupCluster(topics={"orders": 6}, coordinator_flags=FAST_GROUPS) as cluster:
        cluster.bootstrap          # "127.0.0.1:PORT" of the gateway, for Kafka clients
        cluster.coordinator.kill() # SIGKILL
        cluster.coordinator.start()  # same port again
"""

import os
import re
import tempfile
import time
from pathlib import Path
from typing import Callable, TypeVar

from gateway_process import GatewayProcess, LoggedProcess  # noqa: F401 (re-exported)

_REPO_ROOT = Path(__file__).resolve().parents[2]
_DEFAULT_COORDINATOR = _REPO_ROOT / "build" / "coordinator-service" / "groupwire-coordinator"

_COORDINATOR_LISTENING = re.compile(r"listening on (?P<host>[^\s:]+):(?P<port>\d+)")

# Group settings that make tests fast: no initial-rebalance delay, and short session timeouts
# allowed (Kafka's group.min.session.timeout.ms default of 6000 would forbid them).
FAST_GROUPS = ("--initial-rebalance-delay-ms", "0", "--min-session-timeout-ms", "500")

T = TypeVar("T")


def coordinator_binary() -> str:
    """$GROUPWIRE_COORDINATOR wins over the in-tree build directory."""
    return os.environ.get("GROUPWIRE_COORDINATOR") or str(_DEFAULT_COORDINATOR)


def wait_until(condition: Callable[[], T], timeout: float, what: str, interval: float = 0.05,
               watchdog: Callable[[], str | None] | None = None) -> T:
    """Polls condition() until it returns something truthy (which is returned) or timeout
    seconds pass (AssertionError naming `what`). `watchdog` (e.g. GroupCluster.problem) may
    return a reason to give up at once, such as a process under test that died."""
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        problem = watchdog() if watchdog is not None else None
        if problem:
            raise AssertionError(f"gave up waiting for {what}: {problem}")
        if time.monotonic() >= deadline:
            raise AssertionError(f"timed out after {timeout} s waiting for {what}")
        time.sleep(interval)


class CoordinatorProcess(LoggedProcess):
    """groupwire-coordinator. The first start() binds port 0; later ones reuse the port it got,
    so a gateway configured with it reconnects to the new incarnation."""

    name = "coordinator"

    def __init__(self, *flags: str, startup_timeout: float = 15.0, host: str = "127.0.0.1",
                 wrapper: list[str] | None = None, postgres: str | None = None):
        super().__init__(wrapper)
        self.flags = list(flags)
        # The store: this PostgreSQL database (a conninfo) if given, else SQLite in data_dir.
        self.postgres = postgres
        # One database for every incarnation, so restarts find what the last one stored.
        self._data = tempfile.TemporaryDirectory(prefix="groupwire-coordinator-")
        self.data_dir = self._data.name
        self.startup_timeout = startup_timeout
        self.host = host
        self.port = 0

    @property
    def address(self) -> str:
        return f"{self.host}:{self.port}"

    def start(self) -> "CoordinatorProcess":
        # A restart right after SIGKILL may (rarely) find the port not yet reusable: retry for a
        # bounded time rather than fail on the first attempt.
        deadline = time.monotonic() + self.startup_timeout
        while True:
            mark = self.mark()
            store = (["--postgres", self.postgres] if self.postgres
                     else ["--data-dir", self.data_dir])
            self._spawn([coordinator_binary(), "--listen", f"{self.host}:{self.port}", *store,
                         *self.flags])
            try:
                line = self.wait_for_log(_COORDINATOR_LISTENING, after=mark,
                                         timeout=max(1.0, deadline - time.monotonic()))
            except AssertionError:
                self.kill()
                if self.port != 0 and time.monotonic() < deadline and any(
                        "in use" in l.lower() for l in self.log_lines()[mark:]):
                    time.sleep(0.2)  # bounded retry loop for a port still held by the kernel
                    continue
                raise
            m = _COORDINATOR_LISTENING.search(line)
            self.host, self.port = m["host"], int(m["port"])
            return self

    def __enter__(self) -> "CoordinatorProcess":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()


class GroupCluster:
    """A coordinator and a gateway forwarding group APIs to it."""

    def __init__(self, topics: dict[str, int], coordinator_flags: tuple[str, ...] = FAST_GROUPS,
                 gateway_flags: tuple[str, ...] = (), postgres: str | None = None):
        self.coordinator = CoordinatorProcess(*coordinator_flags, postgres=postgres)
        self.topics = dict(topics)
        self.gateway_flags = list(gateway_flags)
        self.gateway: GatewayProcess | None = None
        self._stopping = False

    def start(self) -> "GroupCluster":
        self.coordinator.start()
        try:
            self.gateway = GatewayProcess("--coordinator", self.coordinator.address,
                                          *self.gateway_flags, topics=self.topics).start()
        except Exception:
            self.coordinator.stop()
            raise
        return self

    def problem(self) -> str | None:
        """A reason the cluster cannot work any more (a process died without being asked to),
        for wait loops to give up early with a clear message instead of timing out."""
        if self._stopping:
            return None
        for process in self._processes():
            problem = process.unexpected_exit()
            if problem:
                return problem
        return None

    def _processes(self) -> list[LoggedProcess]:
        """The processes started so far, the gateway first."""
        return ([self.gateway] if self.gateway is not None else []) + [self.coordinator]

    def stop(self) -> None:
        self._stopping = True
        for process in self._processes():
            process.stop()

    def stop_cleanly(self) -> None:
        """stop(), failing unless the gateway and the coordinator exited 0 on SIGTERM (a crash,
        a hang or a sanitizer report would give another code)."""
        self._stopping = True
        rc_gateway = self.gateway.stop() if self.gateway is not None else 0
        rc_coordinator = self.coordinator.stop() if self.coordinator.running() else 0
        for process in self._processes()[2:]:  # any others: their exit codes do not count
            process.stop()
        problems = []
        if rc_gateway != 0:
            problems.append(f"gateway exited with {rc_gateway}; log:\n"
                            + "\n".join(self.gateway.log_lines()))
        if rc_coordinator != 0:
            problems.append(f"coordinator exited with {rc_coordinator}; log:\n"
                            + "\n".join(self.coordinator.log_lines()))
        if problems:
            raise AssertionError("\n".join(problems))

    def __enter__(self) -> "GroupCluster":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    @property
    def bootstrap(self) -> str:
        return self.gateway.bootstrap

    def logs(self) -> str:
        """Both logs, for assertion messages."""
        return ("== coordinator ==\n" + "\n".join(self.coordinator.log_lines())
                + "\n== gateway ==\n" + "\n".join(self.gateway.log_lines()))


def serve_cluster_per_module(namespace: dict, **kwargs) -> None:
    """Gives a test module (`namespace` is its globals()) a setUpModule that starts
    GroupCluster(**kwargs) as its global `cluster`, and a tearDownModule that stops it with
    stop_cleanly()."""

    def setUpModule():
        namespace["cluster"] = GroupCluster(**kwargs).start()

    def tearDownModule():
        namespace["cluster"].stop_cleanly()

    namespace["setUpModule"] = setUpModule
    namespace["tearDownModule"] = tearDownModule
