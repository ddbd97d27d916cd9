"""Certificates for the cluster: `python -m core cluster certs [--dir D]`.

The scheduler runs submitted code on every worker — the app's own workers (which hold the
database) and every target. So only peers holding a certificate signed by the cluster's own
CA may connect (mutual TLS, `require_encryption`): the scheduler checks each client and
worker, and each worker checks whoever connects to it.

Layout of the folder (default `<workspace>/cluster/certs`, folders 0700, files 0600):
    ca.pem, ca-key.pem            the cluster's CA (the key stays here: it signs new bundles)
    scheduler.pem, scheduler-key.pem   the app side: scheduler, local workers, app clients
    target/ca.pem, target/target.pem, target/target-key.pem
                                  the bundle to copy to each lab machine (`--certs target`)
    targets/NAME/...              a bundle for one target only (`cluster certs --target NAME`):
                                  its certificate names it, so it can join as NAME and nothing else
"""

from __future__ import annotations

import datetime as dt
import ipaddress
import os
import socket
from dataclasses import dataclass
from pathlib import Path
from typing import ClassVar

from core.cluster.names import check_name
from core.config import get_settings
from core.errors import UserError
from core.workspace import make_private_dir, private_files

VALID_DAYS = 825  # the longest leaf lifetime common TLS clients accept
CA_NAME = "OV Workbench cluster CA"


@dataclass(frozen=True)
class _CertFolder:
    """A folder of PEM files: the CA, and one signed certificate with its key named by STEM."""

    folder: Path
    STEM: ClassVar[str]

    @property
    def ca(self) -> Path:
        return self.folder / "ca.pem"

    @property
    def cert(self) -> Path:
        return self.folder / f"{self.STEM}.pem"

    @property
    def key(self) -> Path:
        return self.folder / f"{self.STEM}-key.pem"


@dataclass(frozen=True)
class AppCerts(_CertFolder):
    """The app side's files (scheduler, its local workers and its clients all use them)."""

    STEM: ClassVar[str] = "scheduler"

    @property
    def target_bundle(self) -> Path:
        return self.folder / "target"


@dataclass(frozen=True)
class TargetCerts(_CertFolder):
    """A target's bundle: the CA to check the scheduler with, and its own signed cert/key."""

    STEM: ClassVar[str] = "target"


def default_certs_dir() -> Path:
    return get_settings().workspace / "cluster" / "certs"


def _write_private(path: Path, data: bytes) -> None:
    """Write a file that is 0600 from its first byte (a key must never be readable by others)."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_CLOEXEC | getattr(os, "O_NOFOLLOW", 0), 0o600)
    try:
        os.fchmod(fd, 0o600)
        os.write(fd, data)
    finally:
        os.close(fd)


def _key():  # type: ignore[no-untyped-def]
    from cryptography.hazmat.primitives.asymmetric import ec

    return ec.generate_private_key(ec.SECP256R1())


def _pem_key(key) -> bytes:  # type: ignore[no-untyped-def]
    from cryptography.hazmat.primitives import serialization

    return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                             serialization.NoEncryption())


def _pem_cert(cert) -> bytes:  # type: ignore[no-untyped-def]
    from cryptography.hazmat.primitives import serialization

    return cert.public_bytes(serialization.Encoding.PEM)


def _name(common_name: str):  # type: ignore[no-untyped-def]
    from cryptography import x509
    from cryptography.x509.oid import NameOID

    return x509.Name([x509.NameAttribute(NameOID.ORGANIZATION_NAME, "OV Workbench"),
                      x509.NameAttribute(NameOID.COMMON_NAME, common_name)])


def _leaf(ca_key, ca_cert, common_name: str, server: bool):  # type: ignore[no-untyped-def]
    """A key and a cert signed by the CA, usable as TLS client and (scheduler/worker) server."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes
    from cryptography.x509.oid import ExtendedKeyUsageOID

    key = _key()
    now = dt.datetime.now(dt.timezone.utc)
    names: list[x509.GeneralName] = [x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]
    if server:
        host = socket.gethostname()
        if host and host != "localhost":
            names.append(x509.DNSName(host))
    cert = (
        x509.CertificateBuilder()
        .subject_name(_name(common_name))
        .issuer_name(ca_cert.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=VALID_DAYS))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        # Every Dask peer is both: workers listen (the scheduler connects to them) and dial out.
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH, ExtendedKeyUsageOID.CLIENT_AUTH]),
                       critical=False)
        .add_extension(x509.SubjectAlternativeName(names), critical=False)
        .sign(ca_key, hashes.SHA256())
    )
    return key, cert


