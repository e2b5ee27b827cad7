"""The servers the group load generator (groupwire-bench-groups) is pointed at, and a way to
run it and read its JSON report. Shared by run_benchmarks.py and the ctest smoke run.

Targets start on free ports and are waited for through what they print, never with sleeps;
each reports the pids whose CPU time and RSS the generator samples:

    with GroupwireTarget() as target:
        report = run_generator(target.bootstrap, "--groups", "2", "--members", "2",
                               pids=target.pids)
"""

import json
import os
import re
import subprocess
import sys
from pathlib import Path

_HERE = Path(__file__).resolve().parent
_REPO_ROOT = _HERE.parents[1]
sys.path.insert(0, str(_REPO_ROOT / "tests" / "e2e"))

from gateway_process import LoggedProcess  # noqa: E402
from group_cluster import GroupCluster  # noqa: E402
from upstream_cluster import DevUpstreamProcess  # noqa: E402

_BENCH_BUILD = _REPO_ROOT / "build" / "tests" / "bench"
_LISTENING = re.compile(r"listening on (?P<host>[^\s:]+):(?P<port>\d+)")


def generator_binary() -> str:
    """$GROUPWIRE_BENCH_GROUPS wins over the in-tree build directory."""
    return os.environ.get("GROUPWIRE_BENCH_GROUPS") or str(_BENCH_BUILD / "groupwire-bench-groups")


def echo_binary() -> str:
    return os.environ.get("GROUPWIRE_BENCH_ECHO") or str(_BENCH_BUILD / "groupwire-bench-echo")


class EchoTarget(LoggedProcess):
    """groupwire-bench-echo: answers every frame with a Heartbeat answer. Only the generator's
    --no-join mode makes sense against it."""

    name = "echo"
    label = "echo"
    generator_flags = ("--no-join",)

    def start(self) -> "EchoTarget":
        self._spawn([echo_binary()], hint="build target groupwire-bench-echo")
        m = _LISTENING.search(self.wait_for_log(_LISTENING, timeout=10))
        self.bootstrap = f"{m['host']}:{m['port']}"
        self.pids = {"echo": self.proc.pid}
        return self

    def __enter__(self) -> "EchoTarget":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()


class MockTarget:
    """librdkafka's mock cluster (groupwire-dev-upstream, 3 brokers): its group coordinator
    runs with every broker in one thread. Members find their coordinator with
    FindCoordinator."""

    label = "mock"
    generator_flags = ()

    def __init__(self, brokers: int = 3):
        self.process = DevUpstreamProcess(brokers, topics={})
        self.process.argv += ["--log-level", "warn"]

    def start(self) -> "MockTarget":
        self.process.start()
        self.bootstrap = self.process.bootstrap.split(",")[0]
        self.pids = {"mock": self.process.proc.pid}
        return self

    def stop(self) -> None:
        self.process.stop()

    def __enter__(self) -> "MockTarget":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()


def mock_215_binary() -> tuple[str | None, str]:
    """librdkafka 2.15.1's mock broker ($GROUPWIRE_MOCK_215, else built by build_mock_215.sh,
    which caches it), or None and why it cannot be had."""
    if os.environ.get("GROUPWIRE_MOCK_215"):
        return os.environ["GROUPWIRE_MOCK_215"], ""
    try:
        done = subprocess.run([str(_HERE / "build_mock_215.sh")], capture_output=True, text=True,
                              timeout=1800)
    except (OSError, subprocess.TimeoutExpired) as e:
        return None, f"build_mock_215.sh: {e}"
    if done.returncode != 0:
        lines = done.stderr.strip().splitlines()
        return None, f"build_mock_215.sh: {lines[-1] if lines else f'exit {done.returncode}'}"
    return done.stdout.strip().splitlines()[-1], ""


class Mock215Target:
    """librdkafka 2.15.1's mock cluster (tests/golden/mock_broker.c, one broker): a consumer
    protocol peer. It serves ConsumerGroupHeartbeat v1 with a plain range assignment and no
    ConsumerGroupDescribe, so the generator runs with --no-describe; it asserts that topic names
    come with a regex, as librdkafka sends them, hence --empty-topic-regex."""

    label = "mock 2.15.1"
    generator_flags = ("--no-describe", "--empty-topic-regex")

    def __init__(self, binary: str, topics: dict[str, int], heartbeat_interval_ms: int):
        self.argv = [binary, "--consumer-heartbeat-interval-ms", str(heartbeat_interval_ms)]
        for name, partitions in topics.items():
            self.argv += ["--topic", f"{name}:{partitions}"]
        self.proc: subprocess.Popen | None = None

    def start(self) -> "Mock215Target":
        # librdkafka logs to stderr; the bootstrap line is the only thing on stdout.
        self.proc = subprocess.Popen(self.argv, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                     stderr=subprocess.DEVNULL, text=True)
        line = self.proc.stdout.readline()
        if not line.startswith("BOOTSTRAP "):
            self.stop()
            raise RuntimeError(f"{' '.join(self.argv)} printed no BOOTSTRAP line "
                               f"(exit {self.proc.returncode})")
        self.bootstrap = line.split()[1]
        self.pids = {"mock": self.proc.pid}
        return self

    def stop(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(5)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        self.proc.stdout.close()

    def __enter__(self) -> "Mock215Target":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()


class GroupwireTarget:
    """A groupwire-coordinator (data in a temporary directory) and a groupwire-gateway in
    catalog mode in front of it, logging at their default level (info), as deployed."""

    label = "groupwire"
    generator_flags = ()

    def __init__(self, initial_rebalance_delay_ms: int = 0, max_connections: int = 10000,
                 topics: dict[str, int] | None = None, coordinator_flags: tuple[str, ...] = ()):
        self.cluster = GroupCluster(
            topics={"bench": 1, **(topics or {})},
            coordinator_flags=("--initial-rebalance-delay-ms", str(initial_rebalance_delay_ms),
                               *coordinator_flags),
            gateway_flags=("--max-connections", str(max_connections)))

    def start(self) -> "GroupwireTarget":
        self.cluster.start()
        self.bootstrap = self.cluster.bootstrap
        self.pids = {"gateway": self.cluster.gateway.proc.pid,
                     "coordinator": self.cluster.coordinator.proc.pid}
        return self

    def stop(self) -> None:
        self.cluster.stop()

    def problem(self) -> str | None:
        return self.cluster.problem()

    def logs(self) -> str:
        return self.cluster.logs()

    def __enter__(self) -> "GroupwireTarget":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()


def run_generator(bootstrap: str, *flags: str, pids: dict[str, int] | None = None,
                  timeout: float = 900) -> dict:
    """Runs groupwire-bench-groups with --json and returns its report. Raises with the
    generator's output when it fails or prints no report."""
    argv = [generator_binary(), "--bootstrap", bootstrap, "--json", *flags]
    for name, pid in (pids or {}).items():
        argv += ["--pid", f"{name}={pid}"]
    done = subprocess.run(argv, capture_output=True, text=True, timeout=timeout)
    if done.returncode != 0:
        raise RuntimeError(f"{' '.join(argv)} exited with {done.returncode}:\n"
                           f"{done.stdout}\n{done.stderr}")
    try:
        return json.loads(done.stdout)
    except json.JSONDecodeError as e:
        raise RuntimeError(f"{' '.join(argv)} printed no JSON report ({e}):\n{done.stdout}")


def process(report: dict, name: str) -> dict:
    """The sampled figures of one watched process in a generator report."""
    for p in report["processes"]:
        if p["name"] == name:
            return p
    raise KeyError(f"no process {name} in the report")
