"""More members than one process may hold connections for: one coordinator, several gateways in
front of it, and one groupwire-bench-groups per gateway holding its share of the groups. Each
generator runs with --hold-stable: it says "stable" on stderr once its groups are Stable and
keeps its members (heartbeating) until its standard input ends, so every member is in the
coordinator at once when the RSS figures are read:

    held = hold_members(100_000, per_gateway=19_000, generator_flags=(...))
    held.coordinator_kib  # (before any member connected, with every group Stable)
"""

import json
import math
import subprocess
import threading
from dataclasses import dataclass, field
from typing import Callable

from gateway_process import GatewayProcess
from group_cluster import CoordinatorProcess
from group_load_targets import generator_binary

MEMBERS_PER_GROUP = 100


def rss_kib(pid: int) -> int:
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    raise RuntimeError(f"no VmRSS for pid {pid}")


@dataclass
class Held:
    members: int
    gateways: int
    coordinator_kib: tuple[int, int] = (0, 0)
    gateway_kib: list[tuple[int, int]] = field(default_factory=list)
    reports: list[dict] = field(default_factory=list)
    error: str | None = None


class _Generator:
    """One generator process; a thread reads its stderr and notes the "stable" line."""

    def __init__(self, argv: list[str]):
        self.proc = subprocess.Popen(argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     stderr=subprocess.PIPE, text=True)
        self.stable = threading.Event()
        self.stderr: list[str] = []
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        for line in self.proc.stderr:
            self.stderr.append(line.rstrip())
            if line.strip() == "stable":
                self.stable.set()
        self.stable.set()  # exited: nothing more to wait for

    def release(self, timeout: float) -> dict:
        self.proc.stdin.close()
        out = self.proc.stdout.read()
        self.proc.wait(timeout=timeout)
        self._reader.join(timeout=timeout)
        if self.proc.returncode != 0:
            raise RuntimeError(f"generator exited with {self.proc.returncode}: "
                               + " | ".join(self.stderr[-5:]))
        return json.loads(out)


def hold_members(members: int, per_gateway: int, generator_flags: tuple[str, ...],
                 coordinator_flags: tuple[str, ...] = (), stable_timeout: float = 1800,
                 while_held: Callable[[str], None] | None = None) -> Held:
    """`while_held` is called with the coordinator's address while every member is held."""
    groups = members // MEMBERS_PER_GROUP
    gateways = math.ceil(members / per_gateway)
    share = [groups // gateways + (1 if i < groups % gateways else 0) for i in range(gateways)]
    held = Held(groups * MEMBERS_PER_GROUP, gateways)
    coordinator = CoordinatorProcess(*coordinator_flags)
    started: list[GatewayProcess] = []
    generators: list[_Generator] = []
    try:
        coordinator.start()
        for g in share:
            started.append(GatewayProcess(
                "--coordinator", coordinator.address,
                "--max-connections", str(g * MEMBERS_PER_GROUP + 1000),
                topics={"bench": 1}).start())
        pids = [coordinator.proc.pid] + [gw.proc.pid for gw in started]
        before = [rss_kib(p) for p in pids]
        for gw, g in zip(started, share):
            generators.append(_Generator([
                generator_binary(), "--bootstrap", gw.bootstrap, "--json", "--hold-stable",
                "--groups", str(g), "--members", str(MEMBERS_PER_GROUP), *generator_flags]))
        for gen in generators:
            if not gen.stable.wait(stable_timeout) or gen.proc.poll() is not None:
                raise RuntimeError("a generator did not hold its groups Stable: "
                                   + " | ".join(gen.stderr[-5:]))
        stable = [rss_kib(p) for p in pids]
        if while_held:
            while_held(coordinator.address)
        held.coordinator_kib = (before[0], stable[0])
        held.gateway_kib = list(zip(before[1:], stable[1:]))
        held.reports = [gen.release(timeout=300) for gen in generators]
    except Exception as e:  # noqa: BLE001 (a failure is a figure of the run)
        held.error = str(e).splitlines()[0][:300]
    finally:
        for gen in generators:
            if gen.proc.poll() is None:
                gen.proc.kill()
                gen.proc.wait()
        for gw in started:
            gw.stop()
        coordinator.stop()
    return held
