"""Reading the deploy files (deploy/docker/*.Dockerfile, compose.yaml, deploy/k8s/*.yaml) and the
binaries they run, for the checks in this folder.

Each image runs one binary, named by its image name: groupwire/gateway runs groupwire-gateway,
configured by --flags or GROUPWIRE_GATEWAY_* variables (common/options.h).
"""

import os
import re
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
DOCKER = REPO / "deploy" / "docker"
K8S = REPO / "deploy" / "k8s"


@dataclass(frozen=True)
class Process:
    image: str          # "groupwire/gateway"
    program: str        # "groupwire-gateway"
    binary_env: str     # where ctest says the built binary is
    env_prefix: str     # "GROUPWIRE_GATEWAY_"

    @property
    def dockerfile(self) -> Path:
        return DOCKER / f"{self.image.split('/')[1]}.Dockerfile"

    def binary(self) -> str:
        path = os.environ.get(self.binary_env)
        if not path or not os.access(path, os.X_OK):
            raise AssertionError(f"set {self.binary_env} to the built {self.program} "
                                 "(ctest does)")
        return path

    def flags(self) -> set[str]:
        """The long flags `--help` lists, without dashes."""
        done = subprocess.run([self.binary(), "--help"], capture_output=True, text=True,
                              timeout=30, env={})
        if done.returncode != 0:
            raise AssertionError(f"{self.program} --help exited {done.returncode}: "
                                 f"{done.stderr}")
        return set(re.findall(r"^\s+--([a-z0-9-]+)", done.stdout, re.MULTILINE))

    def flag_of(self, variable: str) -> str | None:
        """GROUPWIRE_GATEWAY_HEALTH_LISTEN -> "health-listen"; None for another prefix."""
        if not variable.startswith(self.env_prefix):
            return None
        return variable[len(self.env_prefix):].lower().replace("_", "-")


PROCESSES = [
    Process("groupwire/gateway", "groupwire-gateway", "GROUPWIRE_GATEWAY", "GROUPWIRE_GATEWAY_"),
    Process("groupwire/coordinator", "groupwire-coordinator", "GROUPWIRE_COORDINATOR",
            "GROUPWIRE_COORDINATOR_"),
    Process("groupwire/dev-upstream", "groupwire-dev-upstream", "GROUPWIRE_DEV_UPSTREAM",
            "GROUPWIRE_DEV_UPSTREAM_"),
]


def process_of_image(image: str) -> Process:
    name = image.split(":")[0]
    for process in PROCESSES:
        if process.image == name:
            return process
    raise AssertionError(f"image {image} is not one of ours")


def port_of(host_port: str) -> int:
    return int(str(host_port).rsplit(":", 1)[1])


# -- Dockerfiles --------------------------------------------------------------------------------


@dataclass
class Stage:
    base: str
    name: str
    instructions: list[tuple[str, str]] = field(default_factory=list)

    def all(self, keyword: str) -> list[str]:
        return [args for kw, args in self.instructions if kw == keyword]

    def one(self, keyword: str) -> str:
        found = self.all(keyword)
        if len(found) != 1:
            raise AssertionError(f"stage {self.name or self.base}: {len(found)} {keyword}")
        return found[0]


def dockerfile_stages(path: Path) -> list[Stage]:
    """The stages of a Dockerfile: instructions with continuation lines joined, no comments."""
    text = re.sub(r"\\\n", " ", "\n".join(line for line in path.read_text().splitlines()
                                          if not line.lstrip().startswith("#")))
    stages: list[Stage] = []
    for line in text.splitlines():
        if not line.strip():
            continue
        keyword, _, args = line.strip().partition(" ")
        keyword, args = keyword.upper(), " ".join(args.split())
        if keyword == "FROM":
            base, _, name = args.partition(" AS ")
            stages.append(Stage(base.strip(), name.strip()))
        else:
            stages[-1].instructions.append((keyword, args))
    return stages


def apt_packages(run: str) -> list[str]:
    """The packages of the `apt-get install` in a RUN instruction."""
    match = re.search(r"apt-get install (.*?)(&&|$)", run)
    if not match:
        return []
    return [word for word in match[1].split() if not word.startswith("-")]


def env_values(stage: Stage) -> dict[str, str]:
    """ENV A=1 B=2 instructions of a stage."""
    values = {}
    for args in stage.all("ENV"):
        for pair in args.split():
            name, _, value = pair.partition("=")
            values[name] = value
    return values
