"""ACLs on group APIs and Metadata: a gateway in upstream mode (librdkafka's mock upstream, a
coordinator) with TLS, SASL SCRAM-SHA-512 and an ACL file, and two principals:
    User:alice  Read group prefixed orders- (but a deny of orders-secret), Read topic orders;
    User:bob    All on group prefixed payments- and topic payments.
Raw requests (group_wire.py, sasl_wire.py) read the exact error codes:
    - alice joins, syncs, heartbeats, commits (v2 and v8) and fetches offsets in orders-app;
    - another group: GROUP_AUTHORIZATION_FAILED (30) for JoinGroup, Heartbeat, OffsetCommit,
      OffsetFetch, DescribeGroups, DeleteGroups (her Read does not give Delete, even on her
      own groups); kafka-python's consumer of such a group fails with
      GroupAuthorizationFailedError;
    - committing or fetching another topic's partitions in her group: TOPIC_AUTHORIZATION_FAILED
      (29) for each of those partitions, hers committed;
    - ListGroups (asked of every broker listener) shows each principal only its groups;
      Metadata of every topic shows alice only `orders`, and 29 for `payments` when she names
      it;
    - a deny rule beats an allow;
    - a rule added to the file takes effect at SIGHUP (the periodic check is set to 10 min), on
      the next request of a connection opened before, without reconnecting.

Run with Debian's interpreter and GROUPWIRE_DEV_UPSTREAM, GROUPWIRE_GATEWAY,
GROUPWIRE_COORDINATOR, GROUPWIRE_CLI set (ctest does):
    /usr/bin/python3 -m unittest -v test_security_acls.py
"""

import re
import sys
import unittest
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from group_wire import (delete_groups, describe_groups, heartbeat, join_group,  # noqa: E402
                        list_groups, offset_commit, offset_fetch, sync_group)
from admin_cli import GroupwireCli  # noqa: E402
from group_cluster import wait_until  # noqa: E402
from raw_group_client import assignment, subscription  # noqa: E402
from sasl_wire import (GROUP_AUTHORIZATION_FAILED, NONE, TOPIC_AUTHORIZATION_FAILED,  # noqa: E402
                       SecureConnection, metadata)
from security_fixtures import SecurityFiles, address, sighup  # noqa: E402
from upstream_cluster import UpstreamCluster  # noqa: E402

import kafka  # noqa: E402
import kafka.errors  # noqa: E402

PARTITIONS = 3
PASSWORDS = {"alice": "alice-secret", "bob": "bob-secret"}
RULES = ("allow User:alice Read group prefixed orders-",
         "deny User:alice Read group literal orders-secret",
         "allow User:alice Read topic literal orders",
         "allow User:alice Describe topic literal orders",
         "allow User:bob All group prefixed payments-",
         "allow User:bob All topic literal payments")


def _offsets(topic: str, offset: int = 1) -> dict[tuple[str, int], int]:
    return {(topic, p): offset for p in range(PARTITIONS)}


def _all(offsets: dict, error: int) -> dict:
    return {tp: error for tp in offsets}


class AclTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.sec = SecurityFiles()
        for user, password in PASSWORDS.items():
            cls.sec.add_user(user, password)
        cls.sec.write_acls(*RULES)
        cls.cluster = UpstreamCluster(
            topics={"orders": PARTITIONS, "payments": PARTITIONS},
            gateway_flags=tuple(cls.sec.gateway_flags(
                mechanisms="SCRAM-SHA-512", acls=True, extra=("--reload-interval-ms", "600000"))))
        cls.cluster.start()
        # bob's group, which alice must not see.
        bob = cls.login_as("bob")
        try:
            assert bob.call(offset_commit(8, "payments-app", _offsets("payments"))) == \
                _all(_offsets("payments"), NONE), cls.cluster.logs()
        finally:
            bob.close()

    @classmethod
    def tearDownClass(cls):
        cls.cluster.stop_cleanly()
        cls.sec.cleanup()

    @classmethod
    def login_as(cls, user: str) -> SecureConnection:
        conn = SecureConnection(address(cls.cluster.gateway), cls.sec.ca)
        answer = conn.login(user, PASSWORDS[user], "SCRAM-SHA-512")
        assert answer.error == NONE, answer
        return conn

    def connect(self, user: str = "alice") -> SecureConnection:
        conn = self.login_as(user)
        self.addCleanup(conn.close)
        return conn

    def test_alice_works_in_her_group(self):
        alice = self.connect()
        group, offsets = "orders-app", _offsets("orders", 3)
        joined = alice.call(join_group(group, "alice-1", subscription("orders"), 10000, 10000))
        self.assertEqual(joined.error, NONE, self.cluster.logs())
        error, _ = alice.call(sync_group(group, joined.generation, joined.member_id, "alice-1", {
            joined.member_id: assignment("orders", list(range(PARTITIONS)))}))
        self.assertEqual(error, NONE)
        self.assertEqual(alice.call(heartbeat(group, joined.generation, joined.member_id,
                                              "alice-1")), NONE)
        for version in (2, 8):
            with self.subTest(f"OffsetCommit v{version}"):
                self.assertEqual(alice.call(offset_commit(
                    version, group, offsets, joined.generation, joined.member_id)),
                    _all(offsets, NONE))
        fetched = alice.call(offset_fetch(8, {group: {"orders": list(range(PARTITIONS))}}))
        self.assertEqual(fetched[group].error, NONE)
        self.assertEqual(fetched[group].offsets, {tp: (3, NONE) for tp in offsets})
        described = alice.call(describe_groups([group]))[group]
        self.assertEqual((described.error, described.state), (NONE, "Stable"))

    def test_principals_reach_the_coordinator(self):
        """Members are described with the principal they joined as; deletions are audited with
        the principal that asked."""
        alice = self.connect()
        joined = alice.call(join_group("orders-principal", "alice-p", subscription("orders"),
                                       10000, 10000))
        self.assertEqual(joined.error, NONE)
        cli = GroupwireCli(self.cluster.coordinator.address)
        [member] = cli.json("groups", "describe", "orders-principal")["members"]
        self.assertEqual(member["principal"], "User:alice")

        bob = self.connect("bob")
        self.assertEqual(bob.call(offset_commit(8, "payments-old", _offsets("payments"))),
                         _all(_offsets("payments"), NONE))
        self.assertEqual(bob.call(delete_groups(["payments-old"])), {"payments-old": NONE})
        wait_until(lambda: any("audit: User:bob deleted groups: 'payments-old' NONE" in line
                               for line in self.cluster.coordinator.log_lines()),
                   10, "the coordinator's audit line for bob's DeleteGroups")

    def test_another_group_is_denied(self):
        alice = self.connect()
        offsets = _offsets("orders")
        for group in ("payments-app", "shipping"):
            with self.subTest(group):
                joined = alice.call(join_group(group, "alice-1", subscription("orders"), 10000,
                                               10000))
                self.assertEqual(joined.error, GROUP_AUTHORIZATION_FAILED)
                self.assertEqual(alice.call(heartbeat(group, 1, "m", "alice-1")),
                                 GROUP_AUTHORIZATION_FAILED)
                for version in (2, 8):
                    self.assertEqual(alice.call(offset_commit(version, group, offsets)),
                                     _all(offsets, GROUP_AUTHORIZATION_FAILED), f"v{version}")
                fetched = alice.call(offset_fetch(2, {group: {"orders": [0]}}))
                self.assertEqual(fetched[group].error, GROUP_AUTHORIZATION_FAILED)
                self.assertEqual(alice.call(describe_groups([group]))[group].error,
                                 GROUP_AUTHORIZATION_FAILED)
                self.assertEqual(alice.call(delete_groups([group])),
                                 {group: GROUP_AUTHORIZATION_FAILED})
        # Read on her own groups does not let her delete them.
        self.assertEqual(alice.call(delete_groups(["orders-app"])),
                         {"orders-app": GROUP_AUTHORIZATION_FAILED})
        # bob's commit is untouched.
        bob = self.connect("bob")
        fetched = bob.call(offset_fetch(2, {"payments-app": {"payments": [0]}}))
        self.assertEqual(fetched["payments-app"].offsets, {("payments", 0): (1, NONE)})

    def test_kafka_python_consumer_of_another_group_is_denied(self):
        consumer = kafka.KafkaConsumer(
            "orders", bootstrap_servers=self.cluster.bootstrap, group_id="payments-app",
            enable_auto_commit=False, **self.sec.kafka_python("alice", PASSWORDS["alice"]))
        self.addCleanup(consumer.close)
        with self.assertRaises(kafka.errors.GroupAuthorizationFailedError):
            for _ in range(100):
                consumer.poll(timeout_ms=100)

    def test_commit_to_another_topic_is_denied_per_partition(self):
        alice = self.connect()
        ours, theirs = _offsets("orders", 5), _offsets("payments", 5)
        for version in (2, 8):
            with self.subTest(f"OffsetCommit v{version}"):
                group = f"orders-simple-v{version}"
                self.assertEqual(alice.call(offset_commit(version, group, {**ours, **theirs})),
                                 {**_all(ours, NONE), **_all(theirs, TOPIC_AUTHORIZATION_FAILED)})
                fetched = alice.call(offset_fetch(8, {group: {"orders": list(range(PARTITIONS)),
                                                              "payments": [0]}}))[group]
                self.assertEqual(fetched.error, NONE)
                self.assertEqual(fetched.offsets, {
                    **{tp: (5, NONE) for tp in ours},
                    ("payments", 0): (-1, TOPIC_AUTHORIZATION_FAILED)})

    def list_groups_everywhere(self, user: str) -> dict[str, str]:
        """ListGroups on every broker listener, merged: each lists the groups it coordinates,
        as a Kafka broker does."""
        groups = {}
        for listener in self.cluster.broker_listeners.values():
            host, port = listener.rsplit(":", 1)
            conn = SecureConnection((host, int(port)), self.sec.ca)
            self.addCleanup(conn.close)
            self.assertEqual(conn.login(user, PASSWORDS[user], "SCRAM-SHA-512").error, NONE)
            error, listed = conn.call(list_groups())
            self.assertEqual(error, NONE)
            groups.update(listed)
        return groups

    def test_list_groups_shows_only_the_principals_groups(self):
        alice = self.connect()
        self.assertEqual(alice.call(offset_commit(8, "orders-listed", _offsets("orders"))),
                         _all(_offsets("orders"), NONE))
        groups = self.list_groups_everywhere("alice")
        self.assertIn("orders-listed", groups)
        self.assertEqual([g for g in groups if not g.startswith("orders-")], [], groups)
        self.assertEqual(sorted(self.list_groups_everywhere("bob")), ["payments-app"])

    def test_metadata_shows_only_described_topics(self):
        alice = self.connect()
        _, topics = alice.call(metadata(None))
        self.assertEqual(sorted(topics), ["orders"], topics)
        self.assertEqual(topics["orders"].error, NONE)
        _, topics = alice.call(metadata(["orders", "payments"]))
        self.assertEqual({name: t.error for name, t in topics.items()},
                         {"orders": NONE, "payments": TOPIC_AUTHORIZATION_FAILED})
        self.assertEqual(len(topics["orders"].partitions), PARTITIONS)
        _, topics = self.connect("bob").call(metadata(None))
        self.assertEqual(sorted(topics), ["payments"], topics)

    def test_deny_beats_allow(self):
        alice = self.connect()
        offsets = _offsets("orders")
        self.assertEqual(alice.call(offset_commit(8, "orders-secret", offsets)),
                         _all(offsets, GROUP_AUTHORIZATION_FAILED))
        self.assertEqual(alice.call(offset_commit(8, "orders-secrets", offsets)),
                         _all(offsets, NONE))

    def test_rule_added_takes_effect_at_sighup_without_reconnecting(self):
        alice = self.connect()
        offsets = _offsets("orders")
        self.assertEqual(alice.call(offset_commit(8, "invoices-app", offsets)),
                         _all(offsets, GROUP_AUTHORIZATION_FAILED))
        self.addCleanup(self.reload, *RULES)
        self.reload(*RULES, "allow User:alice Read group prefixed invoices-")
        self.assertEqual(alice.call(offset_commit(8, "invoices-app", offsets)),
                         _all(offsets, NONE), self.cluster.logs())

    def reload(self, *rules: str) -> None:
        gateway = self.cluster.gateway
        mark = gateway.mark()
        self.sec.write_acls(*rules)
        sighup(gateway)
        gateway.wait_for_log(re.compile("reloaded " + re.escape(str(self.sec.acls)) + "$"),
                             after=mark)


if __name__ == "__main__":
    unittest.main()
