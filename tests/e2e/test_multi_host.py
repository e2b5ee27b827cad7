"""Several gateways on separate network hosts serve one consumer group; losing one gateway
costs its clients a reconnect, not a rebalance.

Topology (network_hosts.py; printed when the test starts): the coordinator, three gateways and
the clients each on a network host of its own (network namespaces joined by a bridge; distinct
loopback addresses where namespaces cannot be made, which is printed too). Each gateway
listens on, and advertises, its own address. Every client is a real confluent-kafka
(librdkafka) consumer whose bootstrap list names all three gateways; librdkafka picks one at
random and that gateway names itself as the group coordinator (FindCoordinator), so the group's
members are spread over the gateways.

    - The members, spread over at least two gateways, form one group: one generation formed
      with all of them (coordinator log), every member holding that generation (the client's
      own consumer group metadata), disjoint assignments covering every partition, and each
      client's coordinator (librdkafka statistics) being the advertised address of a gateway.
    - Each member commits offsets. The gateway serving the most members is SIGKILLed.
    - Its members find another gateway through their bootstrap lists (statistics show a new
      coordinator) and commit through it with their old member id and generation.
    - For longer than the session timeout after the kill: no rebalance in the coordinator log,
      no rebalance callback and an unchanged rebalance count in any client, and every member
      still holds the same generation and member id.
    - Every committed offset reads back: the moved members' new ones, the others' old ones.

Run as root (for the namespaces) with Debian's interpreter (python3-confluent-kafka):
    /usr/bin/python3 -m unittest -v test_multi_host.py
"""

import re
import sys
import time
import unittest
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from consumer_agent import ConsumerAgent, split_of  # noqa: E402
from gateway_process import GatewayProcess, LoggedProcess  # noqa: E402
from group_cluster import FAST_GROUPS, CoordinatorProcess, wait_until  # noqa: E402
from network_hosts import NetworkHosts  # noqa: E402

GATEWAYS = ["gw1", "gw2", "gw3"]
HOSTS = ["coordinator", *GATEWAYS, "clients"]
TOPIC, PARTITIONS = "orders", 12
ALL = {(TOPIC, p) for p in range(PARTITIONS)}
GROUP = "spread-over-gateways"
SESSION_MS = 10000
CLIENTS, MAX_CLIENTS = 6, 9
# Generous bounds for a loaded 2-core machine; the expected times are far shorter.
DEADLINE = 60.0


class MultiHostGroupTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.net = NetworkHosts(HOSTS).build()
        cls.addClassCleanup(cls.net.teardown)
        print("\n" + cls.net.describe(), flush=True)
        cls.coordinator = CoordinatorProcess(*FAST_GROUPS, host=cls.net.address("coordinator"),
                                             wrapper=cls.net.wrapper("coordinator")).start()
        cls.addClassCleanup(cls.coordinator.stop)
        # Fresh namespaces have every port free, so each gateway takes Kafka's usual one.
        port = 9092 if cls.net.separate_stacks else 0
        cls.gateways: dict[str, GatewayProcess] = {}
        for name in GATEWAYS:
            gateway = GatewayProcess("--coordinator", cls.coordinator.address,
                                     topics={TOPIC: PARTITIONS},
                                     listen=f"{cls.net.address(name)}:{port}",
                                     wrapper=cls.net.wrapper(name)).start()
            cls.addClassCleanup(gateway.stop)
            cls.gateways[name] = gateway
        print(f"  coordinator listens on {cls.coordinator.address}", flush=True)
        for name, gateway in cls.gateways.items():
            print(f"  {name} listens on {gateway.bootstrap}, advertised as "
                  f"{gateway.advertised_host}:{gateway.advertised_port}, node id "
                  f"{gateway.node_id}", flush=True)

    def problem(self) -> str | None:
        processes: list[LoggedProcess] = [self.coordinator, *self.gateways.values()]
        return next((p for p in map(LoggedProcess.unexpected_exit, processes) if p), None)

    def gateway_at(self, address: str | None) -> str | None:
        """The gateway whose advertised HOST:PORT librdkafka reports as its coordinator."""
        for name, gateway in self.gateways.items():
            if address == f"{gateway.advertised_host}:{gateway.advertised_port}":
                return name
        return None

    def diagnostics(self) -> str:
        logs = "\n".join(c.describe() for c in self.clients)
        for process in [self.coordinator, *self.gateways.values()]:
            logs += f"\n== {process.name} ==\n" + "\n".join(process.log_lines()[-60:])
        return logs

    def start_client(self, index: int) -> ConsumerAgent:
        # Rotated so that no gateway is always first; librdkafka picks at random anyway.
        addresses = [self.gateways[name].bootstrap for name in GATEWAYS]
        bootstrap = ",".join(addresses[index % 3:] + addresses[:index % 3])
        client = ConsumerAgent(
            "confluent", bootstrap, GROUP, [TOPIC],
            {"session.timeout.ms": SESSION_MS, "heartbeat.interval.ms": 500,
             "statistics.interval.ms": 500},
            name=f"client-{index}", watchdog=self.problem, wrapper=self.net.wrapper("clients"))
        self.addCleanup(client.kill)
        self.clients.append(client)
        return client

    def coordinators(self) -> dict[str, str] | None:
        """client name -> the gateway it uses as group coordinator, once every client's latest
        statistics show a gateway in the steady join state."""
        found = {}
        for client in self.clients:
            stats = client.latest_stats()
            name = self.gateway_at(stats["coordinator"]) if stats else None
            if name is None or stats["join_state"] != "steady":
                return None
            found[client.name] = name
        return found

    def settle(self, what: str) -> tuple[dict[str, str], int]:
        """Waits for every client to hold a share of the partitions through a gateway; returns
        the coordinators and the generation the coordinator formed with all of them."""
        wait_until(lambda: split_of(self.clients, ALL) and self.coordinators(), DEADLINE, what,
                   watchdog=self.problem)
        formed = self.coordinator.wait_for_log(
            rf"group {GROUP}: generation (\d+) formed with {len(self.clients)} members",
            after=self.formed_mark, timeout=DEADLINE)
        generation = int(re.search(r"generation (\d+) formed", formed)[1])
        self.coordinator.wait_for_log(rf"group {GROUP}: generation {generation} is stable",
                                      after=self.formed_mark, timeout=DEADLINE)
        return self.coordinators(), generation

    def test_group_spread_over_gateways_survives_losing_one(self):
        self.clients: list[ConsumerAgent] = []
        self.formed_mark = self.coordinator.mark()
        for index in range(CLIENTS):
            self.start_client(index)
        try:
            where, generation = self.settle("every client steady on a gateway")
            # librdkafka chose the gateways at random: add members until two gateways serve.
            while len(set(where.values())) < 2 and len(self.clients) < MAX_CLIENTS:
                self.start_client(len(self.clients))
                where, generation = self.settle("the added client steady on a gateway")
        except AssertionError as err:
            self.fail(f"{err}\n{self.diagnostics()}")
        self.assertGreaterEqual(len(set(where.values())), 2,
                                f"all {len(self.clients)} clients chose one gateway: {where}")
        for name in GATEWAYS:
            served = sorted(c for c, g in where.items() if g == name)
            print(f"  {name} coordinates the group for {', '.join(served) or 'no client'}",
                  flush=True)

        # One group, one generation, held by every member.
        members = {c.name: c.member() for c in self.clients}
        self.assertEqual({m["generation"] for m in members.values()}, {generation}, members)
        self.assertEqual(len({m["member_id"] for m in members.values()}), len(self.clients))
        assignments = {c.name: c.assignment for c in self.clients}
        for client in self.clients:
            result = client.commit({tp: 100 + tp[1] for tp in assignments[client.name]})
            self.assertTrue(all(error is None for *_, error in result), result)

        victim = max(GATEWAYS, key=lambda g: list(where.values()).count(g))
        moved = [c for c in self.clients if where[c.name] == victim]
        stayed = [c for c in self.clients if where[c.name] != victim]
        rebalances = {c.name: c.latest_stats()["rebalance_cnt"] for c in self.clients}
        client_marks = {c.name: c.mark() for c in self.clients}
        coordinator_mark = self.coordinator.mark()
        killed_at = time.monotonic()
        self.gateways[victim].kill()
        print(f"  killed {victim}: {', '.join(c.name for c in moved)} must move", flush=True)

        def moved_on() -> dict[str, str] | None:
            now = {c.name: self.gateway_at((c.latest_stats() or {}).get("coordinator"))
                   for c in moved}
            steady = all(c.latest_stats()["join_state"] == "steady" for c in moved)
            return now if steady and all(g not in (None, victim) for g in now.values()) else None

        try:
            new_homes = wait_until(moved_on, DEADLINE, "the moved clients on another gateway",
                                   watchdog=self.problem)
        except AssertionError as err:
            self.fail(f"{err}\n{self.diagnostics()}")
        took = time.monotonic() - killed_at
        print(f"  moved in {took:.1f} s: {new_homes}", flush=True)
        self.assertLess(took * 1000, SESSION_MS, "the moved clients came back too late")
        for client in moved:
            result = client.commit({tp: 200 + tp[1] for tp in assignments[client.name]})
            self.assertTrue(all(error is None for *_, error in result), result)

        # No rebalance can be seen before the session timeout has passed: wait for statistics
        # that every client reports after it.
        window_end = killed_at + SESSION_MS / 1000 + 1.5
        for client in self.clients:
            client.wait_for_event(lambda e: e["event"] == "stats" and e["t"] >= window_end,
                                  DEADLINE, "statistics after the session timeout")
        log = self.coordinator.log_lines()[coordinator_mark:]
        rebalance_lines = [line for line in log if re.search(
            rf"group {GROUP}: (preparing rebalance|generation \d+ formed|member \S+ "
            rf"(leaves|expired|joins))", line)]
        self.assertEqual(rebalance_lines, [], self.diagnostics())
        for client in self.clients:
            callbacks = [e for e in client.events[client_marks[client.name]:]
                         if e["event"] in ("assign", "revoke")]
            self.assertEqual(callbacks, [], f"{client.name}\n{self.diagnostics()}")
            self.assertEqual(client.latest_stats()["rebalance_cnt"], rebalances[client.name])
            self.assertEqual(client.member(), members[client.name], client.name)
            self.assertEqual(client.assignment, assignments[client.name], client.name)

        # Every committed offset is there, read through a gateway that stayed up.
        expected = {tp: (200 if tp in set().union(*(assignments[c.name] for c in moved))
                         else 100) + tp[1] for tp in ALL}
        self.assertEqual(stayed[0].committed(sorted(ALL)), expected)
        print(f"  generation {generation} kept by all {len(self.clients)} members; "
              f"{len(ALL)} committed offsets read back", flush=True)

        for client in self.clients:
            client.close()
        for name, gateway in self.gateways.items():
            if name != victim:
                gateway.stop_cleanly()


if __name__ == "__main__":
    unittest.main()
