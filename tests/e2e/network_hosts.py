"""Separate network hosts on one machine, for tests of several gateways.

Each host is a network namespace of its own (ip netns, iproute2) with one address on a shared
virtual network: a veth pair per host into a bridge that lives in a namespace of its own too, so
nothing is added to the machine's own network and nothing can leave it. The addresses come from
198.18.0.0/24, the range set aside for network test beds (RFC 2544).

Creating namespaces needs root (CAP_SYS_ADMIN and CAP_NET_ADMIN). Where that fails, or with
GROUPWIRE_E2E_NO_NETNS=1 set, the hosts fall back to distinct loopback addresses (127.0.0.2,
127.0.0.3, ...) in the machine's own namespace: still one address per host, but no separate
stacks. The topology says which it is, and tests print it.

    with NetworkHosts(["coordinator", "gw1", "clients"]) as net:
        net.address("gw1")   # "198.18.0.11" (or "127.0.0.3" without namespaces)
        net.wrapper("gw1")   # ["ip", "netns", "exec", NAME] (or [] without namespaces)
        print(net.describe())
"""

import os
import shutil
import subprocess
from pathlib import Path

_SUBNET = "198.18.0"
_FIRST_HOST = 10


def _ip(*args: str) -> None:
    subprocess.run(["ip", *args], check=True, capture_output=True, text=True, timeout=30)


class NetworkHosts:
    def __init__(self, hosts: list[str]):
        self.hosts = list(hosts)
        self.mode = ""  # "netns" or "loopback"
        self.why_not_netns = ""
        self._prefix = f"gwtest{os.getpid()}"
        self._namespaces: list[str] = []
        self._addresses: dict[str, str] = {}

    # -- building -------------------------------------------------------------------------

    def build(self) -> "NetworkHosts":
        if os.environ.get("GROUPWIRE_E2E_NO_NETNS"):
            self._fall_back("GROUPWIRE_E2E_NO_NETNS is set")
            return self
        try:
            self._build_namespaces()
            self.mode = "netns"
        except (OSError, subprocess.SubprocessError) as err:
            detail = getattr(err, "stderr", "") or ""
            self.teardown()
            self._fall_back(f"{err} {detail}".strip())
        return self

    def _namespace(self, host: str) -> str:
        return f"{self._prefix}-{host}"

    def _build_namespaces(self) -> None:
        switch = self._namespace("switch")
        _ip("netns", "add", switch)
        self._namespaces.append(switch)
        _ip("-n", switch, "link", "add", "br0", "type", "bridge")
        _ip("-n", switch, "link", "set", "br0", "up")
        for index, host in enumerate(self.hosts):
            ns = self._namespace(host)
            address = f"{_SUBNET}.{_FIRST_HOST + index}"
            _ip("netns", "add", ns)
            self._namespaces.append(ns)
            port = f"p{index}"  # the host's port on the bridge
            _ip("-n", switch, "link", "add", port, "type", "veth", "peer", "name", "eth0",
                "netns", ns)
            _ip("-n", switch, "link", "set", port, "master", "br0", "up")
            _ip("-n", ns, "link", "set", "lo", "up")
            _ip("-n", ns, "addr", "add", f"{address}/24", "dev", "eth0")
            _ip("-n", ns, "link", "set", "eth0", "up")
            self._addresses[host] = address

    def _fall_back(self, why: str) -> None:
        self.mode = "loopback"
        self.why_not_netns = why
        self._addresses = {host: f"127.0.0.{2 + i}" for i, host in enumerate(self.hosts)}

    def teardown(self) -> None:
        """Deletes the namespaces (their veth pairs and bridge go with them) and host files."""
        for ns in reversed(self._namespaces):
            subprocess.run(["ip", "netns", "delete", ns], capture_output=True, timeout=30)
            shutil.rmtree(f"/etc/netns/{ns}", ignore_errors=True)
        self._namespaces.clear()

    def add_name(self, host: str, name: str, targets: list[str]) -> None:
        """Makes `name` resolve, on `host`, to the addresses of every host in `targets` (as a
        DNS name with several A records would): `ip netns exec` puts /etc/netns/NS/hosts in
        place of /etc/hosts. Only with namespaces."""
        assert self.separate_stacks, "names need network namespaces"
        folder = Path("/etc/netns") / self._namespace(host)
        folder.mkdir(parents=True, exist_ok=True)
        lines = ["127.0.0.1 localhost"] + [f"{self._addresses[t]} {name}" for t in targets]
        (folder / "hosts").write_text("\n".join(lines) + "\n")

    def __enter__(self) -> "NetworkHosts":
        return self.build()

    def __exit__(self, *exc) -> None:
        self.teardown()

    # -- using ----------------------------------------------------------------------------

    @property
    def separate_stacks(self) -> bool:
        return self.mode == "netns"

    def address(self, host: str) -> str:
        return self._addresses[host]

    def wrapper(self, host: str) -> list[str]:
        """The command prefix that runs a program on `host`."""
        return ["ip", "netns", "exec", self._namespace(host)] if self.separate_stacks else []

    def describe(self) -> str:
        if self.separate_stacks:
            lines = [f"topology: {len(self.hosts)} network namespaces on one bridge "
                     f"({_SUBNET}.0/24, bridge in namespace {self._namespace('switch')})"]
            lines += [f"  {host:<12} {self._addresses[host]:<15} namespace {self._namespace(host)}"
                      for host in self.hosts]
        else:
            lines = ["topology: NETWORK NAMESPACES UNAVAILABLE (" + self.why_not_netns + "); "
                     "falling back to distinct loopback addresses in one network stack"]
            lines += [f"  {host:<12} {self._addresses[host]}" for host in self.hosts]
        return "\n".join(lines)
