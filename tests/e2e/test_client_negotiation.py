"""Real third-party Kafka clients negotiate versions with the gateway and read its metadata.

Each client speaks a different first request: kcat/librdkafka and confluent_kafka send
ApiVersions v3 (flexible header), kafka-python probes with ApiVersions v0. All then ask for
Metadata and must see this gateway as the only broker and exactly the --topic catalog.

Run with Debian's interpreter, which has python3-kafka and python3-confluent-kafka:
    /usr/bin/python3 -m unittest -v test_client_negotiation.py
"""

import json
import shutil
import subprocess
import sys
import unittest
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from gateway_process import GatewayProcess, serve_gateway_per_module  # noqa: E402

CATALOG = {"orders": 3, "events": 1, "audit.log-v2": 12}

gateway: GatewayProcess
serve_gateway_per_module(globals(), topics=CATALOG)


class KcatTest(unittest.TestCase):
    def test_metadata_listing(self):
        # Fail rather than skip: a missing tool must not look like a pass.
        self.assertIsNotNone(shutil.which("kcat"), "kcat missing: run deploy/install-deps.sh test")
        run = subprocess.run(["kcat", "-b", gateway.bootstrap, "-L", "-J", "-m", "10"],
                             capture_output=True, text=True, timeout=30)
        self.assertEqual(run.returncode, 0, run.stderr)
        listing = json.loads(run.stdout)

        self.assertEqual(listing["brokers"],
                         [{"id": gateway.node_id,
                           "name": f"{gateway.advertised_host}:{gateway.advertised_port}"}])
        self.assertEqual(listing["controllerid"], gateway.node_id)
        topics = {t["topic"]: t for t in listing["topics"]}
        self.assertEqual({name: len(t["partitions"]) for name, t in topics.items()}, CATALOG)
        for t in topics.values():
            self.assertNotIn("error", t)
            self.assertEqual([p["partition"] for p in t["partitions"]],
                             list(range(len(t["partitions"]))))
            for p in t["partitions"]:
                self.assertEqual(p["leader"], gateway.node_id)


class KafkaPythonTest(unittest.TestCase):
    def setUp(self):
        import kafka
        self.kafka = kafka

    def test_admin_client_lists_and_describes_catalog(self):
        admin = self.kafka.KafkaAdminClient(bootstrap_servers=gateway.bootstrap,
                                            request_timeout_ms=10000)
        try:
            self.assertEqual(sorted(admin.list_topics()), sorted(CATALOG))

            described = admin.describe_topics(["orders", "events"])
            self.assertEqual({t["topic"]: len(t["partitions"]) for t in described},
                             {"orders": 3, "events": 1})
            for t in described:
                self.assertEqual(t["error_code"], 0)
                for p in t["partitions"]:
                    self.assertEqual((p["leader"], p["replicas"], p["isr"]),
                                     (gateway.node_id, [gateway.node_id], [gateway.node_id]))

            cluster = admin.describe_cluster()
            self.assertEqual(cluster["brokers"],
                             [{"node_id": gateway.node_id, "host": gateway.advertised_host,
                               "port": gateway.advertised_port, "rack": None}])
            self.assertEqual(cluster["controller_id"], gateway.node_id)
        finally:
            admin.close()

    def test_unknown_topic_is_reported_per_topic(self):
        admin = self.kafka.KafkaAdminClient(bootstrap_servers=gateway.bootstrap,
                                            request_timeout_ms=10000)
        try:
            described = admin.describe_topics(["no-such-topic"])
            # 3 = UNKNOWN_TOPIC_OR_PARTITION, answered per topic rather than failing the request.
            self.assertEqual([(t["topic"], t["error_code"]) for t in described],
                             [("no-such-topic", 3)])
        finally:
            admin.close()

    def test_client_check_version_and_api_ranges(self):
        client = self.kafka.KafkaClient(bootstrap_servers=gateway.bootstrap,
                                        request_timeout_ms=10000)
        try:
            version = client.check_version(timeout=10)
            self.assertIsInstance(version, tuple)
            # kafka-python maps the advertised ranges to a broker release; Metadata v5+ alone
            # already means >= 1.0. A lower answer would mean it fell back to the pre-KIP-35
            # guessing probes, i.e. the ApiVersions v0 exchange failed.
            self.assertGreaterEqual(version, (1, 0, 0))
            ranges = client.get_api_versions()
            self.assertEqual(ranges.get(18), (0, 4))   # ApiVersions
            self.assertEqual(ranges.get(3), (0, 12))   # Metadata
            self.assertEqual(ranges.get(10), (0, 6))   # FindCoordinator
        finally:
            client.close()


class ConfluentKafkaTest(unittest.TestCase):
    def test_admin_list_topics(self):
        from confluent_kafka.admin import AdminClient
        admin = AdminClient({"bootstrap.servers": gateway.bootstrap})
        md = admin.list_topics(timeout=10)

        self.assertEqual(list(md.brokers), [gateway.node_id])
        broker = md.brokers[gateway.node_id]
        self.assertEqual((broker.id, broker.host, broker.port),
                         (gateway.node_id, gateway.advertised_host, gateway.advertised_port))
        self.assertEqual(md.controller_id, gateway.node_id)
        self.assertEqual(md.cluster_id, "groupwire")
        self.assertEqual({name: len(t.partitions) for name, t in md.topics.items()}, CATALOG)
        for t in md.topics.values():
            self.assertIsNone(t.error)
            for p in t.partitions.values():
                self.assertEqual((p.leader, p.replicas, p.isrs),
                                 (gateway.node_id, [gateway.node_id], [gateway.node_id]))

    def test_admin_list_single_topic(self):
        from confluent_kafka.admin import AdminClient
        admin = AdminClient({"bootstrap.servers": gateway.bootstrap})
        md = admin.list_topics(topic="orders", timeout=10)
        self.assertEqual(sorted(md.topics["orders"].partitions), [0, 1, 2])


if __name__ == "__main__":
    unittest.main()
