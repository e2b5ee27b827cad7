"""Runs a real groupwire-gateway process for end-to-end tests.

The gateway is started on port 0 so tests never collide on ports; the bound port is read from
its "listening on" log line. A thread keeps reading stderr for the whole life of the process
(so the pipe never fills up and blocks the gateway) and lets tests wait for a given log line.
LoggedProcess, which does that for any child process, is shared with group_cluster.py and
upstream_cluster.py.
"""

import os
import re
import signal
import subprocess
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

# tests/e2e/gateway_process.py -> repo root is two levels up from this directory.
_REPO_ROOT = Path(__file__).resolve().parents[2]
_DEFAULT_BINARY = _REPO_ROOT / "build" / "gateway" / "groupwire-gateway"

_LISTENING = re.compile(
    r"listening on (?P<host>[^\s:]+):(?P<port>\d+) \(advertised as (?P<adv_host>[^\s:]+):"
    r"(?P<adv_port>\d+), node id (?P<node_id>-?\d+)\)")


_HEALTH = re.compile(r"health endpoint on (?P<url>http://\S+:\d+)/healthz")


def gateway_binary() -> str:
    """The binary under test: $GROUPWIRE_GATEWAY wins over the in-tree build directory."""
    return os.environ.get("GROUPWIRE_GATEWAY") or str(_DEFAULT_BINARY)


def http_get(url: str) -> tuple[int, str]:
    """(status, body) of a GET, e.g. of the gateway's health endpoint."""
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as err:
        return err.code, err.read().decode()


class LoggedProcess:
    """A child process whose stderr is captured line by line. Log lines of every incarnation
    (start() may be called again after the process exited) go to one list, so mark() positions
    stay valid across restarts."""

    name = "process"

    def __init__(self, wrapper: list[str] | None = None,
                 env: dict[str, str] | None = None) -> None:
        """wrapper: a command that runs the process, e.g. ["ip", "netns", "exec", "ns1"] (it
        must exec it, so that signals reach the process itself). env: variables added to the
        test's environment."""
        self.wrapper = list(wrapper or [])
        self.env = dict(env or {})
        self.proc: subprocess.Popen | None = None
        self._lines: list[str] = []
        self._cond = threading.Condition()
        self._eof = True
        self._reader: threading.Thread | None = None
        self.exit_expected = True  # false while the process is meant to be running

    def _spawn(self, argv: list[str], stdout: int = subprocess.DEVNULL, hint: str = "") -> None:
        """Starts argv[0] (stderr captured; stdout discarded unless `stdout` says otherwise).
        `hint` is added to the error for a missing binary: how to get one."""
        if not os.access(argv[0], os.X_OK):
            raise RuntimeError(f"{self.name} binary {argv[0]} not found or not executable"
                               + (f": {hint}" if hint else ""))
        self.exit_expected = False
        with self._cond:
            self._eof = False
            self._lines.append(f"---- {self.name}: {' '.join(argv)}")
        self.proc = subprocess.Popen(self.wrapper + argv, stdin=subprocess.DEVNULL, stdout=stdout,
                                     stderr=subprocess.PIPE, text=True, errors="replace",
                                     env={**os.environ, **self.env})
        self._reader = threading.Thread(target=self._read_stderr, args=(self.proc,), daemon=True)
        self._reader.start()

    def _read_stderr(self, proc: subprocess.Popen) -> None:
        for line in proc.stderr:
            with self._cond:
                self._lines.append(line.rstrip("\n"))
                self._cond.notify_all()
        with self._cond:
            if proc is self.proc:
                self._eof = True
            self._cond.notify_all()

    def running(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def unexpected_exit(self) -> str | None:
        """Why the process is gone although nobody stopped it, or None."""
        if self.exit_expected or self.proc is None or self.proc.poll() is None:
            return None
        code = self.proc.returncode
        how = f"signal {-code}" if code < 0 else f"exit code {code}"
        return f"the {self.name} died unexpectedly ({how}); last log lines:\n" + "\n".join(
            self.log_lines()[-15:])

    def _reap(self, timeout: float) -> int | None:
        self.proc.wait(timeout)
        if self._reader is not None:
            self._reader.join(timeout)
        self.proc.stderr.close()
        return self.proc.returncode

    def stop(self, timeout: float = 5.0) -> int | None:
        """SIGTERM, then SIGKILL if the process has not exited within timeout. Returns the exit
        code (negative: killed by that signal)."""
        if self.proc is None:
            return None
        self.terminate()
        try:
            self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
        return self._reap(timeout)

    def terminate(self) -> None:
        """SIGTERM without waiting: the process is expected to exit by itself (wait_exit)."""
        self.exit_expected = True
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()

    def wait_exit(self, timeout: float) -> int:
        """The exit code once the process has exited by itself (AssertionError after timeout)."""
        try:
            self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            raise AssertionError(f"the {self.name} did not exit within {timeout} s; log:\n"
                                 + "\n".join(self.log_lines())) from None
        return self._reap(timeout)

    def kill(self, timeout: float = 5.0) -> int | None:
        """SIGKILL: no chance to close connections politely or to save anything."""
        if self.proc is None:
            return None
        self.exit_expected = True
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGKILL)
        return self._reap(timeout)

    def log_lines(self) -> list[str]:
        with self._cond:
            return list(self._lines)

    def mark(self) -> int:
        """A position in the log: wait_for_log(after=mark) only looks at lines logged later."""
        with self._cond:
            return len(self._lines)

    def wait_for_log(self, pattern: str | re.Pattern, timeout: float = 5.0,
                     after: int = 0) -> str:
        """The first log line (from index `after` on) matching `pattern`, waiting up to
        `timeout` seconds for it."""
        regex = re.compile(pattern) if isinstance(pattern, str) else pattern
        deadline = time.monotonic() + timeout
        index = after
        with self._cond:
            while True:
                for i in range(index, len(self._lines)):
                    if regex.search(self._lines[i]):
                        return self._lines[i]
                index = len(self._lines)
                remaining = deadline - time.monotonic()
                if self._eof or remaining <= 0:
                    why = f"the {self.name} exited" if self._eof else f"{timeout} s passed"
                    raise AssertionError(
                        f"no {self.name} log line matching {regex.pattern!r} ({why}); log:\n"
                        + "\n".join(self._lines))
                self._cond.wait(remaining)



