"""A throwaway PostgreSQL 15 server for tests: a cluster made with initdb in a fresh temporary
directory, started with pg_ctl on a free loopback port, trust authentication for user
"groupwire". As root it runs as nobody (PostgreSQL refuses to run as root). Deleted on stop().

    with PostgresServer() as pg:
        pg.create_database("groupwire")
        pg.conninfo("groupwire")    # for groupwire-coordinator --postgres
        pg.query("groupwire", "SELECT 1")
"""

import os
import shutil
import socket
import subprocess
import tempfile
from pathlib import Path

BINDIR = Path(os.environ.get("GROUPWIRE_POSTGRES_BINDIR", "/usr/lib/postgresql/15/bin"))


def _as_server_user(command: list[str]) -> list[str]:
    if os.geteuid() != 0:
        return command
    return ["setpriv", "--reuid=nobody", "--regid=nogroup", "--clear-groups", *command]


def free_port() -> int:
    """A port on 127.0.0.1 nothing listens on (bound once to pick it, then released)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class PostgresServer:
    def __init__(self):
        if not (BINDIR / "initdb").exists():
            raise RuntimeError(f"{BINDIR}/initdb not found: apt-get install -y postgresql-15")
        self.dir = Path(tempfile.mkdtemp(prefix="groupwire-pg-"))
        if os.geteuid() == 0:
            os.chown(self.dir, 65534, 65534)
        self.port = 0

    def start(self) -> "PostgresServer":
        subprocess.run(_as_server_user([str(BINDIR / "initdb"), "-D", str(self.dir / "data"),
                                        "-U", "groupwire", "--auth=trust", "-E", "UTF8", "-N"]),
                       check=True, capture_output=True)
        for _ in range(3):  # another process may take the port between the probe and the bind
            self.port = free_port()
            if self.restart():
                return self
        raise RuntimeError("the PostgreSQL server did not start:\n" + self.log())

    def restart(self) -> bool:
        return self._pg_ctl("-o", f"-p {self.port} -k {self.dir} -c listen_addresses=127.0.0.1",
                            "start")

    def kill(self) -> None:
        """Stops the server at once, as a crash would."""
        self._pg_ctl("-m", "immediate", "stop")

    def stop(self) -> None:
        self.kill()
        shutil.rmtree(self.dir, ignore_errors=True)

    def _pg_ctl(self, *args: str) -> bool:
        done = subprocess.run(_as_server_user([str(BINDIR / "pg_ctl"), "-D", str(self.dir / "data"),
                                               "-l", str(self.dir / "server.log"), "-w", "-t",
                                               "60", *args]), capture_output=True)
        return done.returncode == 0

    def log(self) -> str:
        path = self.dir / "server.log"
        return path.read_text(errors="replace") if path.exists() else ""

    def conninfo(self, database: str = "postgres") -> str:
        return f"host=127.0.0.1 port={self.port} user=groupwire dbname={database}"

    def query(self, database: str, sql: str) -> list[list[str]]:
        """Rows of one statement, each a list of text values (psql's unaligned output)."""
        out = subprocess.run(["psql", "-X", "-At", "-F", "\t", "-v", "ON_ERROR_STOP=1", "-c", sql,
                              self.conninfo(database)], check=True, capture_output=True,
                             text=True).stdout
        return [line.split("\t") for line in out.splitlines()]

    def create_database(self, name: str) -> str:
        """Creates it; its conninfo."""
        self.query("postgres", f'CREATE DATABASE "{name}"')
        return self.conninfo(name)

    def __enter__(self) -> "PostgresServer":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()
