"""Smoke run of the group load generator against the real processes, so that it keeps working
(ctest label bench, about 15 s): two groups of two members through a gateway and a
coordinator, a member joining Stable groups with either protocol (classic, and consumer:
KIP-848), heartbeats against the echo server, and members held across two gateways (the memory
benchmark's way past the open-files limit)."""


import sys
import unittest
from pathlib import Path

from group_load_targets import EchoTarget, GroupwireTarget, process, run_generator
from members_across_gateways import hold_members

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "e2e"))
from admin_cli import GroupwireCli  # noqa: E402


class GroupLoadSmokeTest(unittest.TestCase):
    def test_two_groups_of_two_join_heartbeat_and_leave_without_errors(self):
        with GroupwireTarget() as target:
            report = run_generator(target.bootstrap, "--groups", "2", "--members", "2",
                                   "--duration-ms", "3000", "--warmup-ms", "200",
                                   pids=target.pids, timeout=90)
            problem = target.problem()
            logs = target.logs()
        self.assertIsNone(problem)
        self.assertEqual(report["error_count"], 0, f"{report['errors']}\n{logs}")
        self.assertGreater(report["heartbeats_per_s"], 0)
        self.assertGreater(report["latency_ms"]["p50"], 0)
        self.assertEqual(report["stable_groups"], 2)
        self.assertIsNotNone(report["time_to_stable_ms"])
        # JoinGroup v4+: every member's first JoinGroup is answered MEMBER_ID_REQUIRED.
        self.assertGreaterEqual(report["versions"]["JoinGroup"], 4)
        self.assertGreaterEqual(report["join_requests"], 8)
        for name in ("gateway", "coordinator"):
            sampled = process(report, name)
            self.assertGreater(sampled["cpu_s"], 0, name)
            self.assertGreater(sampled["rss_kib"]["window_end"], 0, name)

    def late_join(self, protocol: str) -> dict:
        """Two groups of three members over 12 partitions, then one more member each."""
        with GroupwireTarget(topics={"smoke848": 12}, coordinator_flags=(
                "--consumer-heartbeat-interval-ms", "200")) as target:
            report = run_generator(target.bootstrap, "--protocol", protocol, "--topic",
                                   "smoke848", "--groups", "2", "--members", "3",
                                   "--late-members", "1", "--late-join-spread-ms", "200",
                                   "--join-heartbeat-ms", "200",
                                   "--duration-ms", "1000", "--warmup-ms", "100",
                                   pids=target.pids, timeout=90)
            logs = target.logs()
        self.assertEqual(report["error_count"], 0, f"{report['errors']}\n{logs}")
        self.assertEqual(report["stable_groups"], 2)
        self.assertEqual(report["late"]["stable_groups"], 2)
        self.assertEqual(report["topic"]["partitions"], 12)
        self.assertGreater(report["heartbeats_per_s"], 0)
        self.assertIsNotNone(report["late"]["first_partition_ms"])
        return report

    def test_a_late_member_of_a_classic_group_makes_every_member_revoke_everything(self):
        report = self.late_join("classic")
        self.assertEqual(report["late"]["revoked"], [12, 12])
        self.assertEqual(len(report["late"]["moved"]), 2)

    def test_a_late_consumer_protocol_member_moves_only_its_share(self):
        report = self.late_join("consumer")
        self.assertGreaterEqual(report["versions"]["ConsumerGroupHeartbeat"], 1)
        # Each group of four: the new member's share of 12 partitions, taken from the others.
        self.assertEqual(report["late"]["moved"], [3, 3])
        self.assertEqual(report["late"]["revoked"], [3, 3])

    def test_heartbeats_against_the_echo_server(self):
        with EchoTarget() as echo:
            report = run_generator(echo.bootstrap, "--no-join", "--members", "2",
                                   "--pipeline", "4", "--duration-ms", "1000",
                                   "--warmup-ms", "100", pids=echo.pids, timeout=60)
        self.assertEqual(report["error_count"], 0, report["errors"])
        self.assertGreater(report["heartbeats_per_s"], 0)
        self.assertEqual(report["connections"], 2)

    def test_members_held_across_gateways_are_all_in_the_coordinator_at_once(self):
        listed = []
        held = hold_members(400, per_gateway=200, generator_flags=(
            "--duration-ms", "0", "--warmup-ms", "0", "--session-timeout-ms", "30000"),
            coordinator_flags=("--initial-rebalance-delay-ms", "0"), stable_timeout=60,
            while_held=lambda address: listed.append(
                GroupwireCli(address).json("groups", "list", "--state", "Stable")))
        self.assertIsNone(held.error)
        self.assertEqual(len(listed[0]["groups"]), 4, listed)
        self.assertEqual((held.members, held.gateways, len(held.reports)), (400, 2, 2))
        for report in held.reports:
            self.assertEqual(report["stable_groups"], 2)
            self.assertEqual(report["error_count"], 0, report["errors"])
        self.assertEqual(len(held.gateway_kib), 2)


if __name__ == "__main__":
    unittest.main()