class GatewayProcess(LoggedProcess):
    """One gateway process. Use as a context manager, or call start()/stop()."""

    name = "gateway"

    def __init__(self, *flags: str, topics: dict[str, int] | None = None,
                 startup_timeout: float = 10.0, listen: str = "127.0.0.1:0",
                 wrapper: list[str] | None = None, env: dict[str, str] | None = None):
        super().__init__(wrapper, env)
        self.flags = list(flags)
        for name, partitions in (topics or {}).items():
            self.flags += ["--topic", f"{name}:{partitions}"]
        self.startup_timeout = startup_timeout
        self.listen = listen
        self.host = self.port = None
        self.advertised_host = self.advertised_port = self.node_id = None
        self.health_url: str | None = None  # "http://HOST:PORT" with --health-listen

    def start(self) -> "GatewayProcess":
        mark = self.mark()
        self._spawn([gateway_binary(), "--listen", self.listen, *self.flags],
                    hint="build it (ninja -C build) or set GROUPWIRE_GATEWAY")
        try:
            line = self.wait_for_log(_LISTENING, timeout=self.startup_timeout, after=mark)
        except Exception:
            self.stop()
            raise
        m = _LISTENING.search(line)
        self.host, self.port = m["host"], int(m["port"])
        self.advertised_host, self.advertised_port = m["adv_host"], int(m["adv_port"])
        self.node_id = int(m["node_id"])
        health = [_HEALTH.search(l) for l in self.log_lines()[mark:]]
        self.health_url = next((h["url"] for h in health if h), None)
        return self

    def wait_for_readiness(self, status: int, timeout: float = 30.0) -> str:
        """The body of /readyz once it answers `status` (polled: readiness has no log line)."""
        deadline = time.monotonic() + timeout
        while True:
            got, body = http_get(self.health_url + "/readyz")
            if got == status:
                return body
            if time.monotonic() >= deadline or not self.running():
                raise AssertionError(f"/readyz answered {got} {body!r}, not {status}; log:\n"
                                     + "\n".join(self.log_lines()))
            time.sleep(0.05)

    def stop_cleanly(self) -> None:
        """stop(), and fail unless the gateway exited 0: a crash while tests ran, a hang on
        SIGTERM or a sanitizer report at exit would each give another code."""
        rc = self.stop()
        if rc != 0:
            raise AssertionError(f"gateway exited with {rc} after SIGTERM; log:\n"
                                 + "\n".join(self.log_lines()))

    def __enter__(self) -> "GatewayProcess":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    @property
    def bootstrap(self) -> str:
        return f"{self.host}:{self.port}"


def serve_gateway_per_module(namespace: dict, *flags: str, **kwargs) -> None:
    """Gives a test module (`namespace` is its globals()) a setUpModule that starts
    GatewayProcess(*flags, **kwargs) as its global `gateway`, and a tearDownModule that stops it
    with stop_cleanly()."""

    def setUpModule():
        namespace["gateway"] = GatewayProcess(*flags, **kwargs).start()

    def tearDownModule():
        namespace["gateway"].stop_cleanly()

    namespace["setUpModule"] = setUpModule
    namespace["tearDownModule"] = tearDownModule
