"""The gateway's HTTP health endpoint (--health-listen) and configuration through environment
variables, on the real processes.

    - /healthz answers 200 while the gateway runs; /readyz answers 200 while a channel to the
      coordinator is connected, 503 naming the coordinator while it is down, and 200 again once
      it is back; other paths are 404.
    - A gateway configured through GROUPWIRE_GATEWAY_* variables serves what they say; a bad
      variable stops it with exit code 2 and a message naming the variable.

Run with Debian's interpreter:
    /usr/bin/python3 -m unittest -v test_health_endpoint.py
"""

import subprocess
import sys
import unittest
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from gateway_process import GatewayProcess, gateway_binary, http_get  # noqa: E402
from group_cluster import CoordinatorProcess, GroupCluster  # noqa: E402

import kafka  # noqa: E402

DEADLINE = 30.0


class HealthEndpointTest(unittest.TestCase):
    def setUp(self):
        self.cluster = GroupCluster(topics={"orders": 2},
                                    gateway_flags=("--health-listen", "127.0.0.1:0")).start()
        self.addCleanup(self.cluster.stop)
        self.url = self.cluster.gateway.health_url

    def test_liveness_and_readiness_follow_the_coordinator(self):
        self.assertEqual(http_get(self.url + "/healthz"), (200, "ok\n"))
        gateway = self.cluster.gateway
        self.assertEqual(gateway.wait_for_readiness(200), "ready\n")
        self.assertEqual(http_get(self.url + "/nope")[0], 404)

        self.cluster.coordinator.kill()
        body = gateway.wait_for_readiness(503, DEADLINE)
        self.assertEqual(body, f"coordinator {self.cluster.coordinator.address} is not "
                               "connected\n")
        self.assertEqual(http_get(self.url + "/healthz")[0], 200)

        self.cluster.coordinator.start()
        gateway.wait_for_readiness(200, DEADLINE)
        self.cluster.stop_cleanly()


class EnvironmentConfigurationTest(unittest.TestCase):
    def test_gateway_configured_by_variables(self):
        with CoordinatorProcess() as coordinator:
            gateway = GatewayProcess(env={
                "GROUPWIRE_GATEWAY_COORDINATOR": coordinator.address,
                "GROUPWIRE_GATEWAY_TOPIC": "from-env:3,second:1",
                "GROUPWIRE_GATEWAY_HEALTH_LISTEN": "127.0.0.1:0",
                "GROUPWIRE_GATEWAY_NODE_ID": "77",
            }).start()
            self.addCleanup(gateway.stop)
            self.assertEqual(gateway.node_id, 77)
            self.assertEqual(http_get(gateway.health_url + "/healthz")[0], 200)
            gateway.wait_for_log(rf"coordinator {coordinator.address}")
            consumer = kafka.KafkaConsumer(bootstrap_servers=gateway.bootstrap)
            self.addCleanup(consumer.close)
            self.assertEqual(consumer.partitions_for_topic("from-env"), {0, 1, 2})

    def test_bad_variable_stops_the_gateway_naming_it(self):
        for name, value in (("GROUPWIRE_GATEWAY_THREADS", "many"),
                            ("GROUPWIRE_GATEWAY_COORDINATOR", "no-port"),
                            ("GROUPWIRE_GATEWAY_SHUTDOWN_TIMEOUT_MS", "0")):
            with self.subTest(name=name):
                done = subprocess.run([gateway_binary()], env={name: value}, text=True,
                                      capture_output=True, timeout=30)
                self.assertEqual(done.returncode, 2, done.stderr)
                self.assertTrue(done.stderr.startswith(f"groupwire-gateway: {name}: "),
                                done.stderr)


if __name__ == "__main__":
    unittest.main()
