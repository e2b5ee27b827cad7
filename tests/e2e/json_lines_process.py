"""A child process that reports JSON objects on stdout, one per line, read by threads for the
whole life of the process (so its pipes never fill); a test awaits the events it expects.
ConsumerAgent (consumer_agent.py) and the CLI's watch (admin_cli.py) are such processes."""

import json
import subprocess
import threading
import time
from typing import Callable


class JsonLinesProcess:
    def __init__(self, argv: list[str], name: str, stdin: int = subprocess.DEVNULL,
                 watchdog: Callable[[], str | None] | None = None):
        """watchdog (e.g. GroupCluster.problem) may return a reason to stop waiting at once."""
        self.name = name
        self.watchdog = watchdog
        self.events: list[dict] = []
        self.stderr: list[str] = []
        self._cond = threading.Condition()
        self._eof = False
        self.proc = subprocess.Popen(argv, stdin=stdin, stdout=subprocess.PIPE,
                                     stderr=subprocess.PIPE, text=True, errors="replace")
        self._readers = [threading.Thread(target=self._read_stdout, daemon=True),
                         threading.Thread(target=self._read_stderr, daemon=True)]
        for reader in self._readers:
            reader.start()

    def _read_stdout(self) -> None:
        for line in self.proc.stdout:
            try:
                event = json.loads(line)
            except ValueError:
                event = {"event": "garbage", "line": line.rstrip("\n")}
            event["t"] = time.monotonic()
            with self._cond:
                self.events.append(event)
                self._cond.notify_all()
        with self._cond:
            self._eof = True
            self._cond.notify_all()

    def _read_stderr(self) -> None:
        for line in self.proc.stderr:
            with self._cond:
                self.stderr.append(line.rstrip("\n"))
                self._cond.notify_all()

    def describe(self) -> str:
        with self._cond:
            events = "\n".join(json.dumps({k: v for k, v in e.items() if k != "t"})
                               for e in self.events)
            return (f"-- {self.name} events:\n{events}\n"
                    f"-- {self.name} stderr:\n" + "\n".join(self.stderr[-40:]))

    def mark(self) -> int:
        with self._cond:
            return len(self.events)

    def wait_for_event(self, predicate: Callable[[dict], bool], timeout: float, what: str,
                       after: int = 0) -> dict:
        """The first event (from index `after` on) matching predicate."""
        deadline = time.monotonic() + timeout
        index = after
        with self._cond:
            while True:
                for i in range(index, len(self.events)):
                    if predicate(self.events[i]):
                        return self.events[i]
                index = len(self.events)
                remaining = deadline - time.monotonic()
                problem = self.watchdog() if self.watchdog is not None else None
                if self._eof or remaining <= 0 or problem:
                    why = (f"the {self.name} exited" if self._eof else problem if problem
                           else f"{timeout} s passed")
                    raise AssertionError(f"{self.name}: no event {what} ({why})\n"
                                         + self.describe())
                self._cond.wait(min(remaining, 0.5))  # wakes up to ask the watchdog

    def wait_for_stderr(self, text: str, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        with self._cond:
            while not any(text in line for line in self.stderr):
                remaining = deadline - time.monotonic()
                if remaining <= 0 or self.proc.poll() is not None:
                    raise AssertionError(f"{self.name}: no '{text}' on stderr\n"
                                         + self.describe())
                self._cond.wait(min(remaining, 0.5))

    def stderr_lines(self) -> list[str]:
        with self._cond:
            return list(self.stderr)

    def _cleanup(self) -> None:
        """After the child exited: let the readers drain its output, close the pipes."""
        for reader in self._readers:
            reader.join(10)
        for pipe in (self.proc.stdin, self.proc.stdout, self.proc.stderr):
            try:
                if pipe is not None:
                    pipe.close()
            except OSError:
                pass
