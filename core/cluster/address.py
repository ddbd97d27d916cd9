"""Which cluster addresses we accept: TLS anywhere, plain tcp only on loopback or when asked.

A Dask peer runs whatever code it is sent, so a plain-tcp scheduler reachable from the
network lets anybody who reaches it run code as the app's user, and a plain-tcp target would
run anybody's code. Loopback-only tcp is a developer's convenience on one machine; anything
else needs the explicit `--insecure` / OVWB_CLUSTER_INSECURE=1, which the app records so the
Targets page can warn.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass

from core.errors import UserError

SCHEMES = ("tls", "tcp")


@dataclass(frozen=True)
class ClusterAddress:
    scheme: str
    host: str
    port: int

    @property
    def url(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"{self.scheme}://{host}:{self.port}"

    @property
    def loopback(self) -> bool:
        return is_loopback(self.host)

    @property
    def insecure(self) -> bool:
        return self.scheme == "tcp"

    def dial_url(self) -> str:
        """Where a process on the same host connects to a scheduler listening on this address:
        a wildcard listen address (0.0.0.0, ::) is reached through loopback."""
        if self.host in ("0.0.0.0", "", "::"):
            return f"{self.scheme}://127.0.0.1:{self.port}"
        return self.url


def is_loopback(host: str | None) -> bool:
    """True for 127.x, ::1 and localhost; False for wildcard (empty, 0.0.0.0, ::) and LAN addresses."""
    if not host:
        return False  # no address: all interfaces
    host = host.strip("[]")
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def parse_address(address: str, default_port: int = 8786) -> ClusterAddress:
    """`tls://host:port` (or tcp://) as parts, with a sentence when it is not one."""
    text = (address or "").strip()
    scheme, sep, rest = text.partition("://")
    if not sep:
        raise UserError(f"{text!r} is not a cluster address.", "Write it as tls://HOST:PORT, e.g. tls://app-host:8786.")
    scheme = scheme.lower()
    if scheme not in SCHEMES:
        raise UserError(f"The cluster address scheme {scheme!r} is not supported.", "Use tls:// (or tcp:// on loopback).")
    if rest.startswith("["):  # [::1]:8786
        host, _, port_text = rest[1:].partition("]")
        port_text = port_text.removeprefix(":")
    else:
        host, _, port_text = rest.rpartition(":") if ":" in rest else (rest, "", "")
    try:
        port = int(port_text) if port_text else default_port
    except ValueError:
        raise UserError(f"The port in {text!r} is not a number.", "Write it as tls://HOST:PORT.") from None
    if not host:
        raise UserError(f"{text!r} names no host.", "Write it as tls://HOST:PORT.")
    return ClusterAddress(scheme, host, port)


def check_address(address: str, insecure: bool = False, role: str = "scheduler") -> ClusterAddress:
    """The parsed address, or a UserError when it would be plain tcp off loopback without `insecure`."""
    parsed = parse_address(address)
    if parsed.insecure and not parsed.loopback and not insecure:
        flag = "OVWB_CLUSTER_INSECURE=1" if role == "scheduler" else "--insecure"
        raise UserError(
            f"Plain tcp:// on {parsed.host} is refused: anyone who reaches it could run code on the "
            f"{'workers' if role == 'scheduler' else 'target'}.",
            f"Use tls:// with the certificates of `python -m core cluster certs`, or pass {flag} on a network "
            "you trust (the app then shows a warning).",
        )
    return parsed
