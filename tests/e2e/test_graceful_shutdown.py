"""SIGTERM on a gateway or the coordinator while a request is in flight.

A JoinGroup for a new group is held by the coordinator for --initial-rebalance-delay-ms (Kafka's
delayed initial rebalance): a request reliably in flight for a known time. kafka-python's own
encoder sends it over one connection (raw_group_client.py).

    - Gateway: after SIGTERM it refuses new connections and reports not-ready on /readyz, yet
      the parked JoinGroup is answered (NONE, generation 1) on its connection, which is then
      closed; the gateway exits 0.
    - Gateway, bounded: with --shutdown-timeout-ms shorter than the park, the gateway closes the
      connection unanswered when the timeout passes and still exits 0.
    - Coordinator: after SIGTERM the parked JoinGroup is still completed and answered through
      the gateway; the coordinator exits 0. With a shorter --shutdown-timeout-ms the call is
      cancelled, the gateway answers COORDINATOR_LOAD_IN_PROGRESS, and the coordinator exits 0.

Run with Debian's interpreter (python3-kafka):
    /usr/bin/python3 -m unittest -v test_graceful_shutdown.py
"""

import socket
import sys
import time
import unittest
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from gateway_process import http_get  # noqa: E402
from group_cluster import GroupCluster  # noqa: E402
from raw_group_client import COORDINATOR_LOAD_IN_PROGRESS, NONE, RawGroupClient  # noqa: E402

TOPIC = "orders"
PARK_MS = 3000  # how long the coordinator holds the first JoinGroup of a group


def refuses_connections(host: str, port: int) -> bool:
    try:
        socket.create_connection((host, port), timeout=5).close()
        return False
    except ConnectionRefusedError:
        return True


class _ShutdownTest(unittest.TestCase):
    def start_cluster(self, park_ms: int, gateway_flags=(), coordinator_flags=()):
        self.cluster = GroupCluster(
            topics={TOPIC: 2},
            coordinator_flags=("--initial-rebalance-delay-ms", str(park_ms), *coordinator_flags),
            gateway_flags=("--health-listen", "127.0.0.1:0", *gateway_flags)).start()
        self.addCleanup(self.cluster.stop)
        self.client = RawGroupClient(self.cluster.bootstrap, self.cluster.gateway.node_id)
        self.addCleanup(self.client.close)

    def park_join(self, group: str):
        """Sends a JoinGroup and returns its future once the coordinator holds it."""
        mark = self.cluster.coordinator.mark()
        future = self.client.join(group)
        self.cluster.coordinator.wait_for_log(rf"group {group}: member \S+ joins", after=mark,
                                              timeout=10)
        self.assertFalse(future.is_done, "JoinGroup answered before the initial delay passed")
        return future


class GatewayShutdownTest(_ShutdownTest):
    def test_request_in_flight_is_answered_then_the_gateway_exits_0(self):
        self.start_cluster(PARK_MS, gateway_flags=("--shutdown-timeout-ms", "30000"))
        gateway = self.cluster.gateway
        gateway.wait_for_readiness(200)
        future = self.park_join("drained-join")

        mark = gateway.mark()
        gateway.terminate()
        gateway.wait_for_log("accepting no more connections", after=mark)
        self.assertTrue(refuses_connections(gateway.host, gateway.port))
        status, body = http_get(gateway.health_url + "/readyz")
        self.assertEqual((status, body), (503, "draining: shutting down\n"))
        self.assertEqual(http_get(gateway.health_url + "/healthz")[0], 200)

        joined = self.client.wait(future, timeout=PARK_MS / 1000 + 20)
        self.assertEqual((joined.error_code, joined.generation_id), (NONE, 1))
        self.assertEqual(gateway.wait_exit(timeout=20), 0, self.cluster.logs())
        gateway.wait_for_log("every connection is closed: stopping", after=mark)

    def test_drain_is_bounded_by_the_shutdown_timeout(self):
        self.start_cluster(60000, gateway_flags=("--shutdown-timeout-ms", "500"))
        gateway = self.cluster.gateway
        future = self.park_join("stuck-join")

        started = time.monotonic()
        mark = gateway.mark()
        gateway.terminate()
        self.assertEqual(gateway.wait_exit(timeout=20), 0, self.cluster.logs())
        elapsed = time.monotonic() - started
        self.assertGreaterEqual(elapsed, 0.5)
        self.assertLess(elapsed, 10, "the drain waited for the parked JoinGroup")
        gateway.wait_for_log("requests still in flight after --shutdown-timeout-ms", after=mark)
        with self.assertRaises(AssertionError):  # connection closed without an answer
            self.client.wait(future, timeout=10)


class CoordinatorShutdownTest(_ShutdownTest):
    def test_call_in_flight_completes_then_the_coordinator_exits_0(self):
        self.start_cluster(PARK_MS, coordinator_flags=("--shutdown-timeout-ms", "30000"))
        future = self.park_join("coordinator-drain")
        coordinator = self.cluster.coordinator
        coordinator.terminate()
        joined = self.client.wait(future, timeout=PARK_MS / 1000 + 20)
        self.assertEqual((joined.error_code, joined.generation_id), (NONE, 1))
        self.assertEqual(coordinator.wait_exit(timeout=20), 0, self.cluster.logs())
        coordinator.wait_for_log("stopped")

    def test_call_still_parked_at_the_timeout_is_cancelled(self):
        self.start_cluster(60000, coordinator_flags=("--shutdown-timeout-ms", "500"))
        future = self.park_join("coordinator-stuck")
        coordinator = self.cluster.coordinator
        started = time.monotonic()
        coordinator.terminate()
        joined = self.client.wait(future, timeout=20)
        self.assertEqual(joined.error_code, COORDINATOR_LOAD_IN_PROGRESS)
        self.assertEqual(coordinator.wait_exit(timeout=20), 0, self.cluster.logs())
        self.assertLess(time.monotonic() - started, 10)


if __name__ == "__main__":
    unittest.main()
