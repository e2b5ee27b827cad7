"""Coordinator processes sharing one PostgreSQL database (a real server the test starts): the
group partitions spread evenly over them; SIGTERM hands a coordinator's partitions to the
other at once; after SIGKILL the other takes them when the leases expire; and a coordinator
paused (SIGSTOP) past its lease, whose partitions were taken meanwhile, can neither answer for
them nor write once it runs again: an OffsetCommit a gateway sent it during the pause is refused
(NOT_COORDINATOR) when it runs again, and the gateway sends it on to the new owner, which
acknowledges it. A coordinator cut off from the database (its connections go through a TCP proxy
the test stops) stops serving before its leases can have expired, and the other takes its
partitions after. `groupwire cluster status -o json`, asked of either coordinator, shows the
leases as the database has them; the admin API and the CLI answer for every group from either.

Who owns what is read from the database (groupwire_leases); only when a coordinator stopped
serving is read from its log.

Run with Debian's interpreter (python3-kafka):
    /usr/bin/python3 -m unittest -v test_coordinator_cluster.py
"""

import os
from datetime import datetime
import signal
import sys
import time
import unittest
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from admin_cli import GroupwireCli  # noqa: E402
from console_http import EventStream, console_address, get_json  # noqa: E402
from gateway_process import GatewayProcess  # noqa: E402
from group_cluster import CoordinatorProcess, wait_until  # noqa: E402
from kafka_hash import partition_of  # noqa: E402
from metrics_scrape import METRICS, scrape, total  # noqa: E402
from postgres_cluster import LEASE_MS, PARTITIONS, PostgresClusterTest  # noqa: E402
from postgres_server import free_port  # noqa: E402
from raw_group_client import RawGroupClient  # noqa: E402
from tcp_proxy import TcpProxy  # noqa: E402

from kafka.protocol.commit import OffsetCommitRequest  # noqa: E402



def all_threads_stopped(pid: int) -> bool:
    """Whether every thread of `pid` is in the stopped state ('T' in /proc)."""
    for task in os.listdir(f"/proc/{pid}/task"):
        with open(f"/proc/{pid}/task/{task}/stat") as stat:
            # The state follows the command name, which is in parentheses and may hold spaces.
            if stat.read().rsplit(")", 1)[1].split()[0] != "T":
                return False
    return True


