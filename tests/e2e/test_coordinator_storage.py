"""A coordinator whose database cannot be trusted refuses to start, with a message naming the
file and what is wrong, and a non-zero exit; it never starts empty over data it could not read.

Run with Debian's interpreter:
    /usr/bin/python3 -m unittest -v test_coordinator_storage.py
"""

import sqlite3
import subprocess
import sys
import tempfile
import unittest
from contextlib import closing
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from group_cluster import coordinator_binary  # noqa: E402

TIMEOUT = 30


class CoordinatorStorageTest(unittest.TestCase):
    def setUp(self):
        self.dir = Path(tempfile.mkdtemp(prefix="groupwire-storage-"))
        self.addCleanup(lambda: subprocess.run(["rm", "-rf", str(self.dir)], check=False))
        self.db = self.dir / "groupwire.db"

    def start(self, data_dir: Path) -> subprocess.CompletedProcess:
        return subprocess.run([coordinator_binary(), "--listen", "127.0.0.1:0",
                               "--data-dir", str(data_dir)],
                              capture_output=True, text=True, timeout=TIMEOUT)

    def assert_refused(self, data_dir: Path, *fragments: str) -> None:
        result = self.start(data_dir)
        self.assertEqual(result.returncode, 1, result.stderr)
        for fragment in fragments:
            self.assertIn(fragment, result.stderr)
        self.assertNotIn("listening on", result.stderr)

    def test_file_that_is_not_a_database(self):
        self.db.write_bytes(b"\x00garbage" * 2048)
        self.assert_refused(self.dir, str(self.db), "not a database")

    def test_newer_schema(self):
        with closing(sqlite3.connect(self.db)) as conn:
            conn.execute("PRAGMA application_id = 1196905009")  # Groupwire's
            conn.execute("CREATE TABLE future (x INTEGER)")
            conn.execute("PRAGMA user_version = 42")
            conn.commit()
        self.assert_refused(self.dir, str(self.db), "schema version 42 is newer")

    def test_data_dir_that_cannot_be_created(self):
        blocker = self.dir / "file"
        blocker.write_text("not a directory")
        self.assert_refused(blocker / "data", "--data-dir", "cannot create")


if __name__ == "__main__":
    unittest.main()
