"""Device cards: one bordered card per inference device OpenVINO found here.

Home and Benchmark & profile both show the devices; they draw them with `device_cards` from
core's device description (`core.system_info.device_info`: name, full name, capabilities,
properties, compute precisions). Everything the device reports is shown as text.
"""

from __future__ import annotations

from typing import Any

import streamlit as st

from core.devices import range_text
from pages.ui.text import md_code, md_text


def device_cards(devices: list[dict[str, Any]]) -> None:
    """Name, capabilities, stream and request ranges, the inference precisions (when the
    description lists them), the compute precision and, on request, every property."""
    for device in devices:
        props = device["properties"]
        precisions = device.get("precisions")
        with st.container(border=True):
            st.markdown(f"**{md_text(device['device'])}** — {md_text(device['full_name'])}")
            cols = st.columns(3 if precisions is None else 4)
            cols[0].markdown("Capabilities: " + ", ".join(md_code(c) for c in device["capabilities"]))
            if "RANGE_FOR_STREAMS" in props:
                cols[1].markdown(range_text("Streams", props["RANGE_FOR_STREAMS"]))
            if "RANGE_FOR_ASYNC_INFER_REQUESTS" in props:
                cols[2].markdown(range_text("Async requests", props["RANGE_FOR_ASYNC_INFER_REQUESTS"]))
            if precisions is not None:
                cols[3].markdown("Inference precisions: " + ", ".join(md_code(p) for p in precisions))
            compute = device.get("compute") or {}
            if compute:
                st.markdown("Compute precision: native " + (", ".join(md_code(p) for p in compute["native"]) or "none reported")
                            + f" · default {md_code(compute['default'] or 'not reported')}")
            if device.get("compute_summary"):
                st.caption(device["compute_summary"])  # our own sentence
            with st.expander("All properties"):
                st.json(props)
