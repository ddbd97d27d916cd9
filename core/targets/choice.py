"""The "which machine measures" choice every measuring request shares (benchmark, profile,
sweep, accuracy): one declared option, one check, so a page's target picker and the CLI's
`--target` mean the same for each kind of job."""

from __future__ import annotations

from typing import Any

from core.cluster.names import LOCAL_NAME
from core.devices import VIRTUAL_DEVICES
from core.errors import UserError
from core.requests import option
from core.targets.registry import list_targets


def target_option() -> Any:
    """The request field naming the measuring machine ("" or "local": this one)."""
    return option("", label="Target machine",
                  help="the machine that measures: a joined target's name (Targets page, `python -m core "
                       "target list`); empty or local: this machine")


def is_remote(target: str | None) -> bool:
    return (target or "") not in ("", LOCAL_NAME)


def device_on(device: str, target: str | None) -> str:
    """How a job title names where it measures: "CPU", or "CPU on edge-box" on a target."""
    return f"{device} on {target}" if is_remote(target) else device


def check_target(target: str, device: str) -> dict[str, Any]:
    """The target is known, connected and has `device` (as it reported its devices); its entry.
    The target checks the device's details (compute precisions, properties) again when it runs."""
    known = {t["name"]: t for t in list_targets(refresh=True)}
    found = known.get(target)
    if found is None:
        raise UserError(f"There is no target named {target!r}.",
                        "See the Targets page (or `python -m core target list`) for the machines that joined.")
    if found["state"] == "lost":
        raise UserError(f"Target {target} is not connected (lost at {found['lost_at'] or 'an unknown time'}).",
                        f"Start `python -m core target join ... --name {target}` on that machine again.")
    head = device.split(":", 1)[0].split(".", 1)[0].upper()
    devices = [str(d) for d in found["devices"]]
    if head not in VIRTUAL_DEVICES and not any(d.split(".", 1)[0].upper() == head for d in devices):
        raise UserError(f"Target {target} has no {device}.", f"Devices there: {', '.join(devices) or 'none'}.")
    return found
