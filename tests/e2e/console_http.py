"""The web console's HTTP side as tests use it: GET a path, GET JSON, and read the server-sent
event stream (GET /api/events) on a thread, with events that can be awaited."""

import http.client
import json
import re
import threading
import urllib.error
import urllib.request

# What the coordinator logs once its console listens.
CONSOLE_AT = re.compile(r"console on http://(\S+)/")
DEADLINE = 30.0


def console_address(coordinator) -> str:
    return CONSOLE_AT.search(coordinator.wait_for_log(CONSOLE_AT))[1]


def get(base: str, path: str) -> tuple[int, dict, bytes]:
    try:
        with urllib.request.urlopen(base + path, timeout=15) as resp:
            return resp.status, dict(resp.headers), resp.read()
    except urllib.error.HTTPError as e:
        return e.code, dict(e.headers), e.read()


def get_json(base: str, path: str) -> dict:
    status, headers, body = get(base, path)
    assert status == 200, (path, status, body)
    assert headers["Content-Type"] == "application/json", headers
    return json.loads(body)


class EventStream:
    """GET /api/events read on a thread: the events as they come, awaitable."""

    def __init__(self, address: str, query: str = ""):
        host, port = address.rsplit(":", 1)
        self.conn = http.client.HTTPConnection(host, int(port), timeout=DEADLINE)
        self.conn.request("GET", "/api/events" + query)
        self.resp = self.conn.getresponse()
        assert self.resp.status == 200
        assert self.resp.headers["Content-Type"] == "text/event-stream"
        # The server says so at once: from here on no event is missed.
        assert self.resp.readline() == b": connected\n"
        self.events: list[dict] = []
        self.cond = threading.Condition()
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self):
        kind = None
        try:
            for raw in self.resp:
                line = raw.decode().rstrip("\n")
                if line.startswith("event: "):
                    kind = line[len("event: "):]
                elif line.startswith("data: ") and kind == "group":
                    with self.cond:
                        self.events.append(json.loads(line[len("data: "):]))
                        self.cond.notify_all()
        except (OSError, ValueError):
            pass

    def wait_for(self, predicate, what: str) -> dict:
        with self.cond:
            if not self.cond.wait_for(lambda: any(predicate(e) for e in self.events), DEADLINE):
                raise AssertionError(f"no event: {what}; got {self.events}")
            return next(e for e in self.events if predicate(e))

    def close(self):
        self.conn.close()
