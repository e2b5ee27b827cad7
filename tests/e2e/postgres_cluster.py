"""A test case whose coordinators share one PostgreSQL database (a real server it starts), and
what the database says about them: who owns which group partition."""

import unittest

from group_cluster import FAST_GROUPS, CoordinatorProcess
from postgres_server import PostgresServer

PARTITIONS = 10
LEASE_MS = 2000
FLAGS = (*FAST_GROUPS, "--group-partitions", str(PARTITIONS), "--lease-ms", str(LEASE_MS))


class PostgresClusterTest(unittest.TestCase):
    def setUp(self):
        self.pg = PostgresServer().start()
        self.addCleanup(self.pg.stop)
        self.conninfo = self.pg.create_database("groupwire")
        self.coordinators: list[CoordinatorProcess] = []

    def start_coordinator(self, postgres: str | None = None, *flags: str) -> CoordinatorProcess:
        """One more coordinator, on the database (or at `postgres`, the same one another way),
        with `flags` besides the cluster's."""
        c = CoordinatorProcess(*FLAGS, *flags, postgres=postgres or self.conninfo).start()
        self.addCleanup(c.kill)
        self.coordinators.append(c)
        return c

    def leases(self) -> dict[int, tuple[str | None, int]]:
        """partition -> (owner while the lease is current, epoch)."""
        rows = self.pg.query("groupwire", "SELECT group_partition, CASE WHEN expires_at > "
                             "clock_timestamp() THEN owner END, epoch FROM groupwire_leases")
        return {int(p): (owner or None, int(epoch)) for p, owner, epoch in rows}

    def owned_by(self, c: CoordinatorProcess) -> set[int]:
        return {p for p, (owner, _) in self.leases().items() if owner == c.address}
