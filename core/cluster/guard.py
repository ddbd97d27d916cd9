"""Who may ask what: roles by certificate, on top of the CA check of mutual TLS.

Dask itself trusts every peer its CA signed equally: any of them may submit tasks, or call
`run`/`broadcast`, i.e. run code on every worker. The target bundle lives on lab machines, so a
stolen bundle must not be a key to the app host. The certificates carry a role in their common
name (certs.py): "ovwb-scheduler" for the app side, "ovwb-target" for targets. Then:
* the scheduler answers a target's certificate only for what a worker needs (register,
  heartbeat, who_has, set_resources): no client, no task, no run/broadcast from a target;
* a target's worker answers only the app side (the scheduler and the app's clients), so one
  target cannot run code on another.
Every handler of the server is wrapped; a refused call gets a PermissionError back.
"""

from __future__ import annotations

import inspect
import logging
from collections.abc import Callable
from typing import Any

from core.cluster.names import WORKER_PREFIX

log = logging.getLogger("ovwb.targets")
APP_ROLE = "ovwb-scheduler"
TARGET_ROLE = "ovwb-target"
# What a worker calls on the scheduler (distributed.worker: register, heartbeat, who_has, set_resources).
TARGET_SCHEDULER_OPS = frozenset({"register-worker", "heartbeat_worker", "who_has", "set_resources", "identity",
                                  "keep-alive"})


def peer_role(comm: Any) -> str | None:
    """The common name of the peer's certificate (None without TLS or without one)."""
    cert = (getattr(comm, "extra_info", None) or {}).get("peercert") or {}
    for rdn in cert.get("subject", ()):
        for key, value in rdn:
            if key == "commonName":
                return str(value)
    return None


def _guard(server: Any, allowed: Callable[[str | None, str, dict[str, Any]], bool]) -> None:
    for op, handler in list(server.handlers.items()):
        if getattr(handler, "_ovwb_guarded", False):
            continue
        wants_comm = bool(inspect.signature(handler).parameters) and next(
            iter(inspect.signature(handler).parameters)) == "comm"
        wants_serializers = "serializers" in inspect.signature(handler).parameters

        def guarded(comm: Any, *, _op: str = op, _handler: Callable[..., Any] = handler,
                    _wants_comm: bool = wants_comm, **kwargs: Any) -> Any:
            role = peer_role(comm)
            if not allowed(role, _op, kwargs):
                log.warning("refused %r from %s (certificate role %s)", _op, getattr(comm, "peer_address", "?"), role)
                raise PermissionError(f"{_op!r} is not allowed for certificate role {role!r}")
            return _handler(comm, **kwargs) if _wants_comm else _handler(**kwargs)

        if wants_serializers:
            inner = guarded

            def guarded(comm: Any, serializers: Any = None, *, _inner: Callable[..., Any] = inner,  # type: ignore[misc]
                        **kwargs: Any) -> Any:
                return _inner(comm, serializers=serializers, **kwargs)

        # Not functools.wraps: its __wrapped__ would make Dask read the inner signature (no `comm`).
        guarded.__name__ = getattr(handler, "__name__", op)
        guarded._ovwb_guarded = True  # type: ignore[attr-defined]
        server.handlers[op] = guarded


def is_target_role(role: str | None) -> bool:
    """"ovwb-target" (the shared bundle) or "ovwb-target:NAME" (a bundle for one target)."""
    return role == TARGET_ROLE or (role or "").startswith(TARGET_ROLE + ":")


def _target_may(role: str, op: str, kwargs: dict[str, Any]) -> bool:
    """A target registers as a target: named ovwb-target:* (exactly its certificate's name when it
    has one), holding device resources only — never the app workers' resource, which would route
    job supervisors (and the database URL) to it."""
    if op not in TARGET_SCHEDULER_OPS:
        return False
    resources = kwargs.get("resources") or {}
    if any(not str(name).startswith("device-") for name in resources):
        return False
    if op == "register-worker":
        name = str(kwargs.get("name", ""))
        if not name.startswith(WORKER_PREFIX):
            return False
        if role != TARGET_ROLE and name != role:  # a named bundle joins under its own name only
            return False
    return True


def guard_scheduler(scheduler: Any) -> None:
    """The app's scheduler: the app side may do anything, a target only what a worker does."""
    _guard(scheduler, lambda role, op, kwargs: role == APP_ROLE
           or (is_target_role(role) and _target_may(str(role), op, kwargs)))


def guard_target_worker(worker: Any) -> None:
    """A target's worker: only the app side (scheduler, app clients) may talk to it."""
    _guard(worker, lambda role, _op, _kwargs: role == APP_ROLE)
