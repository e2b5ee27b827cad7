"""Runs a real groupwire-gateway process for end-to-end tests.

The gateway is started on port 0 so tests never collide on ports; the bound port is read from
its "listening on" log line. A thread keeps reading stderr for the whole life of the process
(so the pipe never fills up and blocks the gateway) and lets tests wait for a given log line.
"""

import os
import re
import subprocess
import threading
import time
from pathlib import Path

# tests/e2e/gateway_process.py -> repo root is two levels up from this directory.
_REPO_ROOT = Path(__file__).resolve().parents[2]
_DEFAULT_BINARY = _REPO_ROOT / "build" / "gateway" / "groupwire-gateway"

_LISTENING = re.compile(
    r"listening on (?P<host>[^\s:]+):(?P<port>\d+) \(advertised as (?P<adv_host>[^\s:]+):"
    r"(?P<adv_port>\d+), node id (?P<node_id>-?\d+)\)")


def gateway_binary() -> str:
    """The binary under test: $GROUPWIRE_GATEWAY wins over the in-tree build directory."""
    return os.environ.get("GROUPWIRE_GATEWAY") or str(_DEFAULT_BINARY)


class GatewayProcess:
    """One gateway process. Use as a context manager, or call start()/stop()."""

    def __init__(self, *flags: str, topics: dict[str, int] | None = None,
                 startup_timeout: float = 10.0):
        self.flags = list(flags)
        for name, partitions in (topics or {}).items():
            self.flags += ["--topic", f"{name}:{partitions}"]
        self.startup_timeout = startup_timeout
        self.proc: subprocess.Popen | None = None
        self.host = self.port = None
        self.advertised_host = self.advertised_port = self.node_id = None
        self._lines: list[str] = []
        self._cond = threading.Condition()
        self._eof = False
        self._reader: threading.Thread | None = None

    # -- lifecycle --------------------------------------------------------------------------

    def start(self) -> "GatewayProcess":
        binary = gateway_binary()
        if not os.access(binary, os.X_OK):
            raise RuntimeError(f"gateway binary {binary} not found or not executable: build it "
                               "(ninja -C build) or set GROUPWIRE_GATEWAY")
        self.proc = subprocess.Popen(
            [binary, "--listen", "127.0.0.1:0", *self.flags],
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
            text=True, errors="replace")
        self._reader = threading.Thread(target=self._read_stderr, daemon=True)
        self._reader.start()
        try:
            line = self.wait_for_log(_LISTENING, timeout=self.startup_timeout)
        except Exception:
            self.stop()
            raise
        m = _LISTENING.search(line)
        self.host, self.port = m["host"], int(m["port"])
        self.advertised_host, self.advertised_port = m["adv_host"], int(m["adv_port"])
        self.node_id = int(m["node_id"])
        return self

    def stop(self, timeout: float = 5.0) -> int | None:
        """SIGTERM, then SIGKILL if the gateway has not exited within timeout. Returns the exit
        code."""
        if self.proc is None:
            return None
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout)
        if self._reader is not None:
            self._reader.join(timeout)
        self.proc.stderr.close()
        return self.proc.returncode

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

    # -- log capture ------------------------------------------------------------------------

    def _read_stderr(self) -> None:
        for line in self.proc.stderr:
            with self._cond:
                self._lines.append(line.rstrip("\n"))
                self._cond.notify_all()
        with self._cond:
            self._eof = True
            self._cond.notify_all()

    def log_lines(self) -> list[str]:
        with self._cond:
            return list(self._lines)

    def mark(self) -> int:
        """A position in the log: wait_for_log(after=mark) only looks at lines logged later."""
        with self._cond:
            return len(self._lines)

    def wait_for_log(self, pattern: str | re.Pattern, timeout: float = 5.0,
                     after: int = 0) -> str:
        """Returns the first log line (from index `after` on) that matches the regex `pattern`,
        waiting up to `timeout` seconds for it to be logged."""
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
                    why = "the gateway exited" if self._eof else f"{timeout} s passed"
                    raise AssertionError(
                        f"no gateway log line matching {regex.pattern!r} ({why}); log so far:\n"
                        + "\n".join(self._lines))
                self._cond.wait(remaining)
