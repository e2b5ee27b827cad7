"""Several gateways on separate network hosts serve one consumer group; losing one gateway
costs its clients a reconnect, not a rebalance.

Topology (network_hosts.py; printed when the module starts): the coordinator, three gateways
and the clients each on a network host of its own (network namespaces joined by a bridge;
distinct loopback addresses where namespaces cannot be made, which is printed too). Each
gateway listens on its own address. The clients are real consumers in their own processes.

Each gateway advertises its own address (BootstrapListTest): every client is a confluent-kafka
(librdkafka) consumer with all three gateways in its bootstrap list; librdkafka picks one at
random and that gateway names itself the group coordinator (FindCoordinator), so the members
are spread over the gateways.
    - The members, spread over at least two gateways, form one group: one generation formed
      with all of them (coordinator log), every member holding it (the client's own consumer
      group metadata), disjoint assignments covering every partition, each client's
      coordinator (librdkafka statistics) being the advertised address of a gateway.
    - Each member commits offsets; the gateway serving the most members is SIGKILLed.
    - Its members reach another gateway through their bootstrap lists within the session
      timeout (statistics show the new coordinator) and commit through it with their old
      member id and generation.
    - For longer than the session timeout after the kill: no rebalance in the coordinator log,
      no rebalance callback and an unchanged rebalance count in any client, every member still
      holding the same generation, member id and assignment.
    - Every committed offset reads back: the moved members' new ones, the others' old ones.

All gateways advertise one DNS name (SharedNameTest, with namespaces only: the clients' host
resolves gateways.groupwire.test to all three addresses): confluent-kafka and kafka-python
consumers bootstrap with the name alone; the gateway they connected to (their TCP peers) is
SIGKILLed; they reconnect to the name, reach another gateway and continue as above.

Run as root (for the namespaces) with Debian's interpreter (python3-confluent-kafka,
python3-kafka):
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
from upstream_cluster import tcp_peers  # noqa: E402

GATEWAYS = ["gw1", "gw2", "gw3"]
HOSTS = ["coordinator", *GATEWAYS, "clients"]
TOPIC, PARTITIONS = "orders", 12
ALL = {(TOPIC, p) for p in range(PARTITIONS)}
SESSION_MS = 10000
SHARED_NAME = "gateways.groupwire.test"
# Generous bounds for a loaded 2-core machine; the expected times are far shorter.
DEADLINE = 60.0

net: NetworkHosts
coordinator: CoordinatorProcess


def setUpModule():
    global net, coordinator
    net = NetworkHosts(HOSTS).build()
    unittest.addModuleCleanup(net.teardown)
    print("\n" + net.describe(), flush=True)
    coordinator = CoordinatorProcess(*FAST_GROUPS, host=net.address("coordinator"),
                                     wrapper=net.wrapper("coordinator")).start()
    unittest.addModuleCleanup(coordinator.stop)
    print(f"  coordinator listens on {coordinator.address}", flush=True)


class _GatewaysTest(unittest.TestCase):
    """Three gateways (started per test class) and helpers for a group over them."""

    GROUP = ""
    ADVERTISE: str | None = None  # one name for all gateways, or each its own address

    @classmethod
    def setUpClass(cls):
        # Fresh namespaces have every port free, so each gateway takes Kafka's usual one.
        port = 9092 if net.separate_stacks else 0
        advertise = ("--advertise", f"{cls.ADVERTISE}:{port}") if cls.ADVERTISE else ()
        cls.gateways: dict[str, GatewayProcess] = {}
        for name in GATEWAYS:
            gateway = GatewayProcess("--coordinator", coordinator.address, *advertise,
                                     topics={TOPIC: PARTITIONS},
                                     listen=f"{net.address(name)}:{port}",
                                     wrapper=net.wrapper(name)).start()
            cls.addClassCleanup(gateway.stop)
            cls.gateways[name] = gateway
            print(f"  {name} listens on {gateway.bootstrap}, advertised as "
                  f"{gateway.advertised_host}:{gateway.advertised_port}, node id "
                  f"{gateway.node_id}", flush=True)

    def setUp(self):
        self.clients: list[ConsumerAgent] = []
        self.formed_mark = coordinator.mark()

    def problem(self) -> str | None:
        processes: list[LoggedProcess] = [coordinator, *self.gateways.values()]
        return next((p for p in map(LoggedProcess.unexpected_exit, processes) if p), None)

    def diagnostics(self) -> str:
        logs = "\n".join(c.describe() for c in self.clients)
        for process in [coordinator, *self.gateways.values()]:
            logs += f"\n== {process.name} ==\n" + "\n".join(process.log_lines()[-60:])
        return logs

    def start_client(self, lib: str, bootstrap: str, config: dict) -> ConsumerAgent:
        client = ConsumerAgent(lib, bootstrap, self.GROUP, [TOPIC], config,
                               name=f"client-{len(self.clients)}", watchdog=self.problem,
                               wrapper=net.wrapper("clients"))
        self.addCleanup(client.kill)
        self.clients.append(client)
        return client

    def where(self) -> dict[str, set[str]] | None:
        """client name -> the gateways it talks to, once every client talks to some."""
        raise NotImplementedError

    def settle(self, what: str) -> tuple[dict[str, set[str]], int]:
        """Waits until every client holds a share of the partitions through a gateway; returns
        where each is and the generation the coordinator formed with all of them."""
        try:
            wait_until(lambda: split_of(self.clients, ALL) and self.where(), DEADLINE, what,
                       watchdog=self.problem)
            formed = coordinator.wait_for_log(
                rf"group {self.GROUP}: generation (\d+) formed with {len(self.clients)} members",
                after=self.formed_mark, timeout=DEADLINE)
            generation = int(re.search(r"generation (\d+) formed", formed)[1])
            coordinator.wait_for_log(rf"group {self.GROUP}: generation {generation} is stable",
                                     after=self.formed_mark, timeout=DEADLINE)
        except AssertionError as err:
            self.fail(f"{err}\n{self.diagnostics()}")
        return self.where(), generation

    def commit_all(self, clients, value: int, assignments) -> None:
        for client in clients:
            expected = {tp: value + tp[1] for tp in assignments[client.name]}
            committed = wait_until(lambda: self.try_commit(client, expected), DEADLINE,
                                   f"{client.name}'s commit accepted", watchdog=self.problem)
            self.assertEqual(committed, expected)

    @staticmethod
    def try_commit(client: ConsumerAgent, offsets: dict) -> dict | None:
        """The commit's offsets once accepted; None while the client has no coordinator (it
        is still finding its way to another gateway). Any other error fails."""
        try:
            result = client.commit(offsets)
        except AssertionError as err:
            if "COORDINATOR" in str(err):
                return None
            raise
        if any(error is not None for *_, error in result):
            if all("COORDINATOR" in error for *_, error in result if error):
                return None
            raise AssertionError(f"{client.name}: commit: {result}")
        return {(t, p): o for t, p, o, _ in result}

    def lose_a_gateway(self, where: dict[str, set[str]], generation: int) -> None:
        """The scenario after the group settled: commit, kill the busiest gateway, the moved
        clients come back through another gateway, nobody is rebalanced, nothing is lost."""
        for name in GATEWAYS:
            served = sorted(c for c, gateways in where.items() if name in gateways)
            print(f"  {name} serves {', '.join(served) or 'no client'}", flush=True)
        members = {c.name: c.member() for c in self.clients}
        self.assertEqual({m["generation"] for m in members.values()}, {generation}, members)
        self.assertEqual(len({m["member_id"] for m in members.values()}), len(self.clients))
        assignments = {c.name: c.assignment for c in self.clients}
        self.commit_all(self.clients, 100, assignments)

        victim = max(GATEWAYS, key=lambda g: sum(g in gateways for gateways in where.values()))
        moved = [c for c in self.clients if victim in where[c.name]]
        stats = {c.name: c.latest_stats() for c in self.clients}
        client_marks = {c.name: c.mark() for c in self.clients}
        coordinator_mark = coordinator.mark()
        killed_at = time.monotonic()
        self.gateways[victim].kill()
        print(f"  killed {victim}: {', '.join(c.name for c in moved)} must move", flush=True)

        def moved_on() -> dict[str, list[str]] | None:
            now = self.where()
            if now is None or any(victim in now[c.name] for c in moved):
                return None
            return {c.name: sorted(now[c.name]) for c in moved}

        try:
            new_homes = wait_until(moved_on, DEADLINE, "the moved clients on another gateway",
                                   watchdog=self.problem)
            self.commit_all(moved, 200, assignments)
        except AssertionError as err:
            self.fail(f"{err}\n{self.diagnostics()}")
        took = time.monotonic() - killed_at
        print(f"  moved and committed again {took:.1f} s after the kill: {new_homes}",
              flush=True)
        self.assertLess(took * 1000, SESSION_MS, "the moved clients came back too late")

        # A rebalance for want of heartbeats would come at the session timeout: look after it.
        window_end = killed_at + SESSION_MS / 1000 + 1.5
        wait_until(lambda: time.monotonic() >= window_end, DEADLINE, "the session timeout")
        log = coordinator.log_lines()[coordinator_mark:]
        rebalance_lines = [line for line in log if re.search(
            rf"group {self.GROUP}: (preparing rebalance|generation \d+ formed|member \S+ "
            rf"(leaves|expired|joins))", line)]
        self.assertEqual(rebalance_lines, [], self.diagnostics())
        for client in self.clients:
            callbacks = [e for e in client.events[client_marks[client.name]:]
                         if e["event"] in ("assign", "revoke")]
            self.assertEqual(callbacks, [], f"{client.name}\n{self.diagnostics()}")
            self.assertEqual(client.member(), members[client.name], client.name)
            self.assertEqual(client.assignment, assignments[client.name], client.name)
            if stats[client.name]:  # librdkafka's own count of rebalances
                self.assertEqual(client.latest_stats()["rebalance_cnt"],
                                 stats[client.name]["rebalance_cnt"], client.name)

        moved_partitions = set().union(*(assignments[c.name] for c in moved))
        expected = {tp: (200 if tp in moved_partitions else 100) + tp[1] for tp in ALL}
        self.assertEqual(self.clients[0].committed(sorted(ALL)), expected)
        print(f"  generation {generation} kept by all {len(self.clients)} members; "
              f"{len(ALL)} committed offsets read back", flush=True)

        for client in self.clients:
            client.close()
        for name, gateway in self.gateways.items():
            if name != victim:
                gateway.stop_cleanly()


class BootstrapListTest(_GatewaysTest):
    GROUP = "spread-over-gateways"
    CLIENTS, MAX_CLIENTS = 6, 9

    def advertised(self, address: str | None) -> str | None:
        for name, gateway in self.gateways.items():
            if address == f"{gateway.advertised_host}:{gateway.advertised_port}":
                return name
        return None

    def where(self) -> dict[str, set[str]] | None:
        """From each client's latest librdkafka statistics: its group coordinator, once steady
        (other connections it may keep do not matter: any gateway serves any group)."""
        found = {}
        for client in self.clients:
            stats = client.latest_stats()
            name = self.advertised(stats["coordinator"]) if stats else None
            if name is None or stats["join_state"] != "steady":
                return None
            found[client.name] = {name}
        return found

    def add_client(self) -> None:
        # Rotated so that no gateway is always first; librdkafka picks at random anyway.
        index = len(self.clients)
        addresses = [self.gateways[name].bootstrap for name in GATEWAYS]
        self.start_client("confluent", ",".join(addresses[index % 3:] + addresses[:index % 3]),
                          {"session.timeout.ms": SESSION_MS, "heartbeat.interval.ms": 500,
                           "statistics.interval.ms": 500})

    def test_group_spread_over_gateways_survives_losing_one(self):
        for _ in range(self.CLIENTS):
            self.add_client()
        where, generation = self.settle("every client steady on a gateway")
        # librdkafka chose the gateways at random: add members until two gateways serve.
        while len(set().union(*where.values())) < 2 and len(self.clients) < self.MAX_CLIENTS:
            self.add_client()
            where, generation = self.settle("the added client steady on a gateway")
        self.assertGreaterEqual(len(set().union(*where.values())), 2,
                                f"all {len(self.clients)} clients chose one gateway: {where}")
        self.lose_a_gateway(where, generation)


class SharedNameTest(_GatewaysTest):
    GROUP = "behind-one-name"
    ADVERTISE = SHARED_NAME

    @classmethod
    def setUpClass(cls):
        if not net.separate_stacks:
            raise unittest.SkipTest("a host name for several addresses needs network "
                                    "namespaces: " + net.why_not_netns)
        net.add_name("clients", SHARED_NAME, GATEWAYS)
        super().setUpClass()

    def where(self) -> dict[str, set[str]] | None:
        """From each client process's TCP connections: the gateways behind the name it is
        connected to (its bootstrap and broker connections may have resolved differently)."""
        by_address = {net.address(name): name for name in GATEWAYS}
        found = {}
        for client in self.clients:
            gateways = {by_address.get(host) for host, port in tcp_peers(client.proc.pid)
                        if port == 9092}
            if not gateways or None in gateways:
                return None
            found[client.name] = gateways
        return found

    def test_clients_of_a_lost_gateway_reconnect_to_the_same_name(self):
        bootstrap = f"{SHARED_NAME}:9092"
        for lib in ("confluent", "kafka-python", "confluent", "kafka-python"):
            config = ({"session.timeout.ms": SESSION_MS, "heartbeat.interval.ms": 500,
                       "statistics.interval.ms": 500} if lib == "confluent" else
                      {"session_timeout_ms": SESSION_MS, "heartbeat_interval_ms": 500})
            self.start_client(lib, bootstrap, config)
        where, generation = self.settle("every client on one gateway")
        self.lose_a_gateway(where, generation)


if __name__ == "__main__":
    unittest.main()
