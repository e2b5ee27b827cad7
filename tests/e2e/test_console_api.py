"""The web console's server side (coordinator --console-listen) against real processes: a
coordinator reading end offsets from the mock upstream (--lag-bootstrap), a gateway in upstream
mode, confluent-kafka (librdkafka) clients. What the pages read: the JSON API (groups with lag
and rebalances, one group with its members, offsets, end offsets and events, the cluster), the
live event stream (server-sent events), the pages themselves with their security headers. The
browser side is tested with Chromium in tests/e2e/node/console.test.js.

Run with Debian's interpreter: /usr/bin/python3 -m unittest -v test_console_api.py
"""

import json
import subprocess
import sys
import unittest
import urllib.parse
from pathlib import Path

import confluent_kafka

sys.path.insert(0, str(Path(__file__).resolve().parent))
from admin_cli import GroupwireCli  # noqa: E402
from console_http import EventStream, console_address, get, get_json  # noqa: E402
from group_cluster import CoordinatorProcess, coordinator_binary, wait_until  # noqa: E402
from metrics_scrape import scrape, total  # noqa: E402
from upstream_cluster import UPSTREAM_GROUPS, UpstreamCluster  # noqa: E402

TOPIC = "ledger"
DEADLINE = 30.0


class ConsoleApiTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.cluster = UpstreamCluster(
            {TOPIC: 2}, brokers=1, lag_from_upstream=True,
            coordinator_flags=UPSTREAM_GROUPS + ("--console-listen", "127.0.0.1:0",
                                                 "--lag-interval-ms", "200",
                                                 "--metrics-listen", "127.0.0.1:0")).start()
        cls.console = console_address(cls.cluster.coordinator)
        cls.base = f"http://{cls.console}"
        cls.cli = GroupwireCli(cls.cluster.coordinator.address)
        producer = confluent_kafka.Producer({"bootstrap.servers": cls.cluster.bootstrap})
        for i in range(40):
            producer.produce(TOPIC, f"record-{i}".encode(), partition=i % 2)
        assert producer.flush(DEADLINE) == 0

    @classmethod
    def tearDownClass(cls):
        cls.cluster.stop()

    def consumer(self, group: str, **conf) -> confluent_kafka.Consumer:
        c = confluent_kafka.Consumer({"bootstrap.servers": self.cluster.bootstrap,
                                      "group.id": group, "enable.auto.commit": False,
                                      "session.timeout.ms": 6000, **conf})
        self.addCleanup(c.close)
        return c

    def commit(self, group: str, offsets: dict[int, int]):
        """A simple commit (no membership), as Kafka's tools make."""
        c = self.consumer(group)
        c.commit(offsets=[confluent_kafka.TopicPartition(TOPIC, p, o) for p, o in offsets.items()],
                 asynchronous=False)

    def test_group_page_shows_the_lag_the_cli_shows(self):
        self.commit("console-lag", {0: 5, 1: 12})
        page = get_json(self.base, "/api/group?id=console-lag")
        rows = {(o["topic"], o["partition"]): o for o in page["offsets"]["offsets"]}
        self.assertEqual({k: (r["offset"], r["end_offset"], r["lag"]) for k, r in rows.items()},
                         {(TOPIC, 0): ("5", "20", "15"), (TOPIC, 1): ("12", "20", "8")})
        cli = self.cli.json("offsets", "show", "console-lag", "--bootstrap",
                            self.cluster.bootstrap)
        self.assertEqual(sorted((o["topic"], o["partition"], str(o["lag"]))
                                for o in cli["offsets"]),
                         sorted((t, p, r["lag"]) for (t, p), r in rows.items()))
        self.assertEqual(page["group"]["state"], "GROUP_STATE_EMPTY")
        self.assertNotIn("offsets_error", page)

    def test_groups_list_their_sampled_lag_and_the_metric_too(self):
        # A committed partition the topic does not have (as after a topic is made again with
        # fewer partitions) has no end offset: it has no lag, and the other groups still do.
        odd = self.cli.run("offsets", "reset", "console-odd", "--topic", f"{TOPIC}:7",
                           "--to-offset", "1")
        self.assertEqual(odd.returncode, 0, odd)
        self.commit("console-sampled", {0: 18})

        def listed():
            groups = {g["group_id"]: g for g in get_json(self.base, "/api/groups")["groups"]}
            g = groups.get("console-sampled")
            return g if g and g.get("lag") == "2" else None
        group = wait_until(listed, DEADLINE, "the sampled lag in the groups list")
        self.assertEqual((group["group_type"], group["state"]), ("classic", "GROUP_STATE_EMPTY"))
        self.assertEqual(total(scrape(self.cluster.coordinator), "groupwire_group_lag",
                               group="console-sampled"), 2)
        [listed] = self.cli.json("groups", "list", "--prefix", "console-sampled")["groups"]
        self.assertEqual(listed["lag"], 2)
        page = get_json(self.base, "/api/group?id=console-odd")
        self.assertNotIn("offsets_error", page)
        [row] = page["offsets"]["offsets"]
        self.assertEqual((row["partition"], row["offset"]), (7, "1"))
        self.assertNotIn("lag", row)
        self.assertNotIn("end_offset", row)

    def test_a_join_streams_live_and_is_kept_for_the_group_page(self):
        everything = EventStream(self.console)
        self.addCleanup(everything.close)
        other = EventStream(self.console, "?group=" + urllib.parse.quote("console-other"))
        self.addCleanup(other.close)
        c = self.consumer("console-live", **{"client.id": "live-client"})
        c.subscribe([TOPIC])
        joined = everything.wait_for(
            lambda e: e["type"] == "MEMBER_JOINED" and e["group_id"] == "console-live",
            "console-live's member joining")
        everything.wait_for(
            lambda e: e["type"] == "REBALANCE_COMPLETED" and e["group_id"] == "console-live"
            and e["members"] == 1, "the rebalance completing")
        page = get_json(self.base, "/api/group?id=console-live")
        self.assertIn(joined, page["events"])
        [member] = page["group"]["members"]
        self.assertEqual(member["client_id"], "live-client")
        self.assertIn("console-live", {g["group_id"]: g for g in
                                       get_json(self.base, "/api/groups")["groups"]})
        self.assertGreaterEqual(
            {g["group_id"]: g for g in get_json(self.base, "/api/groups")["groups"]}
            ["console-live"]["rebalances_last_hour"], 1)
        # A stream for one group: that group's events only.
        self.commit("console-other", {0: 1})
        first = other.wait_for(lambda e: True, "console-other's commit")
        self.assertEqual((first["group_id"], first["type"]), ("console-other", "OFFSETS_COMMITTED"))
        self.assertTrue(all(e["group_id"] == "console-other" for e in other.events), other.events)

    def test_the_cluster_view_is_the_admin_api_cluster_status(self):
        cluster = get_json(self.base, "/api/cluster")
        [coordinator] = cluster["coordinators"]
        self.assertEqual(coordinator["advertise"], self.cluster.coordinator.address)
        self.assertEqual(len(coordinator["partitions"]), cluster["group_partitions"])
        self.assertEqual(cluster.get("unowned", []), [])

    def test_unknown_groups_and_paths_are_clear_errors(self):
        status, _, body = get(self.base, "/api/group?id=" + urllib.parse.quote("no such/group"))
        self.assertEqual(status, 404)
        self.assertEqual(json.loads(body)["error"], "group 'no such/group' not found")
        status, _, body = get(self.base, "/api/group")
        self.assertEqual(status, 400)
        self.assertEqual(get(self.base, "/nothing-here")[0], 404)

    def test_pages_are_built_in_and_allow_no_other_origin(self):
        status, headers, body = get(self.base, "/")
        self.assertEqual(status, 200)
        self.assertEqual(headers["Content-Type"], "text/html; charset=utf-8")
        self.assertIn(b"/app.js", body)
        csp = headers["Content-Security-Policy"]
        self.assertIn("default-src 'none'", csp)
        self.assertIn("script-src 'self'", csp)
        self.assertNotIn("unsafe-inline", csp)
        self.assertEqual(headers["X-Content-Type-Options"], "nosniff")
        for path, kind in (("/app.js", "text/javascript"), ("/style.css", "text/css")):
            status, headers, body = get(self.base, path)
            self.assertEqual((status, headers["Content-Type"].split(";")[0]), (200, kind))
            self.assertNotRegex(body, rb"https?://", f"{path} refers to another origin")


class ConsoleFlagsTest(unittest.TestCase):
    def test_a_bad_console_address_stops_the_coordinator_naming_the_flag(self):
        done = subprocess.run([coordinator_binary(), "--console-listen", "nowhere"],
                              capture_output=True, text=True, timeout=30)
        self.assertNotEqual(done.returncode, 0)
        self.assertIn("--console-listen", done.stderr)

    def test_a_taken_console_port_stops_the_coordinator(self):
        with CoordinatorProcess("--console-listen", "127.0.0.1:0") as first:
            port = console_address(first).rsplit(":", 1)[1]
            second = CoordinatorProcess("--console-listen", f"127.0.0.1:{port}",
                                        startup_timeout=5)
            with self.assertRaises(AssertionError):
                second.start()
            self.assertTrue(any("--console-listen" in l and "cannot listen" in l
                                for l in second.log_lines()), second.log_lines())
            second.stop()


if __name__ == "__main__":
    unittest.main()
