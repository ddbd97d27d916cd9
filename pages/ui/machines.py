"""Which machine measures: "local" or a connected target, with the devices it reported.

Shared by every page that starts a measuring job (Benchmark, the accuracy step of Optimize), so
the same targets are offered in the same words, and each form offers the devices and compute
precisions of the machine picked (the target checks them again when it measures)."""

from __future__ import annotations

from typing import Any

import streamlit as st

from core.devices import devices_overview
from core.requests import OptionInfo
from core.targets import LOCAL_NAME, list_targets


@st.cache_data(ttl=600, show_spinner="Asking OpenVINO which devices this machine has…")
def cached_devices() -> dict[str, Any]:
    return devices_overview()


@st.cache_data(ttl=5, show_spinner=False)
def cached_targets() -> list[dict[str, Any]]:
    return list_targets(refresh=True)


def pick_target(declared: OptionInfo, key: str) -> tuple[str, dict[str, Any]]:
    """The machine that measures ("local", or a connected target) and its devices overview
    ({"devices": [device_info...], "virtual", "absent"}) as that machine reported it."""
    local = cached_devices()
    usable = {t["name"]: t for t in cached_targets() if t["name"] == LOCAL_NAME or t["state"] != "lost"}

    def label(name: str) -> str:
        if name == LOCAL_NAME:
            return "local (this machine)"
        found = usable[name]
        return f"{name} · {found['state']} · {', '.join(map(str, found['devices'])) or 'no devices'}"

    name = st.selectbox(declared.label, list(usable), format_func=label, key=key, help=declared.help)
    if name == LOCAL_NAME or name not in usable:
        return LOCAL_NAME, local
    return name, {"devices": usable[name]["info"].get("devices") or [], "virtual": [], "absent": []}
