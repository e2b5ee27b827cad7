"""Operating groups from outside the Kafka protocol, checked against what real clients did.

A development upstream, a coordinator and a gateway in upstream mode (upstream_cluster.py), both
processes with --metrics-listen and the coordinator logging JSON. confluent-kafka consumers form a
group through the gateway; the groupwire CLI (the built binary, over the coordinator's admin
gRPC API) must then report:
    - groups describe: Stable, two members, each member's decoded subscription (the topic) and
      assignment equal to the partitions that client says it was given;
    - offsets show --bootstrap: the offsets the clients committed, the end offsets of what was
      produced, and their difference as lag;
    - watch: the joins of exactly those members, the rebalance completing with the described
      generation, the commits; a member removed by an operator, and the rebalance that follows;
    - offsets reset / groups delete refused (exit 1) while the group has members, then applied
      (dry run first) once it is empty;
and its exit codes: 1 refused, 2 usage, 3 unreachable.
/metrics of both processes parses as Prometheus text, and counters move with the traffic.

Run with Debian's interpreter (python3-confluent-kafka, python3-prometheus-client):
    /usr/bin/python3 -m unittest -v test_admin.py
"""

import json
import sys
import time
import unittest
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from admin_cli import GroupwireCli  # noqa: E402
from consumer_agent import ConsumerAgent  # noqa: E402
from group_cluster import wait_until  # noqa: E402
from metrics_scrape import METRICS, scrape, total  # noqa: E402
from upstream_cluster import UPSTREAM_GROUPS, UpstreamCluster  # noqa: E402

import confluent_kafka  # noqa: E402

TOPIC, PARTITIONS = "orders", 4
ALL = {(TOPIC, p) for p in range(PARTITIONS)}
PRODUCED = {p: 3 + p for p in range(PARTITIONS)}  # records per partition
DEADLINE = 60.0

cluster: UpstreamCluster
cli: GroupwireCli


def setUpModule():
    global cluster, cli
    cluster = UpstreamCluster(
        topics={TOPIC: PARTITIONS},
        coordinator_flags=UPSTREAM_GROUPS + METRICS + ("--log-format", "json"),
        gateway_flags=METRICS).start()
    cli = GroupwireCli(cluster.coordinator.address)
    producer = confluent_kafka.Producer({"bootstrap.servers": cluster.bootstrap})
    for p, n in PRODUCED.items():
        for i in range(n):
            producer.produce(TOPIC, value=f"r{i}".encode(), partition=p)
    assert producer.flush(30) == 0, "records not produced"


def tearDownModule():
    cluster.stop_cleanly()


