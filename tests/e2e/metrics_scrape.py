"""Reading a process's Prometheus /metrics (started with --metrics-listen HOST:0)."""

import re
import urllib.request

from prometheus_client.parser import text_string_to_metric_families

METRICS = ("--metrics-listen", "127.0.0.1:0")
_METRICS_AT = re.compile(r"metrics on http://(\S+)/metrics")


def scrape(process) -> dict[tuple, float]:
    """The process's /metrics, parsed by prometheus_client: {(sample name, labels): value}."""
    address = _METRICS_AT.search(process.wait_for_log(_METRICS_AT))[1]
    with urllib.request.urlopen(f"http://{address}/metrics", timeout=10) as resp:
        assert resp.status == 200
        assert resp.headers["Content-Type"].startswith("text/plain; version=0.0.4")
        text = resp.read().decode()
    samples = {}
    for family in text_string_to_metric_families(text):
        for s in family.samples:
            samples[(s.name, tuple(sorted(s.labels.items())))] = s.value
    return samples


def total(samples: dict, name: str, **labels) -> float:
    """The sum of a metric's samples whose labels include `labels`."""
    return sum(v for (n, ls), v in samples.items()
               if n == name and all(dict(ls).get(k) == w for k, w in labels.items()))
