"""The container images' contents, checked without Docker (no daemon runs on these machines).

For each Dockerfile in deploy/docker, against the binary this build produced (the same sources
and the same Debian packages the image's build stage installs):
    - the build stage is Debian 12 (debian:bookworm), installs deploy/install-deps.sh's build
      list and builds exactly this binary;
    - the runtime stage is debian:bookworm-slim, runs as a non-root user, has a HEALTHCHECK,
      and its ENTRYPOINT is the binary it copies from the build stage, from the path the build
      puts it at;
    - every shared library the binary needs resolves here (ldd: nothing "not found"), and the
      Debian package holding each one is among the runtime stage's apt packages or their
      dependencies (apt-cache depends --recurse); every package listed there holds one of
      them (nothing but runtime libraries);
    - the binary starts: --help exits 0 with an empty environment;
    - EXPOSE and HEALTHCHECK use the ports the image's GROUPWIRE_* variables configure.
What this cannot see: the image really building (network, Docker) and the slim base's own
packages; see README.md, "Containers".

    /usr/bin/python3 -m unittest -v test_images.py   (GROUPWIRE_* binaries set, as ctest does)
"""

import os
import re
import subprocess
import sys
import unittest
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from deploy_files import (PROCESSES, REPO, Process, apt_packages, dockerfile_stages,  # noqa: E402
                          env_values, port_of)


# What -fsanitize=address,undefined links in (GCC 12 adds libatomic with them).
SANITIZER_RUNTIMES = ("libasan.", "libubsan.", "libatomic.")


def needed_libraries(binary: str) -> dict[str, str]:
    """soname -> resolved path, from ldd; fails on any library that does not resolve."""
    out = subprocess.run(["ldd", binary], capture_output=True, text=True, check=True).stdout
    missing = [line.strip() for line in out.splitlines() if "not found" in line]
    if missing:
        raise AssertionError(f"{binary}: libraries not found: {missing}")
    libraries = dict(re.findall(r"^\s*(\S+) => (/\S+)", out, re.MULTILINE))
    if os.environ.get("GROUPWIRE_SANITIZE") == "ON":
        # The sanitizer runtimes belong to this test build; the image builds without them.
        libraries = {soname: path for soname, path in libraries.items()
                     if not soname.startswith(SANITIZER_RUNTIMES)}
    return libraries


def packages_of(paths: list[str]) -> set[str]:
    """The Debian packages holding these libraries (usrmerge: /lib is /usr/lib), in one dpkg
    call: there are some hundred of them."""
    candidates = {path: {path, os.path.realpath(path)} for path in paths}
    for options in candidates.values():
        options |= {p.replace("/usr/lib/", "/lib/", 1) for p in list(options)}
        options |= {"/usr" + p for p in list(options) if p.startswith("/lib/")}
    everything = sorted(set().union(*candidates.values()))
    out = subprocess.run(["dpkg", "-S", *everything], capture_output=True, text=True).stdout
    owner = {}
    for line in out.splitlines():
        package, _, path = line.partition(": ")
        owner[path] = package.split(":")[0]
    packages = set()
    for path, options in candidates.items():
        found = [owner[p] for p in options if p in owner]
        if not found:
            raise AssertionError(f"no Debian package holds {path}")
        packages.add(found[0])
    return packages


def dependency_closure(packages: list[str]) -> set[str]:
    out = subprocess.run(
        ["apt-cache", "depends", "--recurse", "--no-recommends", "--no-suggests",
         "--no-conflicts", "--no-breaks", "--no-replaces", "--no-enhances", *packages],
        capture_output=True, text=True, check=True).stdout
    return {line.split(":")[0] for line in out.splitlines()
            if line and not line[0].isspace() and not line.startswith("<")}


def install_deps_build_list() -> list[str]:
    text = (REPO / "deploy" / "install-deps.sh").read_text()
    match = re.search(r"^build=\((.*?)\)", text, re.MULTILINE | re.DOTALL)
    return match[1].split()


