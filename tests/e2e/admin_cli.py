"""The groupwire CLI as a test drives it: one-shot commands (their exit code, stdout, stderr) and
`groupwire watch --output json` as a child process whose events can be awaited.

    cli = GroupwireCli(coordinator_address)
    result = cli.run("groups", "describe", "g")          # subprocess.CompletedProcess
    group = cli.json("groups", "describe", "g")          # parsed --output json, exit code 0
    with cli.watch("--group", "g") as watch:            # returns once the stream is subscribed
        watch.wait_for(lambda e: e["type"] == "MEMBER_JOINED", 30, "a join")
"""

import json
import os
import subprocess
from pathlib import Path
from typing import Callable

from json_lines_process import JsonLinesProcess

_REPO_ROOT = Path(__file__).resolve().parents[2]
_DEFAULT_CLI = _REPO_ROOT / "build" / "coordinator-service" / "cli" / "groupwire"


def cli_binary() -> str:
    """$GROUPWIRE_CLI wins over the in-tree build directory."""
    return os.environ.get("GROUPWIRE_CLI") or str(_DEFAULT_CLI)


class Watch(JsonLinesProcess):
    """`groupwire watch --output json`: the constructor returns once the CLI says the stream is
    subscribed, so no later event is missed."""

    def __init__(self, argv: list[str], timeout: float = 15.0):
        super().__init__(argv, "groupwire watch")
        try:
            self.wait_for_stderr("watching group events", timeout)
        except AssertionError:
            self.stop()
            raise

    def wait_for(self, predicate: Callable[[dict], bool], timeout: float, what: str) -> dict:
        return self.wait_for_event(predicate, timeout, what)

    def of(self, kind: str) -> list[dict]:
        with self._cond:
            return [e for e in self.events if e.get("type") == kind]

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
        self.proc.wait(10)
        self._cleanup()

    def __enter__(self) -> "Watch":
        return self

    def __exit__(self, *exc) -> None:
        self.stop()


class GroupwireCli:
    def __init__(self, coordinator: str):
        self.coordinator = coordinator

    def argv(self, *args: str) -> list[str]:
        return [cli_binary(), "--coordinator", self.coordinator, *args]

    def run(self, *args: str, timeout: float = 60) -> subprocess.CompletedProcess:
        return subprocess.run(self.argv(*args), capture_output=True, text=True, timeout=timeout)

    def json(self, *args: str) -> dict:
        result = self.run(*args, "--output", "json")
        if result.returncode != 0:
            raise AssertionError(f"groupwire {' '.join(args)} exited {result.returncode}: "
                                 f"{result.stderr}")
        return json.loads(result.stdout)

    def watch(self, *args: str) -> Watch:
        return Watch(self.argv("watch", "--output", "json", *args))
