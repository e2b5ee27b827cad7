"""Certificates for the security tests, made with the `openssl` command in a directory of the
test's: a certificate authority, servers' and clients' certificates it signs, an expired client
certificate, and certificates of a second CA nothing trusts.

    pki = Pki(tempdir)
    pki.ca().cert                                  # the trusted CA's certificate (PEM)
    server = pki.server("coordinator", ["coordinator-0.example"])
    server.cert, server.key                        # SANs: localhost, 127.0.0.1 and those names
    pki.client("gateway-1")                        # CN=gateway-1, for client authentication
    pki.client("old", expired=True)                # validity ended yesterday
    pki.client("intruder", untrusted=True)         # signed by the untrusted CA

Every certificate carries both serverAuth and clientAuth, so a server's certificate also serves
as its client certificate (a coordinator passing an admin call to another one). Keys are
unencrypted EC P-256 PEM files; names are made once per Pki and reused on later calls.
"""

import datetime
import ipaddress
import subprocess
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Issued:
    """A certificate and its key, as PEM file paths; `name` is the name it was made under."""
    name: str
    cert: Path
    key: Path

    def read_cert(self) -> bytes:
        return self.cert.read_bytes()

    def read_key(self) -> bytes:
        return self.key.read_bytes()


class Pki:
    """Two certificate authorities in `directory`: the trusted one (`ca()`) and an untrusted one
    (`untrusted_ca()`), created on first use."""

    def __init__(self, directory: str | Path) -> None:
        self.directory = Path(directory)
        self.directory.mkdir(parents=True, exist_ok=True)
        self._issued: dict[str, Issued] = {}

    def ca(self) -> Issued:
        """The CA the servers and clients under test trust."""
        return self._authority("ca", "Groupwire Test CA")

    def untrusted_ca(self) -> Issued:
        """A second CA, trusted by nothing: its certificates must be refused."""
        return self._authority("untrusted-ca", "Untrusted Test CA")

    def server(self, name: str, sans: list[str] | tuple[str, ...] = ()) -> Issued:
        """A server certificate signed by the trusted CA, CN=name, valid for DNS localhost,
        IP 127.0.0.1 and each of `sans` (host names or IP addresses)."""
        return self._leaf(f"server-{name}", name, ["localhost", "127.0.0.1", *sans],
                          self.ca(), days=30)

    def client(self, cn: str, expired: bool = False, untrusted: bool = False,
               sans: list[str] | tuple[str, ...] = ()) -> Issued:
        """A client certificate with CN=cn, signed by the trusted CA unless `untrusted`;
        `expired`: its validity ended a day ago."""
        issuer = self.untrusted_ca() if untrusted else self.ca()
        label = f"client-{cn}" + ("-untrusted" if untrusted else "") + ("-expired" if expired
                                                                       else "")
        return self._leaf(label, cn, list(sans), issuer, days=-1 if expired else 30)

    def _authority(self, label: str, cn: str) -> Issued:
        if label in self._issued:
            return self._issued[label]
        cert, key = self.directory / f"{label}.pem", self.directory / f"{label}-key.pem"
        self._genkey(key)
        _openssl("req", "-x509", "-new", "-key", key, "-out", cert, "-days", "30", "-subj",
                 f"/CN={cn}", "-addext", "basicConstraints=critical,CA:TRUE",
                 "-addext", "keyUsage=critical,keyCertSign,cRLSign")
        self._issued[label] = Issued(label, cert, key)
        return self._issued[label]

    def _leaf(self, label: str, cn: str, sans: list[str], issuer: Issued, days: int) -> Issued:
        if label in self._issued:
            return self._issued[label]
        cert, key = self.directory / f"{label}.pem", self.directory / f"{label}-key.pem"
        csr, ext = self.directory / f"{label}.csr", self.directory / f"{label}.ext"
        self._genkey(key)
        _openssl("req", "-new", "-key", key, "-out", csr, "-subj", f"/CN={cn}")
        lines = ["basicConstraints=CA:FALSE", "keyUsage=critical,digitalSignature",
                 "extendedKeyUsage=serverAuth,clientAuth"]
        if sans:
            lines.append("subjectAltName=" + ",".join(_san(s) for s in sans))
        ext.write_text("\n".join(lines) + "\n")
        # `openssl ca` (not `x509 -req`, which cannot date a certificate in the past) with the
        # issuer's own database and serial files.
        database, serial = (self.directory / f"{issuer.name}.index",
                            self.directory / f"{issuer.name}.serial")
        if not database.exists():
            database.write_text("")
            serial.write_text("01\n")
        issued = self.directory / "issued"  # openssl ca's copies, by serial number
        issued.mkdir(exist_ok=True)
        config = self.directory / f"{label}.cnf"
        config.write_text("[ca]\ndefault_ca = issuer\n[issuer]\n"
                          f"database = {database}\nserial = {serial}\n"
                          f"new_certs_dir = {issued}\ndefault_md = sha256\n"
                          "policy = any\nunique_subject = no\n[any]\ncommonName = supplied\n")
        start, end = (_utc(-2), _utc(days)) if days < 0 else (_utc(0, minutes=-5), _utc(days))
        _openssl("ca", "-batch", "-notext", "-config", config, "-cert", issuer.cert,
                 "-keyfile", issuer.key, "-in", csr, "-out", cert, "-extfile", ext,
                 "-startdate", start, "-enddate", end)
        self._issued[label] = Issued(label, cert, key)
        return self._issued[label]

    @staticmethod
    def _genkey(path: Path) -> None:
        _openssl("genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256",
                 "-out", path)
        path.chmod(0o600)


def _san(name: str) -> str:
    try:
        ipaddress.ip_address(name)
        return f"IP:{name}"
    except ValueError:
        return f"DNS:{name}"


def _utc(days_from_now: int, minutes: int = 0) -> str:
    """An openssl date (YYYYMMDDHHMMSSZ) this far from now."""
    when = datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(
        days=days_from_now, minutes=minutes)
    return when.strftime("%Y%m%d%H%M%SZ")


def _openssl(*args) -> None:
    result = subprocess.run(["openssl", *map(str, args)], capture_output=True, text=True)
    if result.returncode != 0:
        raise RuntimeError(f"openssl {' '.join(map(str, args))} failed: {result.stderr.strip()}")