def create_certs(folder: Path | None = None, force: bool = False) -> dict[str, str]:
    """Make the CA, the app's scheduler cert and the target bundle in `folder`.

    Refuses to replace existing certificates unless `force`: new ones lock out every target
    that joined with the old bundle.
    """
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes

    private_files()
    app = AppCerts(Path(folder) if folder else default_certs_dir())
    if app.ca.exists() and not force:
        raise UserError(f"Cluster certificates already exist in {app.folder}.",
                        "Use them as they are, or pass --force to make new ones (every target must then "
                        "get the new bundle).")
    make_private_dir(app.folder)
    make_private_dir(app.target_bundle)
    ca_key = _key()
    now = dt.datetime.now(dt.timezone.utc)
    ca_cert = (
        x509.CertificateBuilder()
        .subject_name(_name(CA_NAME))
        .issuer_name(_name(CA_NAME))
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=VALID_DAYS))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(x509.KeyUsage(digital_signature=True, key_cert_sign=True, crl_sign=True,
                                     content_commitment=False, key_encipherment=False, data_encipherment=False,
                                     key_agreement=False, encipher_only=False, decipher_only=False), critical=True)
        .sign(ca_key, hashes.SHA256())
    )
    _write_private(app.folder / "ca-key.pem", _pem_key(ca_key))
    _write_private(app.ca, _pem_cert(ca_cert))
    key, cert = _leaf(ca_key, ca_cert, "ovwb-scheduler", server=True)
    _write_private(app.key, _pem_key(key))
    _write_private(app.cert, _pem_cert(cert))
    bundle = TargetCerts(app.target_bundle)
    key, cert = _leaf(ca_key, ca_cert, "ovwb-target", server=False)
    _write_private(bundle.key, _pem_key(key))
    _write_private(bundle.cert, _pem_cert(cert))
    _write_private(bundle.ca, _pem_cert(ca_cert))
    return {"folder": str(app.folder), "ca": str(app.ca), "scheduler_cert": str(app.cert),
            "target_bundle": str(bundle.folder)}


def create_target_bundle(name: str, folder: Path | None = None) -> dict[str, str]:
    """A bundle that lets only target `name` join (its certificate's common name says
    "ovwb-target:NAME"; the scheduler refuses it any other name): one per lab machine, so a
    bundle copied from one machine cannot pose as another."""
    from cryptography import x509
    from cryptography.hazmat.primitives import serialization

    check_name(name)
    private_files()
    app = AppCerts(Path(folder) if folder else default_certs_dir())
    ca_key_path = app.folder / "ca-key.pem"
    _check_files([app.ca, ca_key_path], "cluster")
    ca_cert = x509.load_pem_x509_certificate(app.ca.read_bytes())
    ca_key = serialization.load_pem_private_key(ca_key_path.read_bytes(), password=None)
    bundle = TargetCerts(make_private_dir(app.folder / "targets" / name))
    key, cert = _leaf(ca_key, ca_cert, f"ovwb-target:{name}", server=False)
    _write_private(bundle.key, _pem_key(key))
    _write_private(bundle.cert, _pem_cert(cert))
    _write_private(bundle.ca, _pem_cert(ca_cert))
    return {"folder": str(app.folder), "ca": str(app.ca), "scheduler_cert": str(app.cert),
            "target_bundle": str(bundle.folder), "target": name}


def _check_files(paths: list[Path], what: str) -> None:
    missing = [p.name for p in paths if not p.is_file()]
    if missing:
        raise UserError(f"The {what} certificates are incomplete: {', '.join(missing)} missing in {paths[0].parent}.",
                        "Make them with `python -m core cluster certs` on the app host (the target bundle is its "
                        "`target` folder).")


def app_security(folder: Path | None = None):  # type: ignore[no-untyped-def]
    """Dask Security for the app side (scheduler, local workers, clients): mutual TLS only."""
    from distributed.security import Security

    app = AppCerts(Path(folder) if folder else default_certs_dir())
    _check_files([app.ca, app.cert, app.key], "cluster")
    cert, key = str(app.cert), str(app.key)
    return Security(tls_ca_file=str(app.ca), tls_scheduler_cert=cert, tls_scheduler_key=key,
                    tls_worker_cert=cert, tls_worker_key=key, tls_client_cert=cert, tls_client_key=key,
                    require_encryption=True)


def target_security(folder: Path):  # type: ignore[no-untyped-def]
    """Dask Security for a target's worker, from the bundle copied to it."""
    from distributed.security import Security

    bundle = TargetCerts(Path(folder))
    _check_files([bundle.ca, bundle.cert, bundle.key], "target")
    cert, key = str(bundle.cert), str(bundle.key)
    return Security(tls_ca_file=str(bundle.ca), tls_worker_cert=cert, tls_worker_key=key,
                    tls_client_cert=cert, tls_client_key=key, require_encryption=True)