class AdminTest(unittest.TestCase):
    def start_consumer(self, name: str, group: str) -> ConsumerAgent:
        consumer = ConsumerAgent("confluent", cluster.bootstrap, group, [TOPIC],
                                 {"session.timeout.ms": 6000, "heartbeat.interval.ms": 300},
                                 name, watchdog=cluster.problem)
        self.addCleanup(consumer.kill)
        return consumer

    def diagnostics(self, *consumers) -> str:
        return "\n".join(c.describe() for c in consumers) + "\n" + cluster.logs()

    def test_cli_reports_what_the_clients_did(self):
        group = "admin-confluent"
        before_coordinator, before_gateway = scrape(cluster.coordinator), scrape(cluster.gateway)
        watch = cli.watch("--group", group)
        self.addCleanup(watch.stop)
        first, second = self.start_consumer("first", group), self.start_consumer("second", group)
        consumers = [first, second]

        def split():
            sets = [c.assignment for c in consumers]
            if all(sets) and sum(map(len, sets)) == PARTITIONS and set().union(*sets) == ALL:
                return sets
            return None

        wait_until(split, DEADLINE, "two members sharing the partitions", watchdog=cluster.problem)

        # describe: decoded assignments are what each client says it was given.
        def described():
            d = cli.json("groups", "describe", group)
            got = {frozenset((tp["topic"], p) for tp in m["assignment"]["partitions"]
                             for p in tp["partitions"])
                   for m in d["members"] if m["assignment"]}
            want = {frozenset(c.assignment) for c in consumers}
            return d if d["state"] == "Stable" and got == want else None

        d = wait_until(described, DEADLINE, "describe matching the clients' assignments")
        self.assertEqual(len(d["members"]), 2, d)
        self.assertEqual(d["protocol_type"], "consumer")
        self.assertIn(d["leader_id"], {m["member_id"] for m in d["members"]})
        for m in d["members"]:
            self.assertEqual(m["subscription"]["topics"], [TOPIC], m)
            self.assertEqual(m["session_timeout_ms"], 6000)
            self.assertTrue(0 <= m["last_heartbeat_age_ms"] < 6000, m)
            self.assertTrue(m["client_host"], m)
            self.assertIsNone(m["group_instance_id"])

        # commits: each client commits its partitions; offsets show them with lag.
        committed = {}
        for i, c in enumerate(consumers):
            offsets = {tp: 1 + i for tp in c.assignment}
            c.commit(offsets)
            committed.update(offsets)
        shown = cli.json("offsets", "show", group, "--bootstrap", cluster.bootstrap)
        rows = {(o["topic"], o["partition"]): o for o in shown["offsets"]}
        self.assertEqual(set(rows), ALL, shown)
        for (topic, p), row in rows.items():
            self.assertEqual(row["offset"], committed[(topic, p)], row)
            self.assertEqual(row["end_offset"], PRODUCED[p], row)
            self.assertEqual(row["lag"], PRODUCED[p] - committed[(topic, p)], row)
            self.assertGreater(row["commit_timestamp_ms"], 0)

        # watch: the same members joined, the described generation completed, commits seen.
        member_ids = {m["member_id"] for m in d["members"]}
        watch.wait_for(lambda e: e["type"] == "REBALANCE_COMPLETED"
                       and e["generation_id"] == d["generation_id"] and e["members"] == 2,
                       DEADLINE, f"generation {d['generation_id']} completing")
        self.assertLessEqual(member_ids, {e["member_id"] for e in watch.of("MEMBER_JOINED")})
        wait_until(lambda: sum(e["partitions"] for e in watch.of("OFFSETS_COMMITTED"))
                   == PARTITIONS, DEADLINE, "the commits in the watch")
        for e in watch.of("OFFSETS_COMMITTED"):
            self.assertEqual(e["topics"], [TOPIC])
            self.assertIn(e["member_id"], member_ids)
        self.assertTrue(all(e["group_id"] == group for e in watch.events))

        # While the group has members, resets and deletion are refused (exit 1, says why).
        refused = cli.run("offsets", "reset", group, "--to-offset", "0")
        self.assertEqual(refused.returncode, 1, refused)
        self.assertIn("only while it is Empty", refused.stderr)
        refused = cli.run("groups", "delete", group)
        self.assertEqual(refused.returncode, 1, refused)

        # An operator removes a member: it leaves, and the group rebalances without it.
        removed = sorted(member_ids)[0]
        result = cli.run("members", "remove", group, "--member-id", removed)
        self.assertEqual(result.returncode, 0, result)
        left = watch.wait_for(lambda e: e["type"] == "MEMBER_LEFT" and e["member_id"] == removed,
                              DEADLINE, "the removed member leaving")
        self.assertIn("removed by an operator", left["reason"])
        watch.wait_for(lambda e: e["type"] == "REBALANCE_STARTED"
                       and e["timestamp_ms"] >= left["timestamp_ms"], DEADLINE,
                       "a rebalance after the removal")

        # Once the clients are gone, the offsets can be reset: dry run, then for real.
        for c in consumers:
            c.close()
        watch.wait_for(lambda e: e["type"] == "STATE_CHANGED" and e["state"] == "Empty",
                       DEADLINE, "the group becoming Empty")
        dry = cli.json("offsets", "reset", group, "--to-earliest", "--dry-run",
                       "--bootstrap", cluster.bootstrap)
        self.assertFalse(dry["applied"])
        self.assertEqual({(c["topic"], c["partition"]): c["new_offset"] for c in dry["changes"]},
                         {tp: 0 for tp in ALL})
        self.assertEqual({(o["topic"], o["partition"]): o["offset"]
                          for o in cli.json("offsets", "show", group)["offsets"]}, committed)
        latest = cli.json("offsets", "reset", group, "--to-latest", "--bootstrap",
                          cluster.bootstrap)
        self.assertTrue(latest["applied"])
        shown = cli.json("offsets", "show", group, "--bootstrap", cluster.bootstrap)
        self.assertEqual({(o["topic"], o["partition"]): (o["offset"], o["lag"])
                          for o in shown["offsets"]},
                         {(TOPIC, p): (n, 0) for p, n in PRODUCED.items()})
        shifted = cli.json("offsets", "reset", group, "--topic", f"{TOPIC}:0", "--shift-by", "-2")
        self.assertEqual(shifted["changes"], [{"topic": TOPIC, "partition": 0,
                                               "previous_offset": PRODUCED[0],
                                               "new_offset": PRODUCED[0] - 2}])

        # The coordinator's JSON log lines about this group name it in their own field.
        group_lines = [json.loads(l) for l in cluster.coordinator.log_lines()
                       if l.startswith("{") and f"group {group}:" in l]
        self.assertTrue(group_lines)
        self.assertTrue(all(l["group"] == group for l in group_lines), group_lines[:3])

        # Metrics moved with all of this.
        after_coordinator, after_gateway = scrape(cluster.coordinator), scrape(cluster.gateway)
        for name in ("groupwire_rebalances_started_total", "groupwire_rebalances_completed_total",
                     "groupwire_members_joined_total", "groupwire_offset_commits_total",
                     "groupwire_rebalance_duration_seconds_count"):
            self.assertGreater(total(after_coordinator, name), total(before_coordinator, name),
                               name)
        self.assertGreater(total(after_coordinator, "groupwire_members_removed_total",
                                 reason="leave_group"),
                           total(before_coordinator, "groupwire_members_removed_total",
                                 reason="leave_group"))
        self.assertGreaterEqual(total(after_coordinator, "groupwire_groups", state="Empty"), 1)
        for api in ("JoinGroup", "SyncGroup", "Heartbeat", "OffsetCommit", "Fetch"):
            self.assertGreater(total(after_gateway, "groupwire_gateway_requests_total", api=api),
                               total(before_gateway, "groupwire_gateway_requests_total", api=api),
                               api)
        self.assertGreater(
            total(after_gateway, "groupwire_gateway_requests_total", api="JoinGroup",
                  error="NONE"), 0)
        self.assertGreater(
            total(after_gateway, "groupwire_gateway_request_duration_seconds_count",
                  api="SyncGroup"),
            total(before_gateway, "groupwire_gateway_request_duration_seconds_count",
                  api="SyncGroup"))
        self.assertGreater(total(after_gateway, "groupwire_gateway_connections_accepted_total"),
                           total(before_gateway, "groupwire_gateway_connections_accepted_total"))

    def test_exit_codes_and_human_output(self):
        missing = cli.run("groups", "describe", "no-such-group")
        self.assertEqual(missing.returncode, 1, missing)
        self.assertIn("not found", missing.stderr)
        for usage in (("groups",), ("offsets", "reset", "g", "--to-earliest"),
                      ("offsets", "reset", "g"), ("groups", "list", "--output", "yaml"),
                      ("members", "remove", "g"), ("groups", "list", "--state", "Happy")):
            result = cli.run(*usage)
            self.assertEqual(result.returncode, 2, (usage, result))
            self.assertIn("groupwire --help", result.stderr)
        unreachable = GroupwireCli("127.0.0.1:1").run("groups", "list", "--timeout-ms", "2000")
        self.assertEqual(unreachable.returncode, 3, unreachable)

        reset = cli.run("offsets", "reset", "cli-simple", "--topic", f"{TOPIC}:0,1",
                        "--to-offset", "2")
        self.assertEqual(reset.returncode, 0, reset)
        self.assertEqual(reset.stdout.splitlines()[0].split(),
                         ["TOPIC", "PARTITION", "PREVIOUS-OFFSET", "NEW-OFFSET"])
        self.assertEqual(reset.stdout.splitlines()[1].split(), [TOPIC, "0", "-", "2"])
        listed = cli.run("groups", "list", "--prefix", "cli-", "--state", "Empty")
        self.assertEqual(listed.returncode, 0, listed)
        self.assertEqual([line.split()[:2] for line in listed.stdout.splitlines()],
                         [["GROUP", "STATE"], ["cli-simple", "Empty"]])
        self.assertEqual(cli.json("groups", "list", "--prefix", "cli-", "--state", "Stable"),
                         {"groups": []})
        deleted = cli.run("offsets", "delete", "cli-simple", "--topic", f"{TOPIC}:1")
        self.assertEqual(deleted.returncode, 0, deleted)
        self.assertIn("deleted", deleted.stdout)
        self.assertEqual(cli.run("groups", "delete", "cli-simple").returncode, 0)
        self.assertEqual(cli.run("groups", "delete", "cli-simple").returncode, 1)


if __name__ == "__main__":
    unittest.main()
