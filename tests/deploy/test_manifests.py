"""The deployment manifests (deploy/k8s/*.yaml, deploy/docker/compose.yaml) against the
binaries they run.

    - Every file parses as YAML, and every object is of a kind we ship.
    - Every --flag in a command line and every GROUPWIRE_<PROCESS>_* variable is a flag that
      the image's binary lists in its --help.
    - Ports: each process's listen and health ports are declared (containerPort, Service
      targetPort, published compose port), the gateway's upstream broker ports are
      --broker-port-base + broker id, probes point at the health port or the gRPC port (whose
      grpc.health.v1 the coordinator serves), and the HTTP probe paths are ones a running
      gateway answers (not 404).
    - The coordinator cluster: three coordinators on the example PostgreSQL (its Service, its
      Secret's password), each advertising an address of its own that the gateways' coordinator
      address (the headless Service, or the list of all three) reaches.
    - References: Services select pods that exist, the HPA scales the gateway Deployment, the
      StatefulSet's serviceName is a Service, the gateways' coordinator address is the
      coordinator Service's, compose builds from Dockerfiles that exist.

    /usr/bin/python3 -m unittest -v test_manifests.py   (GROUPWIRE_* binaries set, as ctest does)
"""

import re
import shlex
import sys
import unittest
from pathlib import Path

import yaml

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "e2e"))
from deploy_files import DOCKER, K8S, REPO, process_of_image, port_of  # noqa: E402
from gateway_process import GatewayProcess, http_get  # noqa: E402

KINDS = {"Namespace", "Secret", "Service", "StatefulSet", "Deployment", "HorizontalPodAutoscaler"}
OURS = "groupwire/"  # images of ours; the example PostgreSQL's is not


def k8s_objects() -> list[dict]:
    objects = []
    for path in sorted(K8S.glob("*.yaml")):
        objects += [o for o in yaml.safe_load_all(path.read_text()) if o]
    return objects


def compose() -> dict:
    return yaml.safe_load((DOCKER / "compose.yaml").read_text())


def flags_in(words: list[str]) -> dict[str, str | None]:
    """--flag VALUE and --flag=VALUE in a command line (words inside `bash -c` scripts too)."""
    tokens = []
    for word in words:
        tokens += shlex.split(word) if " " in word else [word]
    found = {}
    for i, token in enumerate(tokens):
        match = re.fullmatch(r"--([a-z0-9-]+)(?:=(.*))?", token)
        if match:
            value = match[2] if match[2] is not None else (
                tokens[i + 1] if i + 1 < len(tokens) and not tokens[i + 1].startswith("--")
                else None)
            found[match[1]] = value
    return found


class Settings:
    """One container's configuration: flags and GROUPWIRE_* variables, as the binary reads
    them (a flag wins over its variable)."""

    def __init__(self, image: str, words: list[str], env: dict[str, str]):
        self.process = process_of_image(image)
        self.flags = flags_in(words)
        self.variables = {name: value for name, value in env.items()
                          if self.process.flag_of(name)}
        self.values = {self.process.flag_of(n): v for n, v in self.variables.items()}
        self.values.update(self.flags)

    def unknown(self) -> list[str]:
        known = self.process.flags()
        return ([f"--{f}" for f in self.flags if f not in known]
                + [n for n in self.variables if self.process.flag_of(n) not in known])


class KubernetesTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.objects = k8s_objects()
        cls.by_kind = {}
        for o in cls.objects:
            cls.by_kind.setdefault(o["kind"], {})[o["metadata"]["name"]] = o

    def workloads(self):
        for kind in ("Deployment", "StatefulSet"):
            for workload in self.by_kind.get(kind, {}).values():
                for container in workload["spec"]["template"]["spec"]["containers"]:
                    yield workload, container

    def containers(self):
        """Our containers, with their settings."""
        for workload, container in self.workloads():
            if not container["image"].startswith(OURS):
                continue
            env = {e["name"]: e["value"] for e in container.get("env", []) if "value" in e}
            words = container.get("command", []) + container.get("args", [])
            yield workload, container, Settings(container["image"], words, env)

    def test_objects_are_of_kinds_we_ship(self):
        self.assertEqual({o["kind"] for o in self.objects}, KINDS)

    def test_flags_and_variables_are_the_binaries_own(self):
        for workload, container, settings in self.containers():
            with self.subTest(container=container["name"]):
                self.assertEqual(settings.unknown(), [])

    def test_ports_and_probes_match_the_configuration(self):
        for workload, container, settings in self.containers():
            with self.subTest(container=container["name"]):
                ports = {p["name"]: p["containerPort"] for p in container["ports"]}
                self.assertIn(port_of(settings.values["listen"]), ports.values())
                health = settings.values.get("health-listen")
                probe_ports = set()
                for probe in ("readinessProbe", "livenessProbe"):
                    spec = container[probe]
                    action = spec.get("httpGet") or spec.get("tcpSocket") or spec.get("grpc")
                    port = action["port"]
                    probe_ports.add(ports[port] if isinstance(port, str) else port)
                expected = port_of(health) if health else port_of(settings.values["listen"])
                self.assertEqual(probe_ports, {expected})
                base = settings.values.get("broker-port-base")
                for name, port in ports.items():
                    if name.startswith("broker-"):
                        self.assertEqual(port, int(base) + int(name.split("-")[1]), name)

    def test_http_probe_paths_are_served_by_the_gateway(self):
        paths = {container[probe]["httpGet"]["path"]
                 for _, container, _ in self.containers()
                 for probe in ("readinessProbe", "livenessProbe")
                 if "httpGet" in container[probe]}
        self.assertEqual(paths, {"/healthz", "/readyz"})
        with GatewayProcess("--health-listen", "127.0.0.1:0", "--coordinator",
                            "127.0.0.1:1") as gateway:
            for path in sorted(paths):
                status, body = http_get(gateway.health_url + path)
                self.assertIn(status, (200, 503), f"{path}: {status} {body}")

    def test_coordinators_share_the_example_postgres(self):
        coordinator = self.by_kind["StatefulSet"]["groupwire-coordinator"]
        self.assertGreaterEqual(coordinator["spec"]["replicas"], 3)
        (_, container, settings), = [c for c in self.containers() if c[0] is coordinator]
        conninfo = dict(kv.split("=", 1) for kv in settings.values["postgres"].split())
        postgres = self.by_kind["Service"][conninfo["host"].split(".")[0]]
        self.assertEqual(int(conninfo["port"]), postgres["spec"]["ports"][0]["port"])
        secret = {e["name"]: e["valueFrom"]["secretKeyRef"] for e in container["env"]
                  if "valueFrom" in e and "secretKeyRef" in e["valueFrom"]}
        self.assertIn(secret["PGPASSWORD"]["name"], self.by_kind["Secret"])
        # Each pod advertises its own name under the headless Service.
        service = coordinator["spec"]["serviceName"]
        self.assertEqual(self.by_kind["Service"][service]["spec"]["clusterIP"], "None")
        self.assertTrue(settings.values["advertise"].startswith(f"$(POD_NAME).{service}."))

    def test_references_resolve(self):
        services = self.by_kind["Service"]
        pods = {}
        for workload, container in self.workloads():
            labels = workload["spec"]["template"]["metadata"]["labels"]
            ports = {p["name"] for p in container["ports"]}
            pods[workload["metadata"]["name"]] = (labels, ports)
        for name, service in services.items():
            with self.subTest(service=name):
                matching = [ports for labels, ports in pods.values()
                            if service["spec"]["selector"].items() <= labels.items()]
                self.assertEqual(len(matching), 1)
                for port in service["spec"]["ports"]:
                    self.assertIn(port["targetPort"], matching[0])
        statefulset = self.by_kind["StatefulSet"]["groupwire-coordinator"]
        self.assertIn(statefulset["spec"]["serviceName"], services)
        hpa = self.by_kind["HorizontalPodAutoscaler"]["groupwire-gateway"]
        self.assertIn(hpa["spec"]["scaleTargetRef"]["name"], self.by_kind["Deployment"])
        for _, container, settings in self.containers():
            if settings.process.program == "groupwire-gateway":
                coordinator = settings.values["coordinator"]
                service = services[statefulset["spec"]["serviceName"]]
                self.assertTrue(coordinator.startswith(service["metadata"]["name"] + "."))
                self.assertIn(port_of(coordinator), [p["port"] for p in service["spec"]["ports"]])
                # Requests so that the HPA's CPU utilization is defined.
                self.assertIn("cpu", container["resources"]["requests"])


class ComposeTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.compose = compose()
        cls.services = cls.compose["services"]

    def settings(self, service: dict) -> Settings:
        words = service.get("entrypoint", []) + service.get("command", [])
        return Settings(service["image"], words, service.get("environment", {}))

    def ours(self):
        return {name: s for name, s in self.services.items() if s["image"].startswith(OURS)}

    def test_builds_from_our_dockerfiles(self):
        for name, service in self.ours().items():
            with self.subTest(service=name):
                process = process_of_image(service["image"])
                if "build" in service:
                    path = REPO / "deploy" / "docker" / service["build"]["context"] \
                        / service["build"]["dockerfile"]
                    self.assertEqual(path.resolve(), process.dockerfile.resolve())

    def test_flags_and_variables_are_the_binaries_own(self):
        for name, service in self.ours().items():
            with self.subTest(service=name):
                self.assertEqual(self.settings(service).unknown(), [])

    def test_gateway_ports_are_published_where_they_listen(self):
        for name, service in self.ours().items():
            settings = self.settings(service)
            if settings.process.program != "groupwire-gateway":
                continue
            with self.subTest(service=name):
                # A gateway in another service's network namespace is published there.
                host = service.get("network_mode", "").removeprefix("service:") or name
                published = set()
                for mapping in self.services[host].get("ports", []):
                    first, last = (mapping.split(":")[1].split("-") + [None])[:2]
                    published |= set(range(int(first), int(last or first) + 1))
                listen = port_of(settings.values["listen"])
                brokers = int(flags_in(self.services[host]["command"])["brokers"])
                expected = {listen, port_of(settings.values["health-listen"])}
                expected |= {listen + 1000 + node for node in range(1, brokers + 1)}
                self.assertLessEqual(expected, published)
                self.assertEqual(port_of(settings.values["advertise"]), listen)

    def test_gateways_know_every_coordinator_of_the_postgres_cluster(self):
        coordinators = {name: self.settings(service) for name, service in self.ours().items()
                        if self.settings(service).process.program == "groupwire-coordinator"}
        self.assertEqual(len(coordinators), 3)
        advertised = set()
        for name, settings in coordinators.items():
            with self.subTest(service=name):
                conninfo = dict(kv.split("=", 1) for kv in settings.values["postgres"].split())
                self.assertIn(conninfo["host"], self.services)
                self.assertEqual(settings.values["advertise"].split(":")[0], name)
                self.assertEqual(port_of(settings.values["advertise"]),
                                 port_of(settings.values["listen"]))
                advertised.add(settings.values["advertise"])
        for name, service in self.ours().items():
            settings = self.settings(service)
            if settings.process.program == "groupwire-gateway":
                self.assertEqual(set(settings.values["coordinator"].split(",")), advertised, name)


if __name__ == "__main__":
    unittest.main()