class _ImageChecks:
    """Mixed into one unittest.TestCase per image (PROCESS)."""

    PROCESS: Process

    @classmethod
    def setUpClass(cls):
        cls.build, cls.runtime = dockerfile_stages(cls.PROCESS.dockerfile)
        cls.binary = cls.PROCESS.binary()

    def test_build_stage_builds_this_binary_on_debian_12(self):
        self.assertEqual((self.build.base, self.build.name), ("debian:bookworm", "build"))
        runs = self.build.all("RUN")
        self.assertIn("deploy/install-deps.sh build", runs)
        self.assertTrue(install_deps_build_list())
        self.assertTrue(any(f"--target {self.PROCESS.program}" in run for run in runs), runs)

    def test_runtime_stage_is_slim_non_root_with_healthcheck(self):
        self.assertEqual(self.runtime.base, "debian:bookworm-slim")
        user = self.runtime.one("USER")
        self.assertRegex(user, r"^[1-9]\d*$", "a numeric, non-root user")
        self.assertTrue(any(f"--uid {user}" in run for run in self.runtime.all("RUN")))
        self.assertTrue(self.runtime.one("HEALTHCHECK"))
        copy = self.runtime.one("COPY").split()
        self.assertEqual(copy[0], "--from=build")
        source, destination = copy[1], copy[2]
        # The path the build stage's cmake puts the binary at is where this build has it.
        build_dir = Path(os.environ.get("GROUPWIRE_BUILD_DIR", REPO / "build"))
        self.assertEqual(Path(self.binary).resolve(),
                         (build_dir / Path(source).relative_to("/build")).resolve())
        self.assertEqual(Path(destination).name, self.PROCESS.program)
        self.assertIn(destination, self.runtime.one("ENTRYPOINT"))

    def test_runtime_packages_hold_every_library_and_nothing_else(self):
        listed = [p for run in self.runtime.all("RUN") for p in apt_packages(run)]
        self.assertTrue(listed, "no apt-get install in the runtime stage")
        needed = packages_of(list(needed_libraries(self.binary).values()))
        covered = dependency_closure(listed)
        self.assertEqual(sorted(needed - covered), [],
                         f"libraries of {self.PROCESS.program} from packages the image lacks")
        self.assertEqual(sorted(set(listed) - needed), [],
                         "packages listed that hold no library the binary needs")
        print(f"\n{self.PROCESS.program}: {len(needed)} packages hold its libraries: "
              f"{' '.join(sorted(needed))}", flush=True)

    def test_binary_starts(self):
        done = subprocess.run([self.binary, "--help"], capture_output=True, text=True,
                              timeout=30, env={})
        self.assertEqual(done.returncode, 0, done.stderr)
        self.assertIn(f"Usage: {self.PROCESS.program}", done.stdout)

    def test_exposed_and_checked_ports_are_the_configured_ones(self):
        env = env_values(self.runtime)
        listening = {port_of(value) for name, value in env.items() if name.endswith("LISTEN")}
        exposed = {int(p) for args in self.runtime.all("EXPOSE") for p in args.split()}
        self.assertEqual(exposed, listening)
        healthcheck = self.runtime.one("HEALTHCHECK")
        for port in map(int, re.findall(r"/dev/tcp/127\.0\.0\.1/(\d+)", healthcheck)):
            self.assertIn(port, listening)


class GatewayImageTest(_ImageChecks, unittest.TestCase):
    PROCESS = PROCESSES[0]

    def test_healthcheck_asks_the_health_endpoint(self):
        env = env_values(self.runtime)
        health = port_of(env["GROUPWIRE_GATEWAY_HEALTH_LISTEN"])
        self.assertIn(f"/dev/tcp/127.0.0.1/{health}", self.runtime.one("HEALTHCHECK"))
        self.assertIn("GET /healthz", self.runtime.one("HEALTHCHECK"))


class CoordinatorImageTest(_ImageChecks, unittest.TestCase):
    PROCESS = PROCESSES[1]

    def test_data_dir_is_a_volume_owned_by_the_user(self):
        env = env_values(self.runtime)
        data_dir = env["GROUPWIRE_COORDINATOR_DATA_DIR"]
        self.assertIn("data-dir", self.PROCESS.flags())
        self.assertIn(data_dir, self.runtime.one("VOLUME"))
        user = self.runtime.one("USER")
        self.assertTrue(any(f"chown {user}:{user} {data_dir}" in run
                            for run in self.runtime.all("RUN")))


class DevUpstreamImageTest(_ImageChecks, unittest.TestCase):
    PROCESS = PROCESSES[2]

    def test_exposed_and_checked_ports_are_the_configured_ones(self):
        # Its brokers take random loopback ports: nothing to expose.
        self.assertEqual(self.runtime.all("EXPOSE"), [])


if __name__ == "__main__":
    unittest.main()