class CoordinatorClusterTest(PostgresClusterTest):
    def diagnostics(self) -> str:
        return f"leases: {self.leases()}\n" + "\n".join(
            "\n".join(c.log_lines()) for c in self.coordinators)

    def wait_for_split(self, a: CoordinatorProcess, b: CoordinatorProcess) -> None:
        try:
            wait_until(lambda: len(self.owned_by(a)) == len(self.owned_by(b)) == PARTITIONS // 2,
                       30, "the partitions split 5/5")
        except AssertionError as err:
            self.fail(f"{err}\n{self.diagnostics()}")

    def test_cluster_status_shows_the_leases_from_any_coordinator(self):
        a = self.start_coordinator()
        wait_until(lambda: len(self.owned_by(a)) == PARTITIONS, 30, "a alone to own all")
        b = self.start_coordinator()
        self.wait_for_split(a, b)
        leases = self.leases()
        expected = {c.address: sorted((p, leases[p][1]) for p in self.owned_by(c))
                    for c in (a, b)}
        for c in (a, b):
            status = GroupwireCli(c.address).json("cluster", "status")
            self.assertEqual(status["group_partitions"], PARTITIONS)
            self.assertEqual(status["unowned"], [])
            got = {co["advertise"]: sorted((p["partition"], p["epoch"]) for p in co["partitions"])
                   for co in status["coordinators"]}
            self.assertEqual(got, expected, self.diagnostics())

    def a_stable_group_on_each_of_two(self, prefix: str, *flags_of_a: str):
        """Coordinators a (with `flags_of_a`) and b sharing the partitions, and through a
        gateway a Stable group of one member on each: (a, b, {owner address: group}, the
        members' client, {group: (generation, member id)})."""
        a = self.start_coordinator(None, *flags_of_a)
        wait_until(lambda: len(self.owned_by(a)) == PARTITIONS, 30, "a alone to own all")
        b = self.start_coordinator()
        self.wait_for_split(a, b)
        names = (f"{prefix}-{i}" for i in range(1000))
        groups = {c.address: next(g for g in names if partition_of(g, PARTITIONS) in
                                  self.owned_by(c)) for c in (a, b)}
        gateway = GatewayProcess("--coordinator", f"{a.address},{b.address}",
                                 topics={"orders": 1}).start()
        self.addCleanup(gateway.stop)
        client = RawGroupClient(gateway.bootstrap, node_id=gateway.node_id)
        self.addCleanup(client.close)
        members = {group: client.form_group(group, partitions=1, session_timeout_ms=60000)
                   for group in groups.values()}
        return a, b, groups, client, members

    def test_the_admin_api_answers_for_every_group_from_any_coordinator(self):
        a, b, groups, client, formed = self.a_stable_group_on_each_of_two("admin")
        members = {group: member for group, (_, member) in formed.items()}

        for asked in (a, b):
            # The first address does not answer: the CLI goes on to the next.
            cli = GroupwireCli(f"127.0.0.1:{free_port()},{asked.address}")
            listed = {g["group_id"] for g in cli.json("groups", "list")["groups"]}
            self.assertEqual(listed, set(groups.values()), f"asked {asked.address}")
            for owner, group in groups.items():
                described = cli.json("groups", "describe", group)
                self.assertEqual(described["state"], "Stable")
                self.assertEqual(described["coordinator"], owner)
                self.assertEqual(described["group_partition"], partition_of(group, PARTITIONS))
        # A change through a coordinator that does not serve the group reaches the one that does.
        cli = GroupwireCli(a.address)
        self.assertEqual(client.leave(groups[b.address], members[groups[b.address]], 1), 0)
        done = cli.run("groups", "delete", groups[b.address])
        self.assertEqual(done.returncode, 0, done.stderr)
        self.assertEqual({g["group_id"] for g in cli.json("groups", "list")["groups"]},
                         {groups[a.address]})

    def test_the_console_of_one_coordinator_shows_the_whole_cluster(self):
        a, b, groups, client, members = self.a_stable_group_on_each_of_two(
            "console", "--console-listen", "127.0.0.1:0")
        console = console_address(a)

        base = f"http://{console}"
        cluster = get_json(base, "/api/cluster")
        self.assertEqual({c["advertise"]: len(c["partitions"]) for c in cluster["coordinators"]},
                         {a.address: PARTITIONS // 2, b.address: PARTITIONS // 2})
        self.assertEqual({g["group_id"]: g["state"]
                          for g in get_json(base, "/api/groups")["groups"]},
                         {g: "GROUP_STATE_STABLE" for g in groups.values()})
        theirs = groups[b.address]
        page = get_json(base, "/api/group?id=" + theirs)
        self.assertEqual(page["group"]["coordinator"], b.address)
        # b's events reach a's console once it watches b too (it looks for new coordinators
        # every few seconds): commits on b's group until one streams, then a leave.
        stream = EventStream(console, "?group=" + theirs)
        self.addCleanup(stream.close)
        generation, member = members[theirs]

        def streamed():
            self.assertEqual(client.commit(theirs, generation, member, {("orders", 0): 1}, 2),
                             {("orders", 0): 0})
            return any(e["type"] == "OFFSETS_COMMITTED" for e in stream.events)
        wait_until(streamed, 30, "b's commit on a's console", interval=0.2)
        self.assertEqual(client.leave(theirs, member, 1), 0)
        left = stream.wait_for(lambda e: e["type"] == "MEMBER_LEFT", "b's member leaving")
        self.assertEqual(left["member_id"], member)

    def test_cut_off_from_the_database_a_coordinator_stops_serving_before_its_leases_expire(self):
        proxy = TcpProxy("127.0.0.1", self.pg.port)
        self.addCleanup(proxy.stop)
        a = self.start_coordinator(
            f"host=127.0.0.1 port={proxy.port} user=groupwire dbname=groupwire")
        wait_until(lambda: len(self.owned_by(a)) == PARTITIONS, 30, "a alone to own all")
        b = self.start_coordinator()
        self.wait_for_split(a, b)
        theirs = self.owned_by(a)
        epochs = {p: e for p, (_, e) in self.leases().items()}

        mark = a.mark()
        cut = datetime.now()
        proxy.stop()
        line = a.wait_for_log(r"stopped serving partitions .*not renewed in time", after=mark,
                              timeout=LEASE_MS / 1000 * 2)
        stopped = datetime.strptime(line.split()[0], "%Y-%m-%dT%H:%M:%S.%f")
        # Its last renewal came at most a period (200 ms) before the cut: the leases run at
        # least until cut + lease - 200 ms on the database's clock.
        self.assertLess((stopped - cut).total_seconds(), (LEASE_MS - 200) / 1000, line)
        wait_until(lambda: all(self.leases()[p][0] == b.address for p in theirs), 30,
                   "b to take a's partitions once their leases expired")
        for p in theirs:
            self.assertGreater(self.leases()[p][1], epochs[p], f"partition {p}: a new epoch")

    def test_sigterm_hands_partitions_over_at_once(self):
        a = self.start_coordinator()
        wait_until(lambda: len(self.owned_by(a)) == PARTITIONS, 30, "a alone to own all")
        b = self.start_coordinator()
        self.wait_for_split(a, b)
        stopped = time.monotonic()
        self.assertEqual(b.stop(timeout=15), 0, self.diagnostics())
        wait_until(lambda: len(self.owned_by(a)) == PARTITIONS, 30, "a to own all again")
        # Handed over: sooner than the lease would have expired by itself.
        self.assertLess(time.monotonic() - stopped, LEASE_MS / 1000, self.diagnostics())

    def test_after_sigkill_the_other_takes_over_when_the_leases_expire(self):
        a = self.start_coordinator()
        wait_until(lambda: len(self.owned_by(a)) == PARTITIONS, 30, "a alone to own all")
        b = self.start_coordinator()
        self.wait_for_split(a, b)
        b_partitions = self.owned_by(b)
        epochs = {p: e for p, (_, e) in self.leases().items()}
        killed = time.monotonic()
        b.kill()
        wait_until(lambda: len(self.owned_by(a)) == PARTITIONS, 30, "a to take b's partitions")
        took = time.monotonic() - killed
        # Lease expiry plus a renewal period or two, on a loaded machine.
        self.assertLess(took, LEASE_MS / 1000 + 2.0, self.diagnostics())
        for p, (_, epoch) in self.leases().items():
            if p in b_partitions:
                self.assertGreater(epoch, epochs[p], f"partition {p}: a new epoch for a new owner")

    def test_a_paused_owner_is_fenced_when_it_runs_again(self):
        a = self.start_coordinator()
        wait_until(lambda: len(self.owned_by(a)) == PARTITIONS, 30, "a alone to own all")
        b = self.start_coordinator()
        self.wait_for_split(a, b)
        group = next(g for g in (f"fenced-{i}" for i in range(1000))
                     if partition_of(g, PARTITIONS) in self.owned_by(b))
        gateway = GatewayProcess("--coordinator", b.address, "--coordinator-timeout-ms", "15000",
                                 *METRICS, topics={"orders": 1}).start()
        self.addCleanup(gateway.stop)
        client = RawGroupClient(gateway.bootstrap, node_id=gateway.node_id)
        self.addCleanup(client.close)
        self.assertEqual(client.commit(group, -1, "", {("orders", 0): 1}, version=2),
                         {("orders", 0): 0})

        b.proc.send_signal(signal.SIGSTOP)
        self.addCleanup(lambda: b.proc.poll() is None and b.proc.send_signal(signal.SIGCONT))
        # SIGSTOP takes effect thread by thread, after kill() returns: a commit sent before the
        # last thread stops may still be written under b's lease, rightly acknowledged.
        wait_until(lambda: all_threads_stopped(b.proc.pid), 10, "b to be stopped")
        pending = client.send(OffsetCommitRequest[2](group, -1, "", -1,
                                                     [("orders", [(0, 777, "")])]))
        wait_until(lambda: len(self.owned_by(a)) == PARTITIONS, 30,
                   "a to take the paused coordinator's partitions")
        b.proc.send_signal(signal.SIGCONT)
        response = client.wait(pending, timeout=30)
        errors = [e for _, partitions in response.topics for _, e in partitions]
        self.assertEqual(errors, [0], self.diagnostics())
        # b refused it; a wrote it, under its own lease.
        self.assertEqual(total(scrape(gateway), "groupwire_gateway_coordinator_reroutes_total"),
                         1, self.diagnostics())
        stored = self.pg.query("groupwire", "SELECT committed_offset FROM groupwire_offsets")
        self.assertEqual(stored, [["777"]])


if __name__ == "__main__":
    unittest.main()
