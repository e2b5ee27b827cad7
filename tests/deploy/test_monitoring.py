"""The Grafana dashboard (deploy/grafana) and the Prometheus alert rules (deploy/prometheus)
against the metrics the real processes export.

    - The dashboard parses; its data source is a variable of type prometheus, and every panel
      (rows aside) uses it and has targets with an expression.
    - Its expressions are PromQL (promtool checks them as recording rules, Grafana's variables
      replaced).
    - Every metric name the panels, the dashboard's variables and the alert rules use is
      exported by a running process: a dev upstream, a gateway in front of it, a coordinator on
      SQLite sampling lag from the upstream (groupwire_group_lag) and one in a PostgreSQL cluster
      (the groupwire_cluster_* metrics) are started and their /metrics read. NOT_YET_EXPORTED
      lists, and the test prints, the names allowed meanwhile.
    - Label matchers on metrics whose series exist before any traffic (groups by state, lease
      renewals by result) name labels and values those series have.

    /usr/bin/python3 -m unittest -v test_monitoring.py
        (GROUPWIRE_GATEWAY, _COORDINATOR, _DEV_UPSTREAM and _PROMTOOL set, as ctest does)
"""

import contextlib
import json
import os
import re
import subprocess
import sys
import tempfile
import unittest
import urllib.request
from collections import defaultdict
from pathlib import Path

import yaml
from prometheus_client.parser import text_string_to_metric_families

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "e2e"))
from deploy_files import REPO  # noqa: E402
from gateway_process import GatewayProcess  # noqa: E402
from group_cluster import CoordinatorProcess  # noqa: E402
from metrics_scrape import METRICS, _METRICS_AT  # noqa: E402
from postgres_server import PostgresServer  # noqa: E402
from promql_names import matchers, metric_names  # noqa: E402
from upstream_cluster import DevUpstreamProcess  # noqa: E402

DASHBOARD = REPO / "deploy" / "grafana" / "groupwire-dashboard.json"
ALERTS = REPO / "deploy" / "prometheus" / "groupwire-alerts.yml"

# Metrics the dashboard or the rules use that no process exports yet. Empty it as they come: a
# name exported now, or used nowhere, fails the test.
NOT_YET_EXPORTED = {
    # Failed durable writes, which the coordinator only logs so far: GroupwireStorageWritesFailing
    # waits for it.
    "groupwire_storage_write_failures_total": "storage writes that failed, not counted yet",
}
# What Prometheus records for each target it scrapes.
PROMETHEUS_OWN = {"up"}
# Labels Prometheus gives every series of a target.
TARGET_LABELS = {"job", "instance"}
_LITERALS = re.compile(r"[\w.:-]+(\|[\w.:-]+)*")


class Exported:
    """What a set of processes' /metrics declare (# TYPE) and the series they hold."""

    def __init__(self):
        self.names: set[str] = set()  # sample names: a histogram's _bucket, _sum, _count
        self.series: dict[str, list[dict[str, str]]] = defaultdict(list)

    def add(self, text: str) -> None:
        for name, kind in re.findall(r"^# TYPE (\S+) (\S+)$", text, re.MULTILINE):
            self.names |= ({f"{name}{s}" for s in ("_bucket", "_sum", "_count")}
                           if kind == "histogram" else {name})
        for family in text_string_to_metric_families(text):
            for sample in family.samples:
                self.series[sample.name].append(sample.labels)


def exposition(process) -> str:
    address = _METRICS_AT.search(process.wait_for_log(_METRICS_AT))[1]
    with urllib.request.urlopen(f"http://{address}/metrics", timeout=10) as response:
        return response.read().decode()


exported = Exported()


def setUpModule():
    with contextlib.ExitStack() as stack:
        pg = stack.enter_context(PostgresServer())
        upstream = DevUpstreamProcess(brokers=1, topics={"orders": 2}).start()
        stack.callback(upstream.stop)
        coordinator = CoordinatorProcess(*METRICS, "--lag-bootstrap", upstream.bootstrap).start()
        stack.callback(coordinator.stop)
        member = CoordinatorProcess(*METRICS, "--group-partitions", "4",
                                    postgres=pg.create_database("groupwire")).start()
        stack.callback(member.stop)
        # Its groupwire_cluster_* metrics are registered by the time it takes partitions.
        member.wait_for_log("took partitions", timeout=30)
        gateway = GatewayProcess("--coordinator", coordinator.address, "--upstream",
                                 upstream.bootstrap, "--broker-port-base", "0", *METRICS).start()
        stack.callback(gateway.stop)
        for process in (coordinator, member, gateway):
            exported.add(exposition(process))
    print(f"\nmetrics declared but not yet exported (allowed): "
          f"{', '.join(f'{n} ({why})' for n, why in NOT_YET_EXPORTED.items()) or 'none'}",
          file=sys.stderr)


def dashboard() -> dict:
    return json.loads(DASHBOARD.read_text())


def panels() -> list[dict]:
    return [p for p in dashboard()["panels"] if p["type"] != "row"]


def dashboard_expressions() -> list[str]:
    """The panels' expressions and the variables' queries (what Grafana runs, and shows)."""
    variables = [v for v in dashboard()["templating"]["list"] if v["type"] == "query"]
    return ([t["expr"] for p in panels() for t in p["targets"]]
            + [v["query"]["query"] for v in variables] + [v["definition"] for v in variables])


def alert_expressions() -> list[str]:
    rules = yaml.safe_load(ALERTS.read_text())
    return [r["expr"] for g in rules["groups"] for r in g["rules"]]


class DashboardTest(unittest.TestCase):
    def test_the_data_source_is_a_prometheus_variable(self):
        variables = {v["name"]: v for v in dashboard()["templating"]["list"]}
        self.assertEqual(variables["datasource"]["type"], "datasource")
        self.assertEqual(variables["datasource"]["query"], "prometheus")
        for v in variables.values():
            if v["type"] == "query":
                self.assertEqual(v["datasource"]["uid"], "${datasource}", v["name"])

    def test_every_panel_has_the_data_source_and_targets(self):
        self.assertTrue(panels())
        ids = [p["id"] for p in dashboard()["panels"]]
        self.assertEqual(len(ids), len(set(ids)), "panel ids repeat")
        for p in panels():
            with self.subTest(panel=p["title"]):
                self.assertEqual(p["datasource"], {"type": "prometheus", "uid": "${datasource}"})
                self.assertTrue(p["targets"])
                for t in p["targets"]:
                    self.assertEqual(t["datasource"], p["datasource"])
                    self.assertTrue(t["expr"].strip())

    def test_the_expressions_are_promql(self):
        promtool = os.environ.get("GROUPWIRE_PROMTOOL")
        self.assertTrue(promtool and os.access(promtool, os.X_OK),
                        "set GROUPWIRE_PROMTOOL to promtool (ctest does)")
        durations = {"$__rate_interval": "5m", "$__interval": "1m", "$__range": "1h"}
        rules = []
        for i, expr in enumerate(t["expr"] for p in panels() for t in p["targets"]):
            for variable, duration in durations.items():
                expr = expr.replace(variable, duration)
            rules.append({"record": f"panel_expression_{i}",
                          "expr": re.sub(r"\$\{?\w+\}?", ".*", expr)})
        with tempfile.NamedTemporaryFile("w", suffix=".yml") as file:
            yaml.safe_dump({"groups": [{"name": "dashboard", "rules": rules}]}, file)
            file.flush()
            done = subprocess.run([promtool, "check", "rules", file.name], capture_output=True,
                                  text=True, timeout=60)
        self.assertEqual(done.returncode, 0, done.stdout + done.stderr)


class ExportedMetricsTest(unittest.TestCase):
    def assert_exported(self, expressions: list[str]) -> None:
        for expr in expressions:
            names = metric_names(expr)
            self.assertTrue(names, f"no metric name read in {expr!r}")
            missing = names - exported.names - PROMETHEUS_OWN - NOT_YET_EXPORTED.keys()
            self.assertFalse(missing, f"{expr!r} uses metrics no process exports")

    def test_the_dashboard_uses_exported_metrics(self):
        self.assert_exported(dashboard_expressions())

    def test_the_alert_rules_use_exported_metrics(self):
        self.assert_exported(alert_expressions())

    def test_matchers_name_labels_and_values_the_series_have(self):
        checked = 0
        for expr in dashboard_expressions() + alert_expressions():
            for m in matchers(expr):
                series = exported.series.get(m.metric or "")
                if not series or m.label in TARGET_LABELS:
                    continue  # its series appear with traffic: not known here
                with self.subTest(expr=expr, label=m.label):
                    values = {labels.get(m.label) for labels in series}
                    self.assertNotEqual(values, {None}, f"{m.metric} has no label {m.label}")
                    if _LITERALS.fullmatch(m.value):
                        self.assertLessEqual(set(m.value.split("|")), values)
                    checked += 1
        self.assertGreater(checked, 0, "no matcher checked")

    def test_not_yet_exported_lists_only_what_is_missing_and_used(self):
        used = set().union(*map(metric_names, dashboard_expressions() + alert_expressions()))
        for name in NOT_YET_EXPORTED:
            with self.subTest(metric=name):
                self.assertNotIn(name, exported.names, "exported now: take it off the list")
                self.assertIn(name, used, "used nowhere: take it off the list")


if __name__ == "__main__":
    unittest.main()
